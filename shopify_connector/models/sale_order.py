import logging

from odoo import api, fields, models
from odoo.tools import html_escape

from ..shopify_api.fulfillment import (
    FULFILLMENT_CREATE,
    fetch_fulfillment_orders,
    fetch_fulfillments,
    fulfilled_quantities,
    fulfillment_input,
    plan_fulfillment,
    still_to_ship,
)
from .sale_order_import import ShopifyOrderImporter

_logger = logging.getLogger(__name__)


class SaleOrder(models.Model):
    _inherit = "sale.order"

    shopify_shop_id = fields.Many2one(
        "shopify.shop", "Shopify shop", index="btree_not_null", readonly=True, copy=False
    )
    shopify_order_gid = fields.Char("Shopify order ID", readonly=True, copy=False)
    shopify_order_name = fields.Char("Shopify order number", readonly=True, copy=False)
    shopify_updated_at = fields.Datetime("Changed in Shopify", readonly=True, copy=False)
    shopify_financial_status = fields.Char("Shopify payment status", readonly=True, copy=False)
    shopify_fulfillment_status = fields.Char(
        "Shopify fulfilment status", readonly=True, copy=False
    )
    shopify_total = fields.Monetary(
        "Total in Shopify",
        readonly=True,
        copy=False,
        help="The order's current total in Shopify, in the shop's currency.",
    )
    shopify_presentment_currency = fields.Char(
        "Customer's currency",
        readonly=True,
        copy=False,
        help="The currency the customer paid in, when it is not the shop's currency.",
    )
    shopify_presentment_total = fields.Float(
        "Total in the customer's currency", readonly=True, copy=False, digits=(16, 2)
    )
    shopify_note = fields.Text("Shopify order note", readonly=True, copy=False)
    shopify_total_mismatch = fields.Boolean(
        "Total differs from Shopify",
        readonly=True,
        copy=False,
        help="Odoo's total differed from Shopify's by more than rounding explains: the "
        "order got no adjustment line and is never confirmed by the connector.",
    )
    shopify_cancelled = fields.Boolean("Cancelled in Shopify", readonly=True, copy=False)
    shopify_refund_ids = fields.One2many(
        "shopify.refund", "sale_order_id", string="Shopify refunds", readonly=True
    )
    shopify_flag_keys = fields.Text(
        "Flagged Shopify changes",
        readonly=True,
        copy=False,
        help="Changes in Shopify already shown to a person (one per line): not flagged again.",
    )
    shopify_sync_error = fields.Text(
        "Shopify problem",
        readonly=True,
        copy=False,
        help="Why Shopify refused the last change the connector sent for this order. "
        "The connector tries again at every run; it is cleared once Shopify accepts.",
    )

    # unique per Shopify shop and order: _shopify_order_unique in sale_order_identity.py

    def _prepare_confirmation_values(self):
        values = super()._prepare_confirmation_values()
        if self and all(self.mapped("shopify_order_gid")):
            # Shopify's order date stays the order date (Odoo would take "now").
            values.pop("date_order", None)
        return values

    @api.model
    def _shopify_importer(self, shop, run, client=None):
        """An importer of orders for ``shop``, logging into ``run``.

        With a ``client``, the fulfilments of orders shipped in Shopify are read
        to validate (or flag) the matching deliveries.
        """
        # Like Odoo's own imports: no "created" log message and no field
        # tracking for the records an import creates (their origin is the
        # Shopify order, noted on the order where it matters).
        env = self.env(context=dict(self.env.context, mail_create_nolog=True, mail_notrack=True))
        # the run stays the machinery's record (sudo): see shopify.shop._run_job
        run = run.with_context(mail_create_nolog=True, mail_notrack=True)
        return ShopifyOrderImporter(env, shop, run, client)

    # ------------------------------------------------------------------
    # After the import: deliveries, attention
    # ------------------------------------------------------------------
    def _shopify_deliveries(self):
        self.ensure_one()
        return self.picking_ids.filtered(lambda p: p._shopify_is_delivery())

    def _shopify_shipped(self):
        """Whether any delivery of this order is done."""
        return any(p.state == "done" for p in self._shopify_deliveries())

    def _shopify_flag(self, summary, note, key=None):
        """Ask a person to look at the order: a message and a to-do (one open to-do
        per subject). The same ``key`` (default: the note) is flagged only once,
        however often Shopify sends the order again. Returns whether it flagged."""
        self.ensure_one()
        key = (key or note).replace("\n", " ")
        flagged = (self.shopify_flag_keys or "").splitlines()
        if key in flagged:
            return False
        self.shopify_flag_keys = "\n".join([*flagged, key])
        # plain text (it holds Shopify's texts): escaped for the chatter and the to-do
        note = html_escape(note)
        self.message_post(body=note)
        if self.activity_ids.filtered(lambda a: a.summary == summary):
            return True
        user = self.user_id or self.env.user
        if user._is_public() or user._is_superuser() or user.share:
            managers = self.env.ref("shopify_connector.shopify_connector_group_manager").user_ids
            user = managers.filtered(lambda u: not u.share)[:1] or self.env.ref("base.user_admin")
        self.activity_schedule(
            "mail.mail_activity_data_todo", summary=summary, note=note, user_id=user.id
        )
        return True

    def _shopify_report_refusal(self, message):
        """Show Shopify's refusal on the order (once per distinct message)."""
        self.ensure_one()
        if self.shopify_sync_error != message:
            self.shopify_sync_error = message
            self.message_post(body=message)

    def _shopify_push_fulfillments(self, pickings, run, client):
        """Fulfil the done ``pickings`` of this order in Shopify; return an outcome
        per picking: "updated", "unchanged" or "failed".

        Idempotent: what Shopify shipped beyond the deliveries it knows already
        (a fulfilment whose answer was lost, or one made in Shopify) is not
        shipped again; each delivery stores the fulfilment it gave.
        """
        self.ensure_one()
        shop = self.shopify_shop_id
        Picking = self.env["stock.picking"]
        orders = fetch_fulfillment_orders(client, self.shopify_order_gid)
        shipped = fulfilled_quantities(fetch_fulfillments(client, self.shopify_order_gid) or [])
        known = self._shopify_deliveries().filtered(
            lambda p: p.shopify_fulfillment_state in ("pushed", "shopify")
        )
        accounted = Picking._shopify_line_quantities(known.move_ids)
        location = shop.stock_location_id.shopify_gid or None
        outcomes = []
        for picking in pickings.sorted(lambda p: (p.date_done or p.create_date, p.id)):
            wanted = Picking._shopify_line_quantities(picking.move_ids)
            need = still_to_ship(wanted, shipped, accounted)
            plan = plan_fulfillment(orders, need, location)
            if not plan["groups"]:
                state = "pushed" if any(wanted.values()) and not plan["missing"] else "skipped"
                picking.sudo().write(
                    {"shopify_fulfillment_state": state, "shopify_fulfillment_error": False}
                )
                self._shopify_add(accounted, wanted)
                if plan["missing"]:
                    run._log(
                        self.env._(
                            "Order %(order)s: delivery %(picking)s was not fulfilled in "
                            "Shopify, which has nothing left to ship for its lines.",
                            order=self.shopify_order_name,
                            picking=picking.name,
                        ),
                        level="warning",
                        reference=self.shopify_order_name,
                        record=picking,
                    )
                else:
                    run._log(
                        self.env._(
                            "Order %(order)s: delivery %(picking)s is fulfilled in Shopify "
                            "already.",
                            order=self.shopify_order_name,
                            picking=picking.name,
                        ),
                        level="info",
                        reference=self.shopify_order_name,
                        record=picking,
                    )
                outcomes.append("unchanged")
                continue
            tracking = picking._shopify_tracking()
            gids, refusal = [], None
            for group in plan["groups"]:
                payload = client.mutate(
                    FULFILLMENT_CREATE,
                    {
                        "fulfillment": fulfillment_input(
                            group["fulfillment_orders"],
                            tracking,
                            shop.fulfillment_notify_customer,
                        )
                    },
                    "fulfillmentCreate",
                    raise_user_errors=False,
                )
                errors = payload.get("userErrors") or []
                if errors or not payload.get("fulfillment"):
                    refusal = "; ".join(str(e.get("message")) for e in errors) or self.env._(
                        "no fulfilment was created"
                    )
                    break
                gids.append(payload["fulfillment"]["id"])
                self._shopify_take(orders, group)
            if gids:
                picking.sudo().shopify_fulfillment_gid = ", ".join(gids)
            if refusal:
                message = self.env._(
                    "Shopify refused to fulfil delivery %(picking)s of order %(order)s: "
                    "%(reason)s. The connector tries again at the next run.",
                    picking=picking.name,
                    order=self.shopify_order_name,
                    reason=refusal,
                )
                picking.sudo().write(
                    {"shopify_fulfillment_state": "error", "shopify_fulfillment_error": refusal}
                )
                self._shopify_report_refusal(message)
                run._log(message, reference=self.shopify_order_name, record=picking)
                outcomes.append("failed")
                continue
            picking.sudo().write(
                {"shopify_fulfillment_state": "pushed", "shopify_fulfillment_error": False}
            )
            self._shopify_add(accounted, wanted)
            self._shopify_add(shipped, need)
            run._log(
                self.env._(
                    "Order %(order)s: delivery %(picking)s fulfilled in Shopify%(tracking)s.",
                    order=self.shopify_order_name,
                    picking=picking.name,
                    tracking=self.env._(
                        " with tracking number %(number)s", number=tracking["number"]
                    )
                    if tracking["number"]
                    else "",
                ),
                level="info",
                reference=self.shopify_order_name,
                record=picking,
            )
            outcomes.append("updated")
        if "failed" not in outcomes and self.shopify_sync_error:
            self.shopify_sync_error = False
        return outcomes

    @staticmethod
    def _shopify_add(totals, quantities):
        for gid, quantity in quantities.items():
            totals[gid] = totals.get(gid, 0) + quantity

    @staticmethod
    def _shopify_take(orders, group):
        """Lower the remaining quantities of ``orders`` by what ``group`` shipped."""
        shipped = {
            item["id"]: item["quantity"]
            for fo in group["fulfillment_orders"]
            for item in fo["items"]
        }
        for fo in orders:
            for line in fo["lines"]:
                line["remaining"] -= shipped.get(line["gid"], 0)
