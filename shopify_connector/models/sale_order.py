import logging
from datetime import datetime, time
from decimal import ROUND_HALF_UP, Decimal

from odoo import Command, api, fields, models
from odoo.tools import float_compare, html_escape

from ..shopify_api import errors as api_errors
from ..shopify_api.fulfillment import (
    FULFILLMENT_CREATE,
    IncompleteFulfillmentData,
    fetch_fulfillment_orders,
    fetch_fulfillments,
    fulfilled_quantities,
    fulfillment_input,
    plan_fulfillment,
    still_to_ship,
)
from ..shopify_api.orders import (
    delivery_date_from_tags,
    expected_total,
    lines_to_import,
    normalize_order,
    should_confirm,
    total_difference,
)
from ..shopify_api.text import safe_str
from .sale_order_checks import OrderImportError, ShopifyOrderChecks
from .shopify_shop_orders import split_list

_logger = logging.getLogger(__name__)

_CENT = Decimal("0.01")
# Refunded units that Shopify put back into stock: they come back to Odoo too.
RESTOCK_RETURNED = frozenset({"RETURN", "LEGACY_RESTOCK"})
SHIPPED_STATUSES = frozenset({"FULFILLED", "PARTIALLY_FULFILLED"})


def _naive_utc(moment):
    return moment.replace(tzinfo=None) if moment else None


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


class ShopifyOrderImporter(ShopifyOrderChecks):
    """Turns Shopify order nodes into sale orders, a page at a time.

    What a page needs from the database (existing orders, variant mappings,
    products, partners, tags) is looked up once per page.  Each order is
    imported in its own savepoint; records created for an order that fails
    are rolled back with it and forgotten by the lookups (``_forget``).
    """

    def __init__(self, env, shop, run, client=None):
        self.env = env
        self.shop = shop
        self.run = run
        self.client = client
        self.company = shop.company_id
        self.taxes = shop._shopify_sale_taxes()
        self.warehouse = shop._order_warehouse()
        self.confirm_statuses = [s.upper() for s in split_list(shop.order_confirm_statuses)]
        self.import_statuses = {s.upper() for s in split_list(shop.order_financial_statuses)}
        self.existing = {}
        self._to_confirm = env["sale.order"]  # new orders confirmed per page
        # lookups filled by the models' _shopify_prefetch and extended on creation
        self.mappings = {}
        self.products_by_sku = {}
        self.products_by_barcode = {}
        self.products_by_name = {}
        self.partners_by_gid = {}
        self.partners_by_email = {}
        self.partners_by_phone = {}
        self.contacts = {}
        self.contacts_loaded = set()
        self.countries = {}
        self.states = {}
        self.tags = {}
        self.currencies = {}
        self.pricelists = {}
        self._added = []

    # -- lookups that survive only a successful order ----------------------
    def remember(self, cache, key, value):
        if key not in cache:
            cache[key] = value
            self._added.append((cache, key))

    def _forget(self):
        for cache, key in self._added:
            cache.pop(key, None)
        self._added = []

    # -- page ----------------------------------------------------------------
    def import_page(self, nodes):
        """Import ``nodes``; yield (outcome, updated_at) per node, in their order.

        Outcomes: created, updated, unchanged, skipped, failed.
        """
        orders = []
        for node in nodes:
            try:
                orders.append((node, normalize_order(node), None))
            except Exception as exc:  # this order fails, the others go on
                orders.append((node, None, exc))
        self._prefetch([order for __, order, __ in orders if order])
        results = []
        for node, order, error in orders:
            if error is not None:
                self._log_failure(self._label(node), error)
                results.append(("failed", None))
                continue
            try:
                with self.env.cr.savepoint():
                    outcome = self._import_order(order)
            except Exception as exc:
                self._forget()
                self._log_failure(order["name"], exc)
                results.append(("failed", _naive_utc(order["updated_at"])))
            else:
                self._added = []
                results.append((outcome, _naive_utc(order["updated_at"])))
        self._confirm_created()
        yield from results

    def _confirm_created(self):
        """Confirm the page's new sale orders that meet the shop's rule, at once.

        One ``action_confirm`` for the page is much faster than one per order
        (procurements and reservations are made together). Should it fail,
        each order is confirmed on its own; one that still cannot be confirmed
        stays a quotation with a warning, and the next fetch confirms it (the
        update of an imported order confirms quotations that should be).
        """
        sales, self._to_confirm = self._to_confirm.exists(), self.env["sale.order"]
        sales = sales.filtered(lambda sale: not sale.shopify_total_mismatch)
        if not sales:
            return
        try:
            with self.env.cr.savepoint():
                sales.action_confirm()
            return
        except Exception:  # fall back to one order at a time
            _logger.info("Confirming %s orders together failed; one at a time", len(sales))
        for sale in sales:
            try:
                with self.env.cr.savepoint():
                    sale.action_confirm()
            except Exception as exc:  # reported, retried next fetch
                self.run._log(
                    self.env._(
                        "Order %(order)s was imported but could not be confirmed: %(reason)s "
                        "It stays a quotation; the next fetch tries again.",
                        order=sale.client_order_ref or sale.name,
                        reason=safe_str(exc),
                    ),
                    level="warning",
                    reference=sale.client_order_ref or sale.name,
                    record=sale,
                )

    @staticmethod
    def _label(node):
        if isinstance(node, dict):
            for key in ("name", "id"):
                if isinstance(node.get(key), str) and node[key]:
                    return node[key]
        return "?"

    def _prefetch(self, orders):
        gids = [o["gid"] for o in orders if o["gid"] not in self.existing]
        if gids:
            # this shop's orders, and those of the same Shopify shop imported
            # under another record (the shop connected again): its identity key
            found = self.env["sale.order"].search(
                [
                    ("shopify_order_gid", "in", gids),
                    "|",
                    ("shopify_shop_id", "=", self.shop.id),
                    ("shopify_shop_key", "in", self.shop._shopify_shop_keys()),
                ]
            )
            key = self.shop._shopify_shop_key()
            keyed = {sale.shopify_order_gid for sale in found if sale.shopify_shop_key == key}
            for sale in found.sorted(lambda s: (s.shopify_shop_id != self.shop, s.id)):
                if sale.shopify_order_gid in self.existing:
                    continue  # a duplicate from before the key: this shop's order wins
                self.existing[sale.shopify_order_gid] = sale
                values = {}
                if sale.shopify_shop_key != key and sale.shopify_order_gid not in keyed:
                    values["shopify_shop_key"] = key
                if sale.shopify_shop_id != self.shop:
                    values["shopify_shop_id"] = self.shop.id
                    self.run._log(
                        self.env._(
                            "Order %(order)s was imported before under the shop record "
                            "'%(former)s': it is the same Shopify shop, so the order now "
                            "belongs to this shop and is updated, not imported again.",
                            order=sale.shopify_order_name,
                            former=sale.shopify_shop_id.sudo().name or "-",
                        ),
                        level="info",
                        reference=sale.shopify_order_name,
                        record=sale,
                    )
                if values:
                    sale.write(values)
        self.env["product.product"]._shopify_prefetch(self, orders)
        self.env["res.partner"]._shopify_prefetch(self, orders)
        names = {tag for o in orders for tag in o["tags"]} - set(self.tags)
        if names:
            for tag in self.env["crm.tag"].search([("name", "in", list(names))]):
                self.tags.setdefault(tag.name, tag)

    # -- one order -----------------------------------------------------------
    def _import_order(self, order):
        sale = self.existing.get(order["gid"])
        if sale:
            return self._update_order(sale, order)
        status = (order["financial_status"] or "").upper()
        if self.import_statuses and status not in self.import_statuses:
            # read to follow imported orders (refunds, cancellations); not one of them
            self.run._log(
                self.env._(
                    "Order %(order)s is not imported: its payment status %(status)s is not "
                    "one the shop imports.",
                    order=order["name"],
                    status=order["financial_status"] or "-",
                ),
                level="info",
                reference=order["name"],
            )
            return "skipped"
        if order["cancelled"]:
            self.run._log(
                self.env._(
                    "Order %(order)s was cancelled in Shopify before it was imported: "
                    "no sale order is created.",
                    order=order["name"],
                ),
                level="info",
                reference=order["name"],
            )
            return "skipped"
        lines = [
            line
            for line in lines_to_import(order, self.shop.order_only_shipping)
            if line["quantity"] > 0
        ]
        if not lines:
            self.run._log(
                self.env._(
                    "Order %(order)s has nothing to ship (only gift cards, digital or "
                    "removed items): no sale order is created.",
                    order=order["name"],
                ),
                level="info",
                reference=order["name"],
            )
            return "skipped"
        pricelist, currency = self._pricelist(order)
        partner, invoice, delivery = self.env["res.partner"]._shopify_order_partners(self, order)
        order_lines, created_products = self._order_lines(order, lines)
        values = {
            "name": self.shop._order_reference(order["name"]),
            "client_order_ref": order["name"],
            "origin": self.shop.name,
            "company_id": self.company.id,
            "partner_id": partner.id,
            "partner_invoice_id": invoice.id,
            "partner_shipping_id": delivery.id,
            "date_order": _naive_utc(order["processed_at"] or order["created_at"]),
            "pricelist_id": pricelist.id,
            "fiscal_position_id": False,  # Shopify's taxes are the taxes of the order
            "warehouse_id": self.warehouse.id,
            "tag_ids": [Command.set(self._tags(order["tags"]))],
            "order_line": order_lines,
            "shopify_shop_id": self.shop.id,
            "shopify_order_gid": order["gid"],
            "shopify_order_name": order["name"],
            "shopify_updated_at": _naive_utc(order["updated_at"]),
            "shopify_financial_status": order["financial_status"],
            "shopify_fulfillment_status": order["fulfillment_status"],
            "shopify_total": float(order["totals"]["current_total"]),
            "shopify_note": order["note"] or False,
        }
        if self.shop.order_team_id:
            values["team_id"] = self.shop.order_team_id.id
        if order["presentment_currency"] and order["presentment_currency"] != order["currency"]:
            values["shopify_presentment_currency"] = order["presentment_currency"]
            values["shopify_presentment_total"] = float(order["totals"]["presentment_total"] or 0)
        if self.shop.order_delivery_tag_pattern:
            day = delivery_date_from_tags(order["tags"], self.shop.order_delivery_tag_pattern)
            if day:
                # noon UTC is the same calendar day from UTC-11 to UTC+11
                values["commitment_date"] = datetime.combine(day, time(12))
        sale = self.env["sale.order"].create(values)
        if currency != sale.currency_id:
            raise OrderImportError(
                self.env._(
                    "the order is in %(currency)s, but its sale order would be in "
                    "%(odoo)s. Set a pricelist in %(currency)s on the shop.",
                    currency=currency.name,
                    odoo=sale.currency_id.name,
                )
            )
        totals_agree = self._adjust_total(sale, order, lines, currency)
        self._report_created_products(sale, order, created_products)
        self._report_left_out_lines(sale, order, lines)
        self._report_truncated(sale, order)
        if totals_agree and should_confirm(order, self.confirm_statuses):
            self._to_confirm |= sale  # confirmed with the page, see _confirm_created
        if order["refunds"]:
            # the sale order holds what was sold; these refunds are not applied again
            self.env["shopify.refund"].sudo().create(
                [
                    {
                        "sale_order_id": sale.id,
                        "shopify_refund_gid": refund["gid"],
                        "refunded_at": _naive_utc(refund["created_at"]),
                        "summary": self.env._("refunded before the import"),
                    }
                    for refund in order["refunds"]
                ]
            )
        self.existing[order["gid"]] = sale
        self._added.append((self.existing, order["gid"]))
        return "created"

    def _update_order(self, sale, order):
        """A known order: refresh its Shopify status, confirm it once it is paid,
        then apply what happened in Shopify since: cancellation, refunds, edits
        and fulfilments.

        Prices, customer and addresses are never changed here.  Whatever Odoo
        cannot apply safely (the order has shipped) is flagged for a person.
        """
        values = {}
        updated_at = _naive_utc(order["updated_at"])
        for field, value in (
            ("shopify_updated_at", updated_at),
            ("shopify_financial_status", order["financial_status"]),
            ("shopify_fulfillment_status", order["fulfillment_status"]),
        ):
            if (sale[field] or None) != value:
                values[field] = value
        confirm = (
            sale.state in ("draft", "sent")
            and not sale.shopify_total_mismatch  # a person confirms it (_flag_total)
            and should_confirm(order, self.confirm_statuses)
        )
        if values:
            sale.write(values)
        if confirm:
            sale.action_confirm()
        changed = bool(values or confirm)
        if sale.state != "cancel":
            # before a cancellation too: its refund credits an invoiced order
            changed |= self._apply_refunds(sale, order)
        if order["cancelled"]:
            changed |= self._apply_cancellation(sale, order)
            return "updated" if changed else "unchanged"
        if sale.state == "cancel":
            return "updated" if changed else "unchanged"
        changed |= self._apply_edits(sale, order)
        changed |= self._apply_shopify_fulfillments(sale, order)
        return "updated" if changed else "unchanged"

    def _log_info(self, sale, message, level="info"):
        self.run._log(message, level=level, reference=sale.shopify_order_name, record=sale)

    # -- cancellation ----------------------------------------------------------
    def _apply_cancellation(self, sale, order):
        if sale.shopify_cancelled or sale.state == "cancel":
            if not sale.shopify_cancelled:
                sale.shopify_cancelled = True
                return True
            return False
        sale.shopify_cancelled = True
        reason = order["cancel_reason"] or "-"
        if not sale._shopify_shipped():
            sale._action_cancel()
            sale.message_post(
                body=self.env._(
                    "Cancelled in Shopify (reason: %(reason)s): the sale order and its open "
                    "deliveries are cancelled.",
                    reason=reason,
                )
            )
            self._log_info(
                sale,
                self.env._(
                    "Order %(order)s was cancelled in Shopify: sale order and open "
                    "deliveries cancelled.",
                    order=sale.shopify_order_name,
                ),
            )
            return True
        note = self.env._(
            "Order %(order)s was cancelled in Shopify (reason: %(reason)s), but Odoo has "
            "shipped part of it already. Nothing was changed: decide what happens to the "
            "shipped goods and the open deliveries.",
            order=sale.shopify_order_name,
            reason=reason,
        )
        sale._shopify_flag(self.env._("Cancelled in Shopify after shipping"), note)
        self._log_info(sale, note, level="warning")
        return True

    # -- refunds -----------------------------------------------------------------
    def _apply_refunds(self, sale, order):
        done = set(sale.shopify_refund_ids.mapped("shopify_refund_gid"))
        changed = False
        for refund in order["refunds"]:
            if refund["gid"] in done:
                continue
            self._apply_refund(sale, order, refund)
            done.add(refund["gid"])
            changed = True
        return changed

    def _apply_refund(self, sale, order, refund):
        lines = {line.shopify_line_gid: line for line in sale.order_line if line.shopify_line_gid}
        returned, refunded, not_back = {}, {}, []
        for item in refund["lines"]:
            line = lines.get(item["line_gid"])
            if line is None or not item["quantity"]:
                continue
            refunded[line] = refunded.get(line, 0) + item["quantity"]
            if item["restock_type"] in RESTOCK_RETURNED:
                returned[line] = returned.get(line, 0) + item["quantity"]
        if returned:
            return_pickings, left = self._create_return(sale, returned)
        else:
            return_pickings, left = self.env["stock.picking"], {}
        for line, quantity in left.items():
            not_back.append(f"{quantity} x {line.product_id.display_name}")
        credit_note = self._create_credit_note(sale, refunded) if refunded else False
        states = dict(self.env["stock.picking"]._fields["state"]._description_selection(self.env))
        parts = [
            self.env._("return %(picking)s (%(state)s)", picking=p.name, state=states[p.state])
            for p in return_pickings
        ]
        if credit_note:
            parts.append(self.env._("draft credit note"))
        if not returned:
            parts.append(self.env._("no stock change (not restocked in Shopify)"))
        summary = ", ".join(parts)
        self.env["shopify.refund"].sudo().create(
            {
                "sale_order_id": sale.id,
                "shopify_refund_gid": refund["gid"],
                "refunded_at": _naive_utc(refund["created_at"]),
                "return_picking_ids": [Command.set(return_pickings.ids)],
                "credit_note_id": credit_note.id if credit_note else False,
                "summary": summary,
            }
        )
        message = self.env._(
            "Order %(order)s: refund from Shopify applied (%(lines)s): %(summary)s.",
            order=sale.shopify_order_name,
            lines=", ".join(
                f"{q} x {line.product_id.display_name}" for line, q in refunded.items()
            )
            or "-",
            summary=summary,
        )
        sale.message_post(body=message)
        self._log_info(sale, message)
        if not_back:
            sale._shopify_flag(
                self.env._("Refund restocked in Shopify but not shipped by Odoo"),
                self.env._(
                    "Order %(order)s: Shopify restocked refunded units that Odoo has not "
                    "delivered (%(lines)s). Check the order's open deliveries.",
                    order=sale.shopify_order_name,
                    lines=", ".join(not_back),
                ),
            )

    def _create_return(self, sale, quantities):
        """Return ``{sale line: quantity}`` from the order's done deliveries.

        Returns (return pickings, {sale line: quantity Odoo has not delivered}).
        """
        left = dict(quantities)
        per_picking = {}
        deliveries = sale._shopify_deliveries().filtered(lambda p: p.state == "done")
        for picking in deliveries.sorted("id", reverse=True):
            for move in picking.move_ids.filtered(lambda m: m.state == "done"):
                line = move.sale_line_id
                if not left.get(line):
                    continue
                back = sum(m.product_qty for m in move.returned_move_ids if m.state != "cancel")
                free = move.product_qty - back
                quantity = min(left[line], free)
                if quantity <= 0:
                    continue
                left[line] -= quantity
                per_picking.setdefault(picking, {})[move] = quantity
        new = self.env["stock.picking"]
        for picking, moves in per_picking.items():
            wizard = (
                self.env["stock.return.picking"]
                .with_context(active_id=picking.id, active_model="stock.picking")
                .create({"picking_id": picking.id})
            )
            for return_line in wizard.product_return_moves:
                return_line.quantity = moves.get(return_line.move_id, 0)
            new |= wizard._create_return()
        if new and self.shop.order_return_validate:
            for move in new.move_ids:
                move.quantity = move.product_uom_qty
                move.picked = True
            new._action_done()
        return new, {line: qty for line, qty in left.items() if qty > 0}

    def _create_credit_note(self, sale, quantities):
        """A draft credit note of the refunded ``{sale line: quantity}`` when invoiced."""
        if not self.shop.order_refund_credit_note:
            return False
        invoiced = sale.invoice_ids.filtered(
            lambda m: m.move_type == "out_invoice" and m.state == "posted"
        )
        if not invoiced:
            return False
        values = sale._prepare_invoice()
        values["move_type"] = "out_refund"
        values["invoice_line_ids"] = [
            Command.create(line._prepare_invoice_line(quantity=quantity))
            for line, quantity in quantities.items()
        ]
        return self.env["account.move"].sudo().with_company(sale.company_id).create(values)

    # -- edits ---------------------------------------------------------------------
    def _apply_edits(self, sale, order):
        wanted = {
            line["gid"]: line for line in lines_to_import(order, self.shop.order_only_shipping)
        }
        current = {
            line.shopify_line_gid: line for line in sale.order_line if line.shopify_line_gid
        }
        changes = []
        for gid, line in wanted.items():
            sol = current.get(gid)
            if sol and float_compare(
                sol.product_uom_qty,
                line["quantity"],
                precision_rounding=sol.product_uom_id.rounding,
            ):
                changes.append((sol, line, line["quantity"]))
            elif not sol and line["quantity"] > 0:
                changes.append((None, line, line["quantity"]))
        for gid, sol in current.items():
            if gid not in wanted and sol.product_uom_qty:
                changes.append((sol, None, 0))
        if not changes:
            return False
        described = ", ".join(
            f"{(line or {}).get('name') or sol.name}: "
            f"{sol.product_uom_qty if sol else 0:g} -> {quantity:g}"
            for sol, line, quantity in changes
        )
        if sale._shopify_shipped() or sale.state not in ("draft", "sent", "sale"):
            note = self.env._(
                "Order %(order)s was changed in Shopify after Odoo shipped part of it "
                "(%(changes)s). Nothing was changed in Odoo: adjust the order by hand.",
                order=sale.shopify_order_name,
                changes=described,
            )
            if not sale._shopify_flag(
                self.env._("Changed in Shopify after shipping"), note, key=f"edit: {described}"
            ):
                return False
            self._log_info(sale, note, level="warning")
            return True
        new_lines = []
        for sol, line, quantity in changes:
            if sol:
                # Shopify's price and discount stay (Odoo would take the pricelist's)
                sol.write(
                    {
                        "product_uom_qty": quantity,
                        "price_unit": sol.price_unit,
                        "discount": sol.discount,
                    }
                )
            else:
                new_lines.append(line)
        if new_lines:
            commands, created = self._order_lines(
                dict(order, shipping_lines=[], tips=0), new_lines
            )
            sale.write({"order_line": commands})
            self._report_created_products(sale, order, created)
        self._readjust_total(sale, order)
        message = self.env._(
            "Order %(order)s was changed in Shopify before shipping; the sale order "
            "follows: %(changes)s.",
            order=sale.shopify_order_name,
            changes=described,
        )
        sale.message_post(body=message)
        self._log_info(sale, message)
        return True

    # -- fulfilments made in Shopify ------------------------------------------------
    def _apply_shopify_fulfillments(self, sale, order):
        if self.client is None or (order["fulfillment_status"] or "").upper() not in (
            SHIPPED_STATUSES
        ):
            return False
        deliveries = sale._shopify_deliveries()
        open_pickings = deliveries.filtered(lambda p: p.state not in ("done", "cancel"))
        if not open_pickings:
            return False
        try:
            fulfillments = fetch_fulfillments(self.client, sale.shopify_order_gid) or []
        except (api_errors.ShopifyError, IncompleteFulfillmentData) as exc:
            # the order itself is up to date; the daily re-fetch looks again
            reason = (
                self.shop._shopify_error_message(exc)
                if isinstance(exc, api_errors.ShopifyError)
                else str(exc)
            )
            self._log_info(
                sale,
                self.env._(
                    "Order %(order)s is shipped in Shopify, but its fulfilments could not "
                    "be read (%(reason)s). The next re-fetch of the order tries again.",
                    order=sale.shopify_order_name,
                    reason=reason,
                ),
                level="warning",
            )
            return False
        Picking = self.env["stock.picking"]
        in_shopify = fulfilled_quantities(fulfillments)
        in_odoo = Picking._shopify_line_quantities(
            deliveries.filtered(lambda p: p.state == "done").move_ids
        )
        extra = {
            gid: quantity - in_odoo.get(gid, 0)
            for gid, quantity in in_shopify.items()
            if quantity > in_odoo.get(gid, 0)
        }
        if not extra:
            return False
        lines = {line.shopify_line_gid: line for line in sale.order_line if line.shopify_line_gid}
        described = ", ".join(
            f"{quantity} x {lines[gid].product_id.display_name}"
            for gid, quantity in extra.items()
            if gid in lines
        )
        if not described:
            return False
        if not self.shop.order_fulfillment_validate:
            note = self.env._(
                "Order %(order)s was shipped in Shopify (%(lines)s), but its delivery in "
                "Odoo is still open. Validate it for these quantities, or correct Shopify.",
                order=sale.shopify_order_name,
                lines=described,
            )
            if not sale._shopify_flag(
                self.env._("Shipped in Shopify"), note, key=f"shipped: {described}"
            ):
                return False
            self._log_info(sale, note, level="warning")
            return True
        picking = open_pickings.sorted("id")[0]
        left = dict(extra)
        for move in picking.move_ids.filtered(lambda m: m.state not in ("done", "cancel")):
            gid = move.sale_line_id.shopify_line_gid
            quantity = min(left.get(gid, 0), move.product_uom_qty)
            move.quantity = quantity
            move.picked = bool(quantity)
            if gid in left:
                left[gid] -= quantity
        if not any(m.quantity for m in picking.move_ids):
            return False
        picking.with_context(shopify_shipped_in_shopify=True)._action_done()
        picking.sudo().shopify_fulfillment_state = "shopify"
        message = self.env._(
            "Order %(order)s was shipped in Shopify: delivery %(picking)s validated for "
            "%(lines)s.",
            order=sale.shopify_order_name,
            picking=picking.name,
            lines=described,
        )
        sale.message_post(body=message)
        self._log_info(sale, message)
        return True

    def _pricelist(self, order):
        """(pricelist or empty, currency) for the order's currency."""
        code = order["currency"]
        if code not in self.currencies:
            self.currencies[code] = (
                self.env["res.currency"]
                .with_context(active_test=False)
                .search([("name", "=", code)], limit=1)
            )
        currency = self.currencies[code]
        if not currency:
            raise OrderImportError(
                self.env._("its currency %(code)s is unknown to Odoo.", code=code)
            )
        if not currency.active:
            raise OrderImportError(
                self.env._(
                    "its currency %(code)s is not active in Odoo. Activate it in "
                    "Accounting > Configuration > Currencies.",
                    code=code,
                )
            )
        pricelist = self.shop.order_pricelist_id
        if pricelist and pricelist.currency_id != currency:
            raise OrderImportError(
                self.env._(
                    "the order is in %(currency)s, but the shop's pricelist %(pricelist)s "
                    "is in %(other)s. Set a pricelist in %(currency)s on the shop.",
                    currency=code,
                    pricelist=pricelist.display_name,
                    other=pricelist.currency_id.name,
                )
            )
        if not pricelist:
            if code not in self.pricelists:
                self.pricelists[code] = self.env["product.pricelist"].search(
                    [
                        ("currency_id", "=", currency.id),
                        ("company_id", "in", [False, self.company.id]),
                    ],
                    limit=1,
                )
            pricelist = self.pricelists[code]
        if not pricelist and currency != self.company.currency_id:
            raise OrderImportError(
                self.env._(
                    "the order is in %(currency)s and Odoo has no pricelist in this "
                    "currency. Create one and set it on the shop.",
                    currency=code,
                )
            )
        return pricelist, currency

    def _tags(self, names):
        ids = []
        for name in names:
            tag = self.tags.get(name)
            if tag is None:
                tag = self.env["crm.tag"].create({"name": name})
                self.remember(self.tags, name, tag)
            ids.append(tag.id)
        return ids

    def _line_taxes(self, taxes, included, what):
        """account.tax records for Shopify's tax lines of one line."""
        result = self.env["account.tax"]
        for tax in taxes:
            rate = tax["rate"]
            record = self.taxes.get((rate, included)) if rate is not None else None
            if record is None:
                if rate is None:
                    raise OrderImportError(
                        self.env._(
                            "Shopify sent a tax (%(title)s) without rate for %(what)s.",
                            title=tax["title"] or "-",
                            what=what,
                        )
                    )
                raise OrderImportError(
                    self.env._(
                        "the company %(company)s has no sales tax of %(rate)s %% with "
                        "prices %(kind)s, which %(what)s needs (%(title)s). Create this "
                        "tax in Accounting > Configuration > Taxes, then fetch the orders "
                        "again.",
                        company=self.company.name,
                        rate=f"{rate.normalize():f}",
                        kind=self.env._("including tax")
                        if included
                        else self.env._("excluding tax"),
                        what=what,
                        title=tax["title"] or "-",
                    )
                )
            result |= record
        return result

    @staticmethod
    def _discount_percent(discount, gross):
        if not gross or not discount:
            return 0.0
        return float(discount * 100 / gross)

    def _order_lines(self, order, lines):
        included = order["taxes_included"]
        commands, created = [], []
        Product = self.env["product.product"]
        for line in lines:
            what = self.env._("the line %(line)s", line=line["name"])
            taxes = self._line_taxes(line["taxes"], included, what)
            product, is_new = Product._shopify_line_product(self, order, line, taxes)
            if is_new:
                created.append(product)
            commands.append(
                Command.create(
                    {
                        "product_id": product.id,
                        "name": line["name"],
                        "product_uom_qty": line["quantity"],
                        "price_unit": float(line["unit_price"]),
                        "discount": self._discount_percent(
                            line["discount"], line["unit_price"] * line["ordered_quantity"]
                        ),
                        "tax_ids": [Command.set(taxes.ids)],
                        "shopify_line_gid": line["gid"],
                    }
                )
            )
        for ship in order["shipping_lines"]:
            what = self.env._("the shipping %(title)s", title=ship["title"])
            taxes = self._line_taxes(ship["taxes"], included, what)
            commands.append(
                Command.create(
                    {
                        "product_id": self.shop.order_shipping_product_id.id,
                        "name": ship["title"] or self.shop.order_shipping_product_id.name,
                        "product_uom_qty": 1,
                        "price_unit": float(ship["price"]),
                        "discount": self._discount_percent(ship["discount"], ship["price"]),
                        "tax_ids": [Command.set(taxes.ids)],
                    }
                )
            )
        if order["tips"]:
            commands.append(
                Command.create(
                    {
                        "product_id": self.shop.order_tip_product_id.id,
                        "name": self.env._("Tip"),
                        "product_uom_qty": 1,
                        "price_unit": float(order["tips"]),
                        "tax_ids": [Command.clear()],
                    }
                )
            )
        return commands, created

    def _target_total(self, order, lines):
        """What the sale order must total, to the cent.

        Shopify's current total, recomputed from Shopify's own line amounts for
        the lines the sale order holds (sold quantities: units returned after
        delivery stay on the order and are credited by a return; lines left out
        by the shop's settings are not on it), corrected by any difference
        between Shopify's parts and Shopify's total.
        """
        imported = dict(order, lines=lines)
        target = expected_total(imported, sold=True) - total_difference(order)
        return target.quantize(_CENT, rounding=ROUND_HALF_UP)

    def _report_created_products(self, sale, order, products):
        if not products:
            return
        names = ", ".join(product.display_name for product in products)
        sale.message_post(
            body=self.env._(
                "Products created from this Shopify order (they did not exist in Odoo): "
                "%(products)s. Check their price, taxes and stock settings.",
                products=names,
            )
        )
        for product in products:
            self.run._log(
                self.env._(
                    "Order %(order)s: product %(product)s created, Odoo had no product "
                    "for this order line.",
                    order=order["name"],
                    product=product.display_name,
                ),
                level="info",
                reference=order["name"],
                record=product,
            )

    def _report_left_out_lines(self, sale, order, lines):
        kept = {line["gid"] for line in lines}
        left_out = [
            line for line in order["lines"] if line["gid"] not in kept and line["quantity"] > 0
        ]
        if left_out:
            sale.message_post(
                body=self.env._(
                    "Shopify lines not on this sale order (no shipping needed): %(lines)s.",
                    lines=", ".join(f"{line['quantity']} x {line['name']}" for line in left_out),
                )
            )
