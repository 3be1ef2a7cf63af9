"""Order rules of a Shopify shop: which orders wait for a person.

An order that Shopify rates high risk, or whose fulfilment Shopify holds, is
imported as a quotation flagged for a person (``sale_order_import``); a later
fetch confirms it once Shopify no longer holds it.
"""

from odoo import fields, models


class ShopifyShop(models.Model):
    # one file per feature of the shop (orders, stock, catalogue), as the design asks
    _inherit = "shopify.shop"  # pylint: disable=consider-merging-classes-inherited

    order_review_risky = fields.Boolean(
        "Hold risky orders for review",
        default=True,
        help="Orders that Shopify rates high risk of fraud, or whose fulfilment is on hold "
        "in Shopify, are imported as quotations with a to-do for a person, and not "
        "confirmed (no stock is reserved for them). A later fetch confirms them once "
        "Shopify no longer rates them high risk and the hold is released. Off: such "
        "orders are confirmed like any other.",
    )
