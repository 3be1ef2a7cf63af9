from odoo import api, fields, models
from odoo.tools import SQL


class ShopifyStockDiscrepancy(models.Model):
    """Variants whose available quantity in Shopify differs from what Odoo publishes.

    A read-only view over the variant mapping: Shopify's figures are those last
    read (or accepted) at the shop's connected location; Odoo's is what Odoo
    would publish now, refreshed when the list is opened (same formula as the
    push), so that units Shopify could oversell show.
    """

    _name = "shopify.stock.discrepancy"
    _description = "Shopify stock discrepancy"
    _auto = False
    _order = "abs_difference desc, id"
    _rec_name = "sku"

    shop_id = fields.Many2one("shopify.shop", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    variant_id = fields.Many2one("shopify.variant", string="Shopify variant", readonly=True)
    product_id = fields.Many2one("product.product", string="Odoo product", readonly=True)
    sku = fields.Char("SKU", readonly=True)
    odoo_qty = fields.Integer("Odoo publishes", readonly=True)
    shopify_available = fields.Integer("Shopify available", readonly=True)
    shopify_committed = fields.Integer("Shopify committed", readonly=True)
    difference = fields.Integer(readonly=True, help="Shopify available minus Odoo's quantity.")
    abs_difference = fields.Integer(readonly=True)
    oversellable = fields.Integer(
        "Oversellable units",
        readonly=True,
        help="Units Shopify offers beyond what Odoo can deliver (the positive difference).",
    )
    pushed_qty = fields.Integer("Last pushed", readonly=True)
    pushed_at = fields.Datetime("Pushed at", readonly=True)
    shopify_at = fields.Datetime("Shopify figures from", readonly=True)
    note = fields.Char(readonly=True)

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT v.id, v.id AS variant_id, v.shop_id, v.company_id, v.product_id, v.sku,
                   v.stock_odoo_qty AS odoo_qty,
                   v.shopify_available, v.shopify_committed,
                   v.shopify_available - v.stock_odoo_qty AS difference,
                   ABS(v.shopify_available - v.stock_odoo_qty) AS abs_difference,
                   GREATEST(v.shopify_available - v.stock_odoo_qty, 0) AS oversellable,
                   v.stock_pushed_qty AS pushed_qty, v.stock_pushed_at AS pushed_at,
                   v.shopify_stock_at AS shopify_at, v.stock_note AS note
              FROM shopify_variant v
              JOIN shopify_shop s ON s.id = v.shop_id
              JOIN shopify_location l ON l.id = s.stock_location_id
             WHERE v.product_id IS NOT NULL
               AND v.stock_location_gid = l.shopify_gid
               AND v.stock_odoo_qty_at IS NOT NULL
               AND v.shopify_stock_at IS NOT NULL
               AND v.shopify_available <> v.stock_odoo_qty
            """
        )

    @api.model
    def _action_open_current(self):
        """The list, after computing what Odoo would publish now for the shops
        the user sees (Odoo's figures only, no call to Shopify)."""
        self.env["shopify.shop"].search(
            [("stock_location_id", "!=", False), ("stock_warehouse_ids", "!=", False)]
        )._stock_refresh_odoo_qty()
        return self.env["ir.actions.act_window"]._for_xml_id(
            "shopify_connector.shopify_stock_discrepancy_action"
        )

    def action_compare_again(self):
        """Read Shopify again for the shops shown (or all shops with a location)."""
        shops = self.shop_id or self.env["shopify.shop"].search(
            [("stock_location_id", "!=", False), ("stock_warehouse_ids", "!=", False)]
        )
        for shop in shops:
            shop.action_stock_compare()
        return {"type": "ir.actions.client", "tag": "reload"}
