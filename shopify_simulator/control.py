"""The control API of the simulator (also exposed over HTTP under ``/_simulator/``).

All methods take the simulator's lock; they change state exactly as Shopify
would for the same event (an order placed in the shop, a fulfilment done in
the admin, a price edited by the merchant...).
"""

import copy
import hashlib

from shopify_simulator import orders as order_ops
from shopify_simulator.seed import line_from_variant
from shopify_simulator.state import bag_amount, gid_type, money, quantity

COUNTER_NAMES = (
    "calls",
    "points_requested",
    "points_actual",
    "throttled",
    "faults",
    "mutations",
    "errors",
    "quantities_set",
    "idempotent_replays",
    "max_cost",
)


class ControlMixin:
    """Methods mixed into :class:`~shopify_simulator.simulator.Simulator`."""

    # -- control API -----------------------------------------------------
    @property
    def counters(self):
        with self.lock:
            return {name: self._counters.get(name, 0) for name in COUNTER_NAMES}

    def reset_counters(self):
        with self.lock:
            self._counters.clear()

    def _variant(self, sku_or_id):
        store = self.store
        obj = store.get(sku_or_id) if gid_type(sku_or_id) else store.variant_by_sku(sku_or_id)
        if obj is not None and obj["__typename"] == "InventoryItem":
            obj = store.objects[obj["variant"]]
        if obj is None or obj["__typename"] != "ProductVariant":
            raise KeyError(f"unknown SKU or variant {sku_or_id!r}")
        return obj

    def _location(self, location=None):
        if location is None:
            return next(loc for loc in self.store.all("Location") if loc["fulfillsOnlineOrders"])
        found = self.store.get(location, "Location") or next(
            (loc for loc in self.store.all("Location") if loc["name"] == location), None
        )
        if found is None:
            raise KeyError(f"unknown location {location!r}")
        return found

    def locations(self):
        with self.lock:
            return [{"id": loc["id"], "name": loc["name"]} for loc in self.store.all("Location")]

    def quantity(self, sku_or_item, name="available", location=None):
        """A quantity of a SKU, variant or inventory item at ``location`` (sum if None)."""
        with self.lock:
            variant = self._variant(sku_or_item)
            levels = self.store.levels_by_item.get(variant["inventoryItem"], [])
            if location is not None:
                loc = self._location(location)["id"]
                levels = [lv for lv in levels if lv["location"] == loc]
            return sum(quantity(level, name) for level in levels)

    def available(self, sku_or_item, location=None):
        return self.quantity(sku_or_item, "available", location)

    def set_quantity(self, sku_or_item, value, name="available", location=None):
        with self.lock:
            variant = self._variant(sku_or_item)
            loc = self._location(location)["id"]
            level, _ = self.store.activate(variant["inventoryItem"], loc, self.now())
            level["_q"][name] = int(value)
            level["updatedAt"] = self.now()
            return int(value)

    def set_price(self, sku, price, compare_at_price=...):
        with self.lock:
            variant = self._variant(sku)
            variant["price"] = money(price)
            if compare_at_price is not ...:
                variant["compareAtPrice"] = (
                    money(compare_at_price) if compare_at_price is not None else None
                )
            now = self.now()
            variant["updatedAt"] = now
            self.store.objects[variant["product"]]["updatedAt"] = now
            return variant["id"]

    def variant(self, sku):
        with self.lock:
            return copy.deepcopy(self._variant(sku))

    def place_order(
        self,
        lines,
        financial_status="PAID",
        customer=None,
        tags=(),
        test=False,
        location=None,
        discount=None,
        shipping_price=None,
        email=None,
        on_hold=False,
    ):
        """Place an order and commit its stock; returns the order gid.

        ``lines``: ``[{"sku", "quantity", "price"?, "title"?}]``; an unknown SKU
        (or ``"sku": None``) becomes a custom line without variant.  ``customer``:
        a Customer gid, an email of an existing customer, or None (the first).
        """
        with self.lock:
            store = self.store
            specs = []
            for line in lines:
                variant = store.variant_by_sku(line.get("sku")) if line.get("sku") else None
                if variant is not None:
                    specs.append(
                        line_from_variant(store, variant, int(line["quantity"]), line.get("price"))
                    )
                else:
                    specs.append(
                        {
                            "variant": None,
                            "sku": line.get("sku"),
                            "title": line.get("title") or "Individueller Artikel",
                            "price": str(line.get("price", "10.00")),
                            "quantity": int(line["quantity"]),
                            "requires_shipping": line.get("requires_shipping", True),
                        }
                    )
            customers = store.all("Customer")
            found = None
            if isinstance(customer, str):
                found = store.get(customer, "Customer") or next(
                    (c for c in customers if c["email"] == customer), None
                )
            elif customer is None and customers:
                found = customers[0]
            numbers = [o["number"] for o in store.all("Order")]
            now = self.now()
            order = order_ops.build_order(
                store,
                store.shop,
                number=max(numbers, default=1000) + 1,
                lines=specs,
                customer=found,
                location=self._location(location),
                created_at=now,
                now=now,
                financial_status=financial_status,
                tags=tags,
                test=test,
                discount=discount,
                shipping_price=shipping_price,
                email=email,
                on_hold=on_hold,
            )
            order_ops.commit_stock(store, order)
            return order["id"]

    def _order(self, order_gid):
        order = self.store.get(order_gid, "Order") or next(
            (o for o in self.store.all("Order") if o["name"] == order_gid), None
        )
        if order is None:
            raise KeyError(f"unknown order {order_gid!r}")
        return order

    def order(self, order_gid):
        """A deep copy of the stored order dict (with private keys)."""
        with self.lock:
            return copy.deepcopy(self._order(order_gid))

    def fulfill(self, order_gid, lines=None, tracking=None):
        """Fulfil all (or ``lines`` = {sku: qty}) open units; returns the Fulfillment gid."""
        with self.lock:
            order = self._order(order_gid)
            result = None
            for fo_id in order["fulfillmentOrders"]:
                fo = self.store.objects[fo_id]
                if fo["status"] not in ("OPEN", "IN_PROGRESS"):
                    continue
                items = []
                for foli_id in fo["lineItems"]:
                    foli = self.store.objects[foli_id]
                    qty = foli["remainingQuantity"]
                    if lines is not None:
                        qty = min(qty, int(lines.get(foli["sku"], 0)))
                    if qty:
                        items.append((foli, qty))
                if items:
                    result = order_ops.fulfill(self.store, order, fo, items, self.now(), tracking)
            return result["id"] if result else None

    def hold(self, order_gid, hold=True):
        """Put the order's open fulfillment orders ON_HOLD (or release them)."""
        with self.lock:
            order = self._order(order_gid)
            for fo_id in order["fulfillmentOrders"]:
                fo = self.store.objects[fo_id]
                if hold and fo["status"] in ("OPEN", "IN_PROGRESS"):
                    fo["status"] = "ON_HOLD"
                elif not hold and fo["status"] == "ON_HOLD":
                    fo["status"] = "OPEN"
                    order_ops.recompute(self.store, order)
            order["updatedAt"] = self.now()

    def cancel(self, order_gid, restock=True, reason="CUSTOMER"):
        with self.lock:
            order_ops.cancel(self.store, self._order(order_gid), self.now(), restock, reason)

    def refund(self, order_gid, lines, restock_type="RETURN", note=None):
        """``lines``: ``[{"sku" or "line_item_id", "quantity"}]``; returns the Refund gid."""
        with self.lock:
            order = self._order(order_gid)
            items = []
            for entry in lines:
                line = None
                for line_id in order["lineItems"]:
                    candidate = self.store.objects[line_id]
                    if line_id == entry.get("line_item_id") or (
                        entry.get("sku") and candidate["sku"] == entry["sku"]
                    ):
                        line = candidate
                        break
                if line is None:
                    raise KeyError(f"no such line in {order['name']}: {entry!r}")
                items.append(
                    (
                        line,
                        int(entry["quantity"]),
                        entry.get("restock_type", restock_type),
                        order["_location"],
                    )
                )
            return order_ops.refund(self.store, order, items, self.now(), note)["id"]

    def touch(self, gid_value):
        """Bump ``updatedAt`` of an object (e.g. an order edited in the admin)."""
        with self.lock:
            obj = self.store.get(gid_value)
            obj["updatedAt"] = self.now()
            return obj["updatedAt"]

    def order_totals(self, order_gid):
        with self.lock:
            order = self._order(order_gid)
            return {
                key: str(bag_amount(order[key]))
                for key in (
                    "subtotalPriceSet",
                    "totalPriceSet",
                    "totalTaxSet",
                    "totalShippingPriceSet",
                    "totalDiscountsSet",
                    "currentTotalPriceSet",
                    "currentSubtotalPriceSet",
                    "currentTotalTaxSet",
                    "totalRefundedSet",
                )
            }

    def info(self):
        return {
            "shop_domain": self.shop_domain,
            "access_token": self.access_token,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "api_version": "2026-10",
            "now": self.now(),
            "plan": self.config["plan"],
        }

    def snapshot(self):
        """A comparable digest of the whole state (for determinism checks)."""
        with self.lock:
            objects = dict(self.store.objects.items())
            levels = sorted(
                (k, tuple(sorted(v["_q"].items()))) for k, v in self.store.levels.items()
            )
            raw = repr(sorted((k, repr(v)) for k, v in objects.items())) + repr(levels)
            return hashlib.sha256(raw.encode()).hexdigest()
