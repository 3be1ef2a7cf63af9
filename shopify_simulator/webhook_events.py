"""Which changes of the shop raise which webhook events.

Mixed into :class:`~shopify_simulator.simulator.Simulator` before the control
API: each control method that changes an order, a product or a stock level
does its work, then queues the topics Shopify would send for that change (in
Shopify's order: ``orders/create`` before ``orders/paid``...), with payloads
taken from the state right after the change. Sending is left to
:class:`~shopify_simulator.webhook_delivery.WebhookDelivery`.
"""

from shopify_simulator import webhook_payloads as payloads
from shopify_simulator.state import gid_type


class WebhookEventsMixin:
    """Control methods that also raise webhook events."""

    def _emit_order(self, order, *topics):
        body = payloads.order_payload(self.store, order)
        for topic in topics:
            self.webhooks.emit(topic, body)

    def place_order(self, *args, **kwargs):
        order_gid = super().place_order(*args, **kwargs)
        with self.lock:
            order = self._order(order_gid)
            topics = ["orders/create"]
            if order["displayFinancialStatus"] == "PAID":
                topics.append("orders/paid")
            self._emit_order(order, *topics)
        return order_gid

    def mark_paid(self, order_gid):
        """The payment of a pending order was captured."""
        with self.lock:
            order = self._order(order_gid)
            order["displayFinancialStatus"] = "PAID"
            order["updatedAt"] = self.now()
            self._emit_order(order, "orders/paid", "orders/updated")
            return order["updatedAt"]

    def cancel(self, order_gid, *args, **kwargs):
        result = super().cancel(order_gid, *args, **kwargs)
        with self.lock:
            self._emit_order(self._order(order_gid), "orders/cancelled", "orders/updated")
        return result

    def fulfill(self, order_gid, *args, **kwargs):
        fulfillment_gid = super().fulfill(order_gid, *args, **kwargs)
        if fulfillment_gid is None:
            return None
        with self.lock:
            order = self._order(order_gid)
            fulfillment = self.store.get(fulfillment_gid)
            self.webhooks.emit(
                "fulfillments/create", payloads.fulfillment_payload(self.store, fulfillment)
            )
            whole = order.get("displayFulfillmentStatus") == "FULFILLED"
            topic = "orders/fulfilled" if whole else "orders/partially_fulfilled"
            self._emit_order(order, topic, "orders/updated")
        return fulfillment_gid

    def refund(self, order_gid, *args, **kwargs):
        refund_gid = super().refund(order_gid, *args, **kwargs)
        with self.lock:
            refund = self.store.get(refund_gid)
            self.webhooks.emit("refunds/create", payloads.refund_payload(self.store, refund))
            self._emit_order(self._order(order_gid), "orders/updated")
        return refund_gid

    def hold(self, order_gid, hold=True):
        result = super().hold(order_gid, hold)
        with self.lock:
            self._emit_order(self._order(order_gid), "orders/updated")
        return result

    def touch(self, gid_value):
        """An order edited in the admin (``orders/edited`` + ``orders/updated``),
        a product changed (``products/update``)."""
        result = super().touch(gid_value)
        with self.lock:
            kind = gid_type(gid_value)
            if kind == "Order":
                self._emit_order(self._order(gid_value), "orders/edited", "orders/updated")
            elif kind == "Product":
                product = self.store.get(gid_value)
                self.webhooks.emit(
                    "products/update", payloads.product_payload(self.store, product)
                )
        return result

    def set_price(self, sku, *args, **kwargs):
        variant_gid = super().set_price(sku, *args, **kwargs)
        with self.lock:
            product = self.store.get(self.store.get(variant_gid)["product"])
            self.webhooks.emit("products/update", payloads.product_payload(self.store, product))
        return variant_gid

    def set_quantity(self, sku_or_item, value, name="available", location=None):
        result = super().set_quantity(sku_or_item, value, name, location)
        if name == "available":
            with self.lock:
                variant = self._variant(sku_or_item)
                level = self.store.level(variant["inventoryItem"], self._location(location)["id"])
                self.webhooks.emit(
                    "inventory_levels/update",
                    payloads.inventory_level_payload(level, int(value)),
                )
        return result

    def uninstall_app(self):
        """The merchant uninstalled the app: ``app/uninstalled`` is sent, then
        the app's tokens and its other subscriptions are gone."""
        with self.lock:
            self.webhooks.emit("app/uninstalled", payloads.shop_payload(self.store.shop))
            store = self.store
            for sub in store.all("WebhookSubscription"):
                if sub["topic"] != "APP_UNINSTALLED":
                    del store.objects[sub["id"]]
            store.by_type["WebhookSubscription"] = [
                g for g in store.by_type["WebhookSubscription"] if g in store.objects
            ]
            self.tokens.clear()
