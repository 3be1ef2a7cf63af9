from odoo import fields, models


class ShopifyRefund(models.Model):
    """A Shopify refund applied to a sale order (return, credit note), once.

    Kept beside the sale order it belongs to: it exists only for it.
    """

    _name = "shopify.refund"
    _description = "Shopify refund applied"
    _order = "id"

    sale_order_id = fields.Many2one(
        "sale.order", required=True, ondelete="cascade", index=True, readonly=True
    )
    shopify_refund_gid = fields.Char("Shopify refund ID", required=True, readonly=True)
    refunded_at = fields.Datetime("Refunded in Shopify", readonly=True)
    company_id = fields.Many2one(related="sale_order_id.company_id", store=True)
    return_picking_ids = fields.Many2many("stock.picking", string="Returns", readonly=True)
    credit_note_id = fields.Many2one("account.move", "Credit note", readonly=True)
    summary = fields.Char(readonly=True)

    _shopify_refund_unique = models.Constraint(
        "UNIQUE(sale_order_id, shopify_refund_gid)",
        "This Shopify refund has been applied to the order already.",
    )
