from odoo import api, fields, models


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    shopify_line_gid = fields.Char("Shopify line ID", readonly=True, copy=False)
    shopify_unfulfilled_qty = fields.Float(
        "Unfulfilled in Shopify",
        digits="Product Unit",
        readonly=True,
        copy=False,
        help="Units of this line that Shopify had not fulfilled at the last fetch of the order.",
    )

    @api.depends("extra_tax_data")
    def _compute_amount(self):
        # Shopify's amounts of a line are Odoo's manual tax amounts (see
        # ShopifyOrderLines._money_values): the line follows when they change
        return super()._compute_amount()
