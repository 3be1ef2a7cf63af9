"""The order importer: Shopify order nodes become sale orders, a page at a time.

Where an order is mapped:

- this file: the page (lookups, savepoints, confirmation) and the creation of
  a sale order from a new Shopify order, and the update of a known one;
- ``sale_order_lines.py``: currency and pricelist, taxes, the sale order lines;
- ``sale_order_lifecycle.py``: what happens after: cancellations, refunds,
  edits, fulfilments made in Shopify, POS sales handed over;
- ``sale_order_review.py``: risky and held orders, the warehouse of POS sales;
- ``sale_order_checks.py``: failures, the rounding adjustment, truncated texts.

A new order gets Shopify's state at once, through the code that follows it
later (``_apply_first_state``): after the page's confirmation its Shopify
fulfilments (or a POS sale's handing over), after its invoice its refunds
with their returns.
"""

import logging
from datetime import datetime, time

from odoo import Command

from ..shopify_api.order_rules import is_pos
from ..shopify_api.orders import (
    delivery_date_from_tags,
    lines_to_import,
    normalize_order,
    should_confirm,
)
from ..shopify_api.text import safe_str
from .sale_order_checks import OrderImportError, ShopifyOrderChecks
from .sale_order_lifecycle import ShopifyOrderLifecycle, naive_utc
from .sale_order_lines import ShopifyOrderLines
from .sale_order_review import ShopifyOrderReview
from .shopify_shop_orders import split_list

_logger = logging.getLogger(__name__)

# Payment statuses of orders the customer paid for (in part): one skipped by
# the shop's settings is a warning in the run, not an information.
PAID_FOR_STATUSES = frozenset({"PAID", "PARTIALLY_PAID", "PARTIALLY_REFUNDED", "AUTHORIZED"})


class ShopifyOrderImporter(
    ShopifyOrderLifecycle, ShopifyOrderReview, ShopifyOrderLines, ShopifyOrderChecks
):
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
        self._created = []  # (sale order, order) of the page: Shopify's state follows
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
            if not self.shop._shopify_order_lock(self, order):
                # another worker imports it now: handed to the webhook queue
                results.append(("skipped", naive_utc(order["updated_at"])))
                continue
            try:
                with self.env.cr.savepoint():
                    outcome = self._import_order(order)
            except Exception as exc:
                self._forget()
                self._log_failure(order["name"], exc)
                results.append(("failed", naive_utc(order["updated_at"])))
            else:
                self._added = []
                results.append((outcome, naive_utc(order["updated_at"])))
        self._confirm_created()
        self._apply_first_state("deliveries")
        self.env["sale.order"]._shopify_sync_money_page(self, orders)
        self._apply_first_state("refunds")
        self._created = []
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
                    "one the shop imports (Orders tab, Payment statuses to import).",
                    order=order["name"],
                    status=order["financial_status"] or "-",
                ),
                level="warning" if status in PAID_FOR_STATUSES else "info",
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
        warehouse = self._pos_warehouse(order) if is_pos(order) else self.warehouse
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
            "date_order": naive_utc(order["processed_at"] or order["created_at"]),
            "pricelist_id": pricelist.id,
            "fiscal_position_id": False,  # Shopify's taxes are the taxes of the order
            "warehouse_id": warehouse.id,
            "tag_ids": [Command.set(self._tags(order["tags"]))],
            "order_line": order_lines,
            "shopify_shop_id": self.shop.id,
            "shopify_order_gid": order["gid"],
            "shopify_order_name": order["name"],
            "shopify_updated_at": naive_utc(order["updated_at"]),
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
        reasons = self._review_reasons(order)
        if reasons:
            self._flag_review(sale, order, reasons)  # a quotation until Shopify releases it
        elif totals_agree and should_confirm(order, self.confirm_statuses):
            self._to_confirm |= sale  # confirmed with the page, see _confirm_created
        # its fulfilments and refunds follow the confirmation (_apply_first_state);
        # a quotation gets them when it is confirmed
        self.existing[order["gid"]] = sale
        self._added.append((self.existing, order["gid"]))
        self._created.append((sale, order))
        return "created"

    def _apply_first_state(self, step):
        """Shopify's state of the page's new confirmed orders, as an update applies it.

        ``step`` "deliveries" (after the confirmation): what Shopify shipped
        before the first fetch is validated or flagged as the shop says, a POS
        sale is delivered at once; "refunds" (after the invoice): refunds with
        their returns and credit notes. Each order in its own savepoint: one
        that fails stays imported with a warning; the order's next update or
        the daily re-fetch applies what is missing (nothing is recorded as
        applied before it is).
        """
        for sale, order in self._created:
            if not sale.exists() or sale.state != "sale":
                continue
            try:
                with self.env.cr.savepoint():
                    if step == "deliveries":
                        self._apply_deliveries(sale, order)
                    else:
                        self._apply_refunds(sale, order)
            except Exception as exc:  # reported, applied again by a later read
                _logger.info("Shopify state of %s not applied", order["name"], exc_info=True)
                self._log_info(
                    sale,
                    self.env._(
                        "Order %(order)s was imported, but what happened to it in Shopify "
                        "before the import (%(what)s) could not be applied: %(reason)s The "
                        "next read of the order tries again.",
                        order=order["name"],
                        what=self.env._("shipments")
                        if step == "deliveries"
                        else self.env._("refunds"),
                        reason=safe_str(exc),
                    ),
                    level="warning",
                )

    def _update_order(self, sale, order):
        """A known order: refresh its Shopify status, confirm it once it is paid,
        then apply what happened in Shopify since: cancellation, refunds, edits
        and fulfilments.

        Prices, customer and addresses are never changed here.  Whatever Odoo
        cannot apply safely (the order has shipped) is flagged for a person.
        """
        values = {}
        updated_at = naive_utc(order["updated_at"])
        for field, value in (
            ("shopify_updated_at", updated_at),
            ("shopify_financial_status", order["financial_status"]),
            ("shopify_fulfillment_status", order["fulfillment_status"]),
        ):
            if (sale[field] or None) != value:
                values[field] = value
        reasons = self._review_reasons(order)
        confirm = (
            sale.state in ("draft", "sent")
            and not sale.shopify_total_mismatch  # a person confirms it (_flag_total)
            and not reasons  # held for review (_flag_review)
            and should_confirm(order, self.confirm_statuses)
        )
        if values:
            sale.write(values)
        self._sync_unfulfilled(sale, order)
        if confirm:
            sale.action_confirm()
            self._release_review(sale)
        changed = bool(values or confirm)
        if reasons and sale.state != "cancel" and not sale._shopify_shipped():
            changed |= self._flag_review(sale, order, reasons)
        if order["cancelled"]:
            if sale.state == "sale":
                # before the cancellation: its refund credits an invoiced order
                changed |= self._apply_refunds(sale, order)
            changed |= self._apply_cancellation(sale, order)
            return "updated" if changed else "unchanged"
        if sale.state == "cancel":
            return "updated" if changed else "unchanged"
        # in the order they happen in Shopify: an edit before shipping, shipping
        # before a return; a quotation gets its refunds once it is confirmed
        changed |= self._apply_edits(sale, order)
        changed |= self._apply_deliveries(sale, order)
        if sale.state == "sale":
            changed |= self._apply_refunds(sale, order)
        return "updated" if changed else "unchanged"

    def _log_info(self, sale, message, level="info"):
        self.run._log(message, level=level, reference=sale.shopify_order_name, record=sale)

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
