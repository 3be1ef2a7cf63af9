from odoo import fields, models


class ShopifyVariant(models.Model):
    """What Shopify was last told about a variant's price (so that "Update
    prices" sends only what changed) and the handle of its Shopify product."""

    _inherit = "shopify.variant"

    shopify_product_handle = fields.Char("Shopify product handle", readonly=True)
    shopify_price_pushed = fields.Float(
        "Price last pushed", digits=(16, 4), readonly=True, copy=False
    )
    shopify_price_pushed_at = fields.Datetime(
        "Price pushed on",
        readonly=True,
        copy=False,
        help="When the connector last told Shopify this variant's price; empty: never.",
    )
    shopify_compare_at_pushed = fields.Float(
        "Compare-at price last pushed",
        digits=(16, 4),
        readonly=True,
        copy=False,
        help="0 with 'Compare-at price sent' set: the compare-at price was cleared.",
    )
    shopify_compare_at_told = fields.Boolean(
        "Compare-at price sent",
        readonly=True,
        copy=False,
        help="Whether the connector has set (or cleared) this variant's compare-at price.",
    )
