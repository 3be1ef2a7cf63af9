from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    shopify_shop_product = fields.Boolean(
        "Shop product",
        copy=False,
        help="Sold in a Shopify shop. Set on products that the order import created "
        "because Odoo did not have them; the product export uses it too.",
    )
