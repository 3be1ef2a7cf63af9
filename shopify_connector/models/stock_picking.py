import logging

from odoo import api, fields, models

_logger = logging.getLogger(__name__)

FULFILLMENT_STATES = [
    ("to_push", "To fulfil in Shopify"),
    ("pushed", "Fulfilled in Shopify"),
    ("shopify", "Shipped in Shopify"),
    ("skipped", "Nothing to fulfil in Shopify"),
    ("error", "Refused by Shopify"),
]


class StockPicking(models.Model):
    _inherit = "stock.picking"

    shopify_fulfillment_state = fields.Selection(
        FULFILLMENT_STATES,
        "Shopify fulfilment",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Deliveries of Shopify orders are fulfilled in Shopify after their "
        "validation, by a run of their shop; refused ones are tried again at every run.",
    )
    shopify_fulfillment_gid = fields.Char("Shopify fulfilment ID", readonly=True, copy=False)
    shopify_fulfillment_error = fields.Text("Shopify's refusal", readonly=True, copy=False)

    def _shopify_is_delivery(self):
        """An outgoing delivery to the customer of an imported Shopify order."""
        self.ensure_one()
        sale = self.sale_id
        return bool(
            sale.shopify_shop_id
            and sale.shopify_order_gid
            and self.picking_type_code == "outgoing"
            and self.location_dest_id.usage == "customer"
        )

    def _action_done(self):
        result = super()._action_done()
        if self.env.context.get("shopify_shipped_in_shopify"):
            return result
        pickings = self.filtered(
            lambda p: (
                p.state == "done" and not p.shopify_fulfillment_state and p._shopify_is_delivery()
            )
        )
        if pickings:
            # Shopify is told later, by a run of the shop, once this validation
            # is committed: a validation never waits for, or fails with, Shopify.
            pickings.shopify_fulfillment_state = "to_push"
            pickings._shopify_queue_push()
        return result

    def _shopify_queue_push(self):
        """Queue one background run "fulfillment" per shop (unless one is queued)."""
        shops = self.sale_id.shopify_shop_id.sudo()
        Run = self.env["shopify.run"].sudo()
        for shop in shops:
            if Run.search_count(
                [("shop_id", "=", shop.id), ("job", "=", "fulfillment"), ("state", "=", "queued")],
                limit=1,
            ):
                continue
            try:
                with self.env.cr.savepoint():
                    shop.with_context(shopify_background=True)._run_job(
                        "fulfillment", trigger="auto"
                    )
            except Exception:  # the next order fetch pushes them anyway
                _logger.exception("Could not queue the fulfilment push of shop %s", shop.name)

    def action_shopify_push_again(self):
        """Fulfil the selected deliveries in Shopify at the next run (refused ones)."""
        pickings = self.filtered(lambda p: p.shopify_fulfillment_state == "error")
        pickings.sudo().shopify_fulfillment_state = "to_push"
        pickings._shopify_queue_push()

    @api.model
    def _shopify_line_quantities(self, moves):
        """``{Shopify line gid: quantity}`` of done ``moves`` of Shopify order lines."""
        result = {}
        for move in moves:
            gid = move.sale_line_id.shopify_line_gid
            if move.state != "done" or not gid:
                continue
            quantity = move.product_uom._compute_quantity(
                move.quantity, move.sale_line_id.product_uom_id
            )
            result[gid] = result.get(gid, 0) + round(quantity)
        return result

    def _shopify_tracking(self):
        """``{"company", "number", "url"}`` of this delivery for Shopify."""
        self.ensure_one()
        carrier = self.carrier_id
        return {
            "company": (carrier.shopify_company or carrier.name) if carrier else None,
            "number": self.carrier_tracking_ref or None,
            "url": self.carrier_tracking_url or None,
        }
