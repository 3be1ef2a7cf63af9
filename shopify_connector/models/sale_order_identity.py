"""Which Shopify shop an imported order comes from, independent of the shop record.

``shopify_shop_key`` is Shopify's ID of the shop (``gid://shopify/Shop/...``)
when the connector knows it, else the shop's myshopify.com domain (see
``shopify.shop._shopify_shop_key``). An order is unique per shop key and
Shopify order ID: the same Shopify shop connected again under a new record
(the old one archived, or deleted before deletion was refused) finds its
orders by the key and relinks them instead of importing them a second time.
"""

from odoo import api, fields, models


class SaleOrder(models.Model):
    # one file per concern of the sale order
    _inherit = "sale.order"  # pylint: disable=consider-merging-classes-inherited

    shopify_shop_key = fields.Char(
        "Shopify shop identity",
        readonly=True,
        copy=False,
        help="Shopify's ID of the shop the order comes from (its myshopify.com domain "
        "until the ID is known). The order is recognised by it and its Shopify order ID.",
    )

    _shopify_order_unique = models.Constraint(
        "UNIQUE(shopify_shop_key, shopify_order_gid)",
        "This Shopify order has been imported already.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if (
                vals.get("shopify_order_gid")
                and vals.get("shopify_shop_id")
                and not vals.get("shopify_shop_key")
            ):
                shop = self.env["shopify.shop"].browse(vals["shopify_shop_id"])
                vals["shopify_shop_key"] = shop._shopify_shop_key()
        return super().create(vals_list)
