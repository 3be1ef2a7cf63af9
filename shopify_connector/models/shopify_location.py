from odoo import fields, models


class ShopifyLocation(models.Model):
    """A location of a Shopify shop, as read by "Test connection"."""

    _name = "shopify.location"
    _description = "Shopify location"
    _order = "shop_id, name"

    shop_id = fields.Many2one("shopify.shop", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="shop_id.company_id", store=True)
    name = fields.Char(required=True)
    shopify_gid = fields.Char("Shopify ID", required=True, readonly=True)
    active = fields.Boolean(default=True)
    fulfills_online_orders = fields.Boolean(readonly=True)

    _gid_unique = models.Constraint(
        "UNIQUE(shop_id, shopify_gid)", "A Shopify location is listed once per shop."
    )
