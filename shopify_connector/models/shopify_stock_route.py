from odoo import fields, models


class ShopifyStockRoute(models.Model):
    """An extra pair: the stock of some Odoo warehouses published to another
    Shopify location of the shop (the main pair is on the shop itself)."""

    _name = "shopify.stock.route"
    _description = "Shopify stock location pair"
    _order = "shop_id, sequence, id"

    shop_id = fields.Many2one("shopify.shop", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="shop_id.company_id", store=True, index=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    location_id = fields.Many2one(
        "shopify.location",
        string="Shopify location",
        required=True,
        ondelete="cascade",
        domain="[('shop_id', '=', shop_id)]",
    )
    warehouse_ids = fields.Many2many(
        "stock.warehouse",
        "shopify_stock_route_warehouse_rel",
        "route_id",
        "warehouse_id",
        string="Odoo warehouses",
        required=True,
        domain="[('company_id', '=', company_id)]",
        help="Their free stock is summed into the Shopify location.",
    )

    _location_unique = models.Constraint(
        "UNIQUE(shop_id, location_id)", "A Shopify location is paired once per shop."
    )
