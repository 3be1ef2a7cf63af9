"""Orders that wait for a person, and where a POS sale came from.

Part of the order importer (``sale_order_import.ShopifyOrderImporter``):

- an order that Shopify rates high risk, or whose fulfilment Shopify holds,
  stays a quotation with a to-do (shop setting "Hold risky orders for
  review", on by default); the fetch that finds it released confirms it and
  closes the to-do;
- a POS sale is delivered from the warehouse paired with its Shopify
  location (the shop's location pairs on the Stock tab).
"""

from ..shopify_api.order_rules import REVIEW_HIGH_RISK, REVIEW_ON_HOLD, review_reasons
from .sale_order_checks import OrderImportError


class ShopifyOrderReview:
    """Review of risky or held orders; the warehouse of POS sales."""

    def _review_summary(self):
        return self.env._("Review the order in Shopify")

    def _review_reasons(self, order):
        """Why the order waits for a person (codes); none when the shop does not hold."""
        if not self.shop.order_review_risky:
            return []
        return review_reasons(order)

    def _review_text(self, order, reasons):
        texts = {
            REVIEW_HIGH_RISK: self.env._(
                "Shopify rates it a high risk of fraud (risk %(level)s, recommendation "
                "%(recommendation)s)",
                level=order.get("risk_level") or "-",
                recommendation=order.get("risk_recommendation") or "-",
            ),
            REVIEW_ON_HOLD: self.env._("its fulfilment is on hold in Shopify"),
        }
        return "; ".join(texts[reason] for reason in reasons)

    def _flag_review(self, sale, order, reasons):
        """Ask a person to review the order (once per set of reasons)."""
        if sale.state in ("draft", "sent"):
            note = self.env._(
                "Order %(order)s is not confirmed: %(reasons)s. Check it in Shopify. The "
                "connector confirms it at a later fetch once Shopify no longer holds it; "
                "you may also confirm or cancel it yourself.",
                order=sale.shopify_order_name,
                reasons=self._review_text(order, reasons),
            )
        else:
            note = self.env._(
                "Order %(order)s is confirmed already, but now %(reasons)s. Check it in "
                "Shopify before it is shipped.",
                order=sale.shopify_order_name,
                reasons=self._review_text(order, reasons),
            )
        key = f"review: {', '.join(reasons)} ({sale.state in ('draft', 'sent')})"
        if not sale._shopify_flag(self._review_summary(), note, key=key):
            return False
        self._log_info(sale, note, level="warning")
        return True

    def _release_review(self, sale):
        """The order was held and is confirmed now: close its review to-do."""
        summary = self._review_summary()
        activities = sale.activity_ids.filtered(lambda a: a.summary == summary)
        if not activities:
            return
        message = self.env._(
            "Order %(order)s is no longer held in Shopify: it is confirmed.",
            order=sale.shopify_order_name,
        )
        activities.action_feedback(feedback=message)
        self._log_info(sale, message)

    # -- POS --------------------------------------------------------------------
    def _pos_warehouse(self, order):
        """The warehouse paired with the order's POS location.

        The shop's main pair (its connected location and source warehouses) or
        one of its other location pairs; an order without a location (a draft
        marked as paid) belongs to the main pair. A location that no pair
        names cannot be delivered from anywhere: the order fails with what to set up.
        """
        shop = self.shop
        gid = order.get("retail_location_gid")
        if not gid or gid == shop.stock_location_id.shopify_gid:
            warehouses = shop.stock_warehouse_ids or self.warehouse
        else:
            routes = shop.stock_route_ids.filtered(
                lambda route: route.active and route.location_id.shopify_gid == gid
            )
            warehouses = routes[:1].warehouse_ids
        if not warehouses:
            location = self.env["shopify.location"].search(
                [("shop_id", "=", shop.id), ("shopify_gid", "=", gid)], limit=1
            )
            raise OrderImportError(
                self.env._(
                    "it was sold at the Shopify POS location %(location)s, which is paired "
                    "with no Odoo warehouse. Pair the location with its warehouse on the "
                    "shop's Stock tab (Other location pairs); the next fetch imports it.",
                    location=location.name or gid,
                )
            )
        return warehouses.sorted(lambda w: (w.sequence, w.id))[:1]
