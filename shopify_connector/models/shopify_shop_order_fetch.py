"""The scheduled order fetch of a Shopify shop: what changed since the mark.

High-water mark: ``order_fetched_until`` is the ``updatedAt`` of the last order
that was imported (or deliberately skipped) in Shopify's UPDATED_AT order. The
next fetch asks for the orders updated since that moment (minus a small
overlap); orders read again are recognised as unchanged (one sale order per
Shopify order, however often it is read). An order that fails is remembered
by its Shopify ID (``shopify.order.failure``) and read again by ID at the next
fetches, with growing waits, until it is imported: it does not hold the mark
back, so one bad order never makes every fetch read the same orders again.
Only an order without a usable ID holds the mark before it.

The mark never moves past the moment Shopify answered the fetch's first page
(the answer's HTTP ``Date`` header, else the local clock when the request was
sent): an order whose ``updatedAt`` lies in the future (a clock error at
Shopify or an app) is imported, but does not carry the mark ahead, past
orders that change later and would then be missed.
"""

from datetime import UTC, datetime, timedelta

from odoo import fields, models

from ..shopify_api import errors as api_errors
from ..shopify_api.order_queries import build_order_query, fetch_orders
from .shopify_shop_orders import (
    LIFECYCLE_FINANCIAL_STATUSES,
    ORDER_FETCH_OVERLAP,
    ORDER_IMPORT_PAGE,
    split_list,
)


class ShopifyShop(models.Model):
    # one file per concern of the shop, as the design asks
    _inherit = "shopify.shop"  # pylint: disable=consider-merging-classes-inherited

    def _order_fetch_financial_statuses(self):
        """Payment statuses the fetch reads: the shop's, plus those an order takes
        when it is refunded or cancelled, so that imported orders are followed
        after the import (orders never imported in such a status are skipped)."""
        self.ensure_one()
        statuses = [s.lower() for s in split_list(self.order_financial_statuses)]
        if not statuses:
            return []
        return statuses + [s for s in LIFECYCLE_FINANCIAL_STATUSES if s not in statuses]

    def _order_query(self, since=None):
        self.ensure_one()
        return build_order_query(
            since=since,
            overlap_seconds=ORDER_FETCH_OVERLAP,
            financial_statuses=self._order_fetch_financial_statuses(),
            fulfillment_statuses=split_list(self.order_fulfillment_statuses),
            tags_required=split_list(self.order_tags_required),
            tags_excluded=split_list(self.order_tags_excluded),
            include_test=self.order_include_test,
        )

    def _fetch_orders(self, run, client):
        """Job "orders": import what changed since the high-water mark, move the mark.

        Deliveries validated in Odoo are fulfilled in Shopify first, so that the
        orders read afterwards show them as shipped from Odoo.
        """
        self.ensure_one()
        self._push_pending_fulfillments(run, client)
        since = self.order_fetched_until or None
        if since and since > fields.Datetime.now():
            # a mark set ahead before it was limited (see _import_orders)
            since = self.order_fetched_until = fields.Datetime.now()
        self._import_orders(run, client, self._order_query(since), True)

    def _refetch_orders(self, run, client):
        """Job "refetch": import the orders changed in the last N days again."""
        self.ensure_one()
        since = fields.Datetime.now() - timedelta(days=self.order_refetch_days or 1)
        self._import_orders(run, client, self._order_query(since), False)

    def _import_orders(self, run, client, query, move_mark):
        self._ensure_order_service_products()
        SaleOrder = self.env["sale.order"]
        importer = SaleOrder._shopify_importer(self, run, client)
        counts = dict.fromkeys(("created", "updated", "unchanged", "skipped", "failed"), 0)
        mark, blocked = self.order_fetched_until or None, False
        fetch_error = None
        answered = None  # when Shopify answered the first page: the mark's limit

        def import_page(nodes):
            nonlocal mark, blocked
            outcomes = list(importer.import_page(nodes))
            # an order that failed is remembered and read again by ID
            # (shopify_order_failure.py): it holds the mark back only when it
            # cannot be remembered (no Shopify ID)
            held = self._order_failures_note(run, nodes, outcomes) if move_mark else None
            for node, (outcome, updated_at) in zip(nodes, outcomes, strict=True):
                counts[outcome] += 1
                if outcome == "failed" and (held is None or node.get("id") not in held):
                    blocked = True
                elif outcome == "failed":
                    continue
                elif not blocked and updated_at:
                    reached = min(updated_at, answered)
                    if not mark or reached > mark:
                        mark = reached
            # Each order of the page is complete (its own savepoint): keep the
            # mark with them, so that a background run committing here and
            # crashing later continues after this page.
            if move_mark and mark and mark != self.order_fetched_until:
                self.order_fetched_until = mark
            run._progress(sum(counts.values()))

        page = []
        orders = fetch_orders(client, query)
        while True:
            try:
                node = next(orders)
            except StopIteration:
                break
            except api_errors.ShopifyError as exc:
                if not any(counts.values()) and not page:
                    raise  # nothing read: the run fails with the client's message
                fetch_error = exc
                break
            if answered is None:
                moment = getattr(client, "last_answered_at", None) or datetime.now(UTC)
                answered = moment.astimezone(UTC).replace(tzinfo=None, microsecond=0)
            page.append(node)
            if len(page) >= ORDER_IMPORT_PAGE:
                import_page(page)
                page = []
        if page:
            import_page(page)
        if move_mark:
            self._order_failures_retry(run, client, importer, counts)
        if fetch_error is not None:
            counts["failed"] += 1
            run._log(
                self.env._(
                    "Reading orders from Shopify stopped before the end: %(reason)s The "
                    "orders read until then are imported; the next fetch continues.",
                    reason=self._shopify_error_message(fetch_error),
                )
            )
        if move_mark and mark and mark != self.order_fetched_until:
            self.order_fetched_until = mark
        run.write(
            {
                "count_created": counts["created"],
                "count_updated": counts["updated"],
                "count_unchanged": counts["unchanged"],
                "count_skipped": counts["skipped"],
                "count_failed": counts["failed"],
                "summary": self.env._(
                    "%(created)s orders created, %(updated)s updated, %(unchanged)s "
                    "unchanged, %(skipped)s skipped, %(failed)s failed.",
                    **counts,
                ),
            }
        )
