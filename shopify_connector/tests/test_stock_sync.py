import json
import re

import responses

from odoo import Command
from odoo.tests import tagged

from ..shopify_api import stock
from .common import GRAPHQL_URL, ShopifyCase, cost_extensions

LOCATION_GID = "gid://shopify/Location/1"
_OPERATION = re.compile(r"^\s*(?:query|mutation)\s+(\w+)")


class FakeInventory:
    """Shopify's inventory at one location, answering the stock documents.

    ``levels``: {item gid: {"available", "committed", "on_hand"}}; an item
    missing there is not stocked at the location; ``untracked`` holds items
    whose inventory is not tracked.  ``lose_answers`` names operations whose
    next answer is replaced by HTTP 500 after it was applied; ``unavailable``
    names operations answered HTTP 503 every time.
    """

    def __init__(self):
        self.levels = {}
        self.untracked = set()
        self.keys = {}
        self.calls = []
        self.applied_sets = 0
        self.before_set = None  # callable run before a set is applied (a customer buys)
        self.lose_answers = []
        self.unavailable = set()

    def stock(self, item, available=0, committed=0):
        self.levels[item] = {"available": available, "committed": committed}

    def available(self, item):
        return self.levels[item]["available"]

    def set_calls(self):
        return [c for c in self.calls if c[0] == "StockSetQuantities"]

    def _quantities(self, item):
        level = self.levels[item]
        values = dict(level, on_hand=level["available"] + level["committed"])
        return [{"name": n, "quantity": values[n]} for n in stock.QUANTITY_NAMES]

    def __call__(self, request):
        body = json.loads(request.body)
        name = _OPERATION.match(body["query"]).group(1)
        variables = body.get("variables") or {}
        self.calls.append((name, variables))
        if name in self.unavailable:
            return 503, {}, json.dumps({"errors": "Service Unavailable"})
        data = getattr(self, "_" + name)(variables)
        status = 200
        if name in self.lose_answers:
            self.lose_answers.remove(name)
            return 500, {}, json.dumps({"errors": "Internal Server Error"})
        return status, {}, json.dumps({"data": data, "extensions": cost_extensions()})

    def _OrdersPage(self, variables):
        # the order fetch that precedes every push: no new order in these tests
        return {"orders": {"nodes": [], "pageInfo": {"hasNextPage": False, "endCursor": None}}}

    def _StockItemLevels(self, variables):
        nodes = []
        for item in variables["ids"]:
            level = {"quantities": self._quantities(item)} if item in self.levels else None
            nodes.append(
                {"id": item, "tracked": item not in self.untracked, "inventoryLevel": level}
            )
        return {"nodes": nodes}

    def _StockLocationLevels(self, variables):
        items = sorted(self.levels)
        start = int(variables.get("after") or 0)
        page = items[start : start + variables["first"]]
        return {
            "location": {
                "inventoryLevels": {
                    "nodes": [
                        {
                            "item": {"id": item, "tracked": item not in self.untracked},
                            "quantities": self._quantities(item),
                        }
                        for item in page
                    ],
                    "pageInfo": {
                        "hasNextPage": start + len(page) < len(items),
                        "endCursor": str(start + len(page)),
                    },
                }
            }
        }

    def _StockSetQuantities(self, variables):
        key = variables["idempotencyKey"]
        if key in self.keys:
            return self.keys[key]
        if self.before_set:
            hook, self.before_set = self.before_set, None
            hook()  # may arm itself again
        errors = []
        quantities = variables["input"]["quantities"]
        assert len(quantities) <= 250
        for index, entry in enumerate(quantities):
            field = ["input", "quantities", str(index), "locationId"]
            item = entry["inventoryItemId"]
            if item not in self.levels:
                errors.append(
                    {
                        "field": field,
                        "message": "The specified inventory item is not stocked at the location.",
                        "code": "INVALID_LOCATION",
                    }
                )
            elif self.levels[item]["available"] != entry["changeFromQuantity"]:
                errors.append(
                    {
                        "field": ["input", "quantities", str(index), "changeFromQuantity"],
                        "message": "The changeFromQuantity value does not match persisted value.",
                        "code": "CHANGE_FROM_QUANTITY_STALE",
                    }
                )
        if errors:
            answer = {
                "inventorySetQuantities": {"inventoryAdjustmentGroup": None, "userErrors": errors}
            }
        else:
            for entry in quantities:
                self.levels[entry["inventoryItemId"]]["available"] = entry["quantity"]
            self.applied_sets += 1
            answer = {
                "inventorySetQuantities": {
                    "inventoryAdjustmentGroup": {"id": "gid://shopify/InventoryAdjustmentGroup/1"},
                    "userErrors": [],
                }
            }
        self.keys[key] = answer
        return answer

    def _StockAdjustQuantities(self, variables):
        key = variables["idempotencyKey"]
        if key not in self.keys:
            for change in variables["input"]["changes"]:
                self.levels[change["inventoryItemId"]]["available"] += change["delta"]
            self.keys[key] = {
                "inventoryAdjustQuantities": {
                    "inventoryAdjustmentGroup": {"id": "gid://shopify/InventoryAdjustmentGroup/2"},
                    "userErrors": [],
                }
            }
        return self.keys[key]

    def _StockActivate(self, variables):
        self.levels.setdefault(variables["inventoryItemId"], {"available": 0, "committed": 0})
        return {
            "inventoryActivate": {
                "inventoryLevel": {"id": "gid://shopify/InventoryLevel/1"},
                "userErrors": [],
            }
        }

    def _StockTrackItem(self, variables):
        self.untracked.discard(variables["id"])
        return {
            "inventoryItemUpdate": {
                "inventoryItem": {"id": variables["id"], "tracked": True},
                "userErrors": [],
            }
        }


class StockCase(ShopifyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.wh = cls.env.ref("stock.warehouse0")
        cls.wh2 = cls.env["stock.warehouse"].create({"name": "Second", "code": "WH2"})
        cls.location = cls.env["shopify.location"].create(
            {"shop_id": cls.shop.id, "name": "Lager", "shopify_gid": LOCATION_GID}
        )
        cls.shop.write(
            {
                "stock_location_id": cls.location.id,
                "stock_warehouse_ids": [Command.set([cls.wh.id, cls.wh2.id])],
            }
        )
        cls.products = cls.env["product.product"].create(
            [
                {"name": f"Produkt {n}", "default_code": f"SKU-{n}", "is_storable": True}
                for n in range(3)
            ]
        )
        cls.variants = cls.env["shopify.variant"].create(
            [
                {
                    "shop_id": cls.shop.id,
                    "shopify_variant_gid": f"gid://shopify/ProductVariant/{n}",
                    "inventory_item_gid": cls.item(n),
                    "sku": f"SKU-{n}",
                    "product_id": product.id,
                }
                for n, product in enumerate(cls.products)
            ]
        )
        cls.partner = cls.env["res.partner"].create({"name": "Kundin"})

    @staticmethod
    def item(n):
        return f"gid://shopify/InventoryItem/{1000 + n}"

    def setUp(self):
        super().setUp()
        self.fake = FakeInventory()
        for n in range(len(self.products)):
            self.fake.stock(self.item(n), available=0)
        self.mock.add_callback(responses.POST, GRAPHQL_URL, callback=self.fake)

    def put(self, product, qty, warehouse=None):
        location = (warehouse or self.wh).lot_stock_id
        self.env["stock.quant"]._update_available_quantity(product, location, qty)

    def push(self, mode="changed"):
        if mode == "all":
            return self.shop._run_job("stock_all")
        return self.shop._run_job("stock_changed")

    def shop_order(self, product, qty, shop=True):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.partner.id,
                "warehouse_id": self.wh.id,
                "shopify_shop_id": self.shop.id if shop else False,
                "order_line": [Command.create({"product_id": product.id, "product_uom_qty": qty})],
            }
        )
        order.action_confirm()
        return order


@tagged("post_install", "-at_install")
class TestStockFormula(StockCase):
    def test_free_stock_of_all_source_warehouses_is_summed(self):
        self.put(self.products[0], 10)
        self.put(self.products[0], 5, self.wh2)
        self.put(self.products[1], 4)
        run = self.push("all")
        self.assertEqual(run.state, "done", run.message_ids.mapped("message"))
        self.assertEqual(self.fake.available(self.item(0)), 15)
        self.assertEqual(self.fake.available(self.item(1)), 4)
        self.assertEqual(self.fake.available(self.item(2)), 0)
        self.assertEqual(run.count_updated, 3)

    def test_warehouse_not_chosen_is_not_published(self):
        other = self.env["stock.warehouse"].create({"name": "Fremd", "code": "WH3"})
        self.put(self.products[0], 7, other)
        self.put(self.products[0], 1)
        self.push("all")
        self.assertEqual(self.fake.available(self.item(0)), 1)

    def test_reservations_of_other_orders_lower_the_quantity(self):
        self.put(self.products[0], 10)
        self.shop_order(self.products[0], 3, shop=False)
        self.push("all")
        self.assertEqual(self.fake.available(self.item(0)), 7)
        self.assertEqual(self.variants[0].stock_odoo_qty, 7)
        self.assertEqual(self.variants[0].stock_pushed_qty, 7)
        self.assertTrue(self.variants[0].stock_pushed_at)

    def test_buffer_in_units_and_percent(self):
        self.put(self.products[0], 10)
        self.put(self.products[1], 1)
        self.shop.write({"stock_buffer_type": "units", "stock_buffer": 2})
        self.push("all")
        self.assertEqual(self.fake.available(self.item(0)), 8)
        self.assertEqual(self.fake.available(self.item(1)), 0)
        self.shop.write({"stock_buffer_type": "percent", "stock_buffer": 25})
        self.push("all")
        self.assertEqual(self.fake.available(self.item(0)), 7)  # 7.5 rounded down

    def test_negative_stock_publishes_zero(self):
        self.put(self.products[0], -4)
        self.put(self.products[0], 3, self.wh2)
        self.fake.stock(self.item(0), available=9)
        self.push("all")
        self.assertEqual(self.fake.available(self.item(0)), 0)


@tagged("post_install", "-at_install")
class TestOversell(StockCase):
    def test_order_placed_in_shopify_not_imported_is_subtracted(self):
        self.put(self.products[0], 10)
        self.fake.stock(self.item(0), available=8, committed=2)
        self.push("changed")
        self.assertEqual(self.fake.available(self.item(0)), 8)
        self.assertEqual(self.variants[0].shopify_committed, 2)

    def test_unpaid_order_filtered_out_of_the_import_is_subtracted(self):
        # The order import skips unpaid orders: Odoo never reserves them.
        self.put(self.products[1], 5)
        self.fake.stock(self.item(1), available=2, committed=3)
        self.push("all")
        self.assertEqual(self.fake.available(self.item(1)), 2)

    def test_imported_and_reserved_order_is_not_subtracted_twice(self):
        self.put(self.products[0], 10)
        self.shop_order(self.products[0], 2)
        self.fake.stock(self.item(0), available=8, committed=2)
        self.push("all")
        self.assertEqual(self.fake.available(self.item(0)), 8)

    def test_order_placed_during_the_push_is_reread_and_recomputed(self):
        for product in self.products:
            self.put(product, 10)
        self.push("all")  # Shopify holds 10 of each, Odoo knows it
        self.assertEqual(self.fake.available(self.item(1)), 10)
        self.put(self.products[0], 5)
        self.put(self.products[1], 5)

        def customer_buys():
            self.fake.levels[self.item(1)] = {"available": 7, "committed": 3}

        self.fake.before_set = customer_buys
        calls_before = len(self.fake.set_calls())
        run = self.push("changed")
        self.assertEqual(self.fake.available(self.item(0)), 15)
        self.assertEqual(self.fake.available(self.item(1)), 12)  # 15 - 3 committed
        self.assertEqual(self.fake.available(self.item(2)), 10)
        self.assertEqual(len(self.fake.set_calls()) - calls_before, 2)
        self.assertEqual(run.count_updated, 2)
        self.assertEqual(run.count_unchanged, 1)
        self.assertEqual(run.state, "done")


@tagged("post_install", "-at_install")
class TestPushModes(StockCase):
    def test_changed_pushes_only_changes_and_all_pushes_everything(self):
        for product in self.products:
            self.put(product, 4)
        self.push("changed")
        self.put(self.products[2], 1)
        before = len(self.fake.set_calls())
        run = self.push("changed")
        sent = self.fake.set_calls()[before:]
        self.assertEqual(len(sent), 1)
        self.assertEqual(
            [q["inventoryItemId"] for q in sent[0][1]["input"]["quantities"]], [self.item(2)]
        )
        self.assertEqual((run.count_updated, run.count_unchanged), (1, 2))
        run = self.push("all")
        self.assertEqual(len(self.fake.set_calls()[-1][1]["input"]["quantities"]), 3)
        self.assertEqual(run.count_updated, 3)

    def test_unchanged_push_sends_no_mutation(self):
        self.put(self.products[0], 4)
        self.push("changed")
        calls = len(self.fake.calls)
        run = self.push("changed")
        # only the order fetch that precedes every push: no stock read, no mutation
        self.assertEqual([c[0] for c in self.fake.calls[calls:]], ["OrdersPage"])
        self.assertEqual(run.count_unchanged, 3)
        self.assertEqual(run.count_updated, 0)
        self.assertEqual(run.state, "done")

    def test_write_carries_reason_reference_and_compare_value(self):
        self.put(self.products[0], 4)
        self.fake.stock(self.item(0), available=6)
        run = self.push("changed")
        variables = self.fake.set_calls()[0][1]
        self.assertEqual(variables["input"]["name"], "available")
        self.assertEqual(variables["input"]["reason"], "correction")
        self.assertEqual(
            variables["input"]["referenceDocumentUri"], f"logistics://odoo/shopify-run/{run.id}"
        )
        first = variables["input"]["quantities"][0]
        self.assertEqual((first["quantity"], first["changeFromQuantity"]), (4, 6))
        self.assertTrue(variables["idempotencyKey"])

    def test_600_variants_are_written_in_three_calls(self):
        products = self.env["product.product"].create(
            [{"name": f"Massenartikel {n}", "is_storable": True} for n in range(597)]
        )
        self.env["shopify.variant"].create(
            [
                {
                    "shop_id": self.shop.id,
                    "shopify_variant_gid": f"gid://shopify/ProductVariant/x{n}",
                    "inventory_item_gid": self.item(10 + n),
                    "product_id": product.id,
                }
                for n, product in enumerate(products)
            ]
        )
        for n in range(597):
            self.fake.stock(self.item(10 + n), available=0)
        for product in products[:5]:
            self.put(product, 2)
        run = self.push("all")
        sets = self.fake.set_calls()
        self.assertEqual(len(sets), 3)
        self.assertEqual(sorted(len(c[1]["input"]["quantities"]) for c in sets), [100, 250, 250])
        self.assertEqual(len({c[1]["idempotencyKey"] for c in sets}), 3)
        self.assertEqual(run.count_updated, 600)

    def test_lost_answer_is_retried_with_the_same_key_and_applied_once(self):
        self.put(self.products[0], 3)
        self.fake.lose_answers.append("StockSetQuantities")
        run = self.push("all")
        sets = self.fake.set_calls()
        self.assertEqual(len(sets), 2)
        self.assertEqual(sets[0][1]["idempotencyKey"], sets[1][1]["idempotencyKey"])
        self.assertEqual(self.fake.applied_sets, 1)
        self.assertEqual(run.state, "done")
        self.assertEqual(self.fake.available(self.item(0)), 3)

    def test_order_fetch_hook_runs_before_the_push(self):
        seen = []
        original = type(self.shop)._shopify_before_stock_push

        def hook(shop, run, client):
            seen.append(len(self.fake.calls))
            return original(shop, run, client)

        self.patch(type(self.shop), "_shopify_before_stock_push", hook)
        self.push("changed")
        self.assertEqual(seen, [0])
        # the orders are read first, in an order run of their own
        self.assertEqual(self.fake.calls[0][0], "OrdersPage")
        order_run = self.shop.run_ids.filtered(lambda r: r.job == "orders")
        self.assertEqual(len(order_run), 1)
        self.assertEqual(order_run.api_calls, 1)


@tagged("post_install", "-at_install")
class TestActivation(StockCase):
    def test_variant_not_stocked_is_reported(self):
        del self.fake.levels[self.item(0)]
        self.put(self.products[0], 5)
        run = self.push("all")
        self.assertEqual(run.count_skipped, 1)
        message = run.message_ids.filtered(lambda m: m.reference == "SKU-0")
        self.assertIn("not stocked", message.message)
        self.assertEqual(self.variants[0].shopify_stock_state, "not_stocked")
        self.assertNotIn(self.item(0), self.fake.levels)

    def test_variant_not_stocked_is_activated_when_allowed(self):
        del self.fake.levels[self.item(0)]
        self.put(self.products[0], 5)
        self.shop.stock_unstocked = "activate"
        run = self.push("all")
        activations = [c for c in self.fake.calls if c[0] == "StockActivate"]
        self.assertEqual(len(activations), 1)
        self.assertTrue(activations[0][1]["idempotencyKey"])
        self.assertEqual(self.fake.available(self.item(0)), 5)
        self.assertEqual(run.count_updated, 3)

    def test_untracked_variant_is_skipped_or_tracked(self):
        self.fake.untracked.add(self.item(1))
        self.put(self.products[1], 5)
        run = self.push("all")
        self.assertEqual(run.count_skipped, 1)
        self.assertEqual(self.fake.available(self.item(1)), 0)
        self.shop.stock_untracked = "track"
        run = self.push("all")
        self.assertEqual(self.fake.available(self.item(1)), 5)
        self.assertIn("StockTrackItem", [c[0] for c in self.fake.calls])

    def test_product_linked_twice_is_not_published(self):
        self.variants[1].product_id = self.products[0]
        self.put(self.products[0], 5)
        run = self.push("all")
        self.assertEqual(run.count_skipped, 2)
        self.assertEqual(self.fake.available(self.item(0)), 0)


@tagged("post_install", "-at_install")
class TestStockImport(StockCase):
    def test_import_sets_on_hand_by_inventory_adjustment(self):
        self.fake.stock(self.item(0), available=7, committed=2)  # on hand 9
        self.fake.stock(self.item(1), available=0)
        del self.fake.levels[self.item(2)]
        self.put(self.products[1], 4)
        self.put(self.products[0], 1, self.wh2)  # other warehouses are left alone
        run = self.shop._run_job("stock_import")
        self.assertEqual(run.state, "done", run.message_ids.mapped("message"))
        stock_loc = self.wh.lot_stock_id
        self.assertEqual(self.products[0].with_context(location=stock_loc.id).qty_available, 9)
        self.assertEqual(self.products[1].with_context(location=stock_loc.id).qty_available, 0)
        moves = self.env["stock.move"].search(
            [("product_id", "in", self.products[:2].ids), ("is_inventory", "=", True)]
        )
        self.assertEqual(sorted(moves.mapped("product_qty")), [4.0, 9.0])
        self.assertTrue(all(m.state == "done" for m in moves))
        self.assertIn("Shopify", moves[0].reference or moves[0].name)
        self.assertEqual((run.count_updated, run.count_skipped), (2, 1))
        self.assertEqual(self.variants[0].shopify_available, 7)

    def test_import_asks_for_inventory_rights(self):
        user = self.env["res.users"].create(
            {
                "name": "Shopify only",
                "login": "shopify-only",
                "group_ids": [
                    Command.set(
                        [self.env.ref("shopify_connector.shopify_connector_group_manager").id]
                    )
                ],
            }
        )
        with self.assertRaises(Exception):  # noqa: B017 - UserError or AccessError
            self.shop.with_user(user).action_stock_import()


@tagged("post_install", "-at_install")
class TestDiscrepancy(StockCase):
    def test_compare_lists_variants_that_differ(self):
        self.put(self.products[0], 5)
        self.put(self.products[1], 2)
        self.fake.stock(self.item(0), available=5)
        self.fake.stock(self.item(1), available=9)
        self.shop.action_stock_compare()
        rows = self.env["shopify.stock.discrepancy"].search([("shop_id", "=", self.shop.id)])
        self.assertEqual(rows.mapped("sku"), ["SKU-1"])
        self.assertEqual((rows.odoo_qty, rows.shopify_available, rows.difference), (2, 9, 7))
        self.assertEqual(self.variants[1].stock_difference, 7)
        # nothing was written to Shopify
        self.assertFalse(self.fake.set_calls())


try:
    from shopify_simulator import Simulator, SimulatorServer
except ImportError:  # the simulator lives beside the addon, in the repository
    Simulator = SimulatorServer = None


@tagged("post_install", "-at_install")
class TestStockWithSimulator(ShopifyCase):
    """End to end against the local Shopify simulator: orders placed in Shopify
    move units from available to committed, writes are compare-and-swap."""

    def setUp(self):
        super().setUp()
        if Simulator is None:
            self.skipTest("shopify_simulator is not importable")
        self.sim = Simulator(seed=7, products=5, variants_per_product=(1, 1), orders=0)
        server = SimulatorServer(self.sim)
        server.__enter__()
        self.addCleanup(server.__exit__, None, None, None)
        self.mock.add_passthru(server.base_url)
        location = self.env["shopify.location"].create(
            {
                "shop_id": self.shop.id,
                "name": "Hauptlager",
                "shopify_gid": "gid://shopify/Location/1001",
            }
        )
        self.shop.write(
            {
                "base_url": server.base_url,
                "access_token": self.sim.access_token,
                "stock_location_id": location.id,
                "stock_warehouse_ids": [Command.set(self.env.ref("stock.warehouse0").ids)],
            }
        )
        self.skus = [v["sku"] for v in self.sim.store.all("ProductVariant")[:3]]
        self.products = self.env["product.product"].create(
            [{"name": sku, "default_code": sku, "is_storable": True} for sku in self.skus]
        )
        self.env["shopify.variant"].create(
            [
                {
                    "shop_id": self.shop.id,
                    "shopify_variant_gid": self.sim.variant(sku)["id"],
                    "inventory_item_gid": self.sim.variant(sku)["inventoryItem"],
                    "sku": sku,
                    "product_id": product.id,
                }
                for sku, product in zip(self.skus, self.products, strict=True)
            ]
        )
        stock_location = self.env.ref("stock.warehouse0").lot_stock_id
        for product in self.products:
            self.env["stock.quant"]._update_available_quantity(product, stock_location, 10)

    def available(self, sku):
        return self.sim.available(sku, "gid://shopify/Location/1001")

    def push(self, mode="changed"):
        job = "stock_all" if mode == "all" else "stock_changed"
        run = self.shop._run_job(job)
        self.assertEqual(run.state, "done", run.message_ids.mapped("message"))
        return run

    def test_orders_in_shopify_are_never_oversold(self):
        self.push()
        self.assertEqual([self.available(s) for s in self.skus], [10, 10, 10])

        # An order placed in Shopify, not imported yet, and an unpaid one the
        # import filters out: Shopify commits their units.
        self.sim.place_order(lines=[{"sku": self.skus[0], "quantity": 2}])
        self.sim.place_order(
            lines=[{"sku": self.skus[1], "quantity": 3}], financial_status="PENDING"
        )
        stock_location = self.env.ref("stock.warehouse0").lot_stock_id
        self.env["stock.quant"]._update_available_quantity(self.products[0], stock_location, 5)
        self.env["stock.quant"]._update_available_quantity(self.products[1], stock_location, 5)
        self.sim.reset_counters()
        run = self.push()
        # Odoo holds 15 of each; Shopify keeps 2 and 3 units for the orders.
        self.assertEqual(self.available(self.skus[0]), 13)
        self.assertEqual(self.available(self.skus[1]), 12)
        self.assertEqual(self.available(self.skus[2]), 10)
        self.assertEqual(run.count_updated, 2)
        self.assertEqual(self.sim.counters["mutations"], 2, "refused once as stale, then resent")

        # A customer buys while the push runs: noticed, re-read, recomputed.
        def customer_buys(shop, run, client):
            self.sim.place_order(lines=[{"sku": self.skus[2], "quantity": 4}])

        self.patch(type(self.shop), "_shopify_before_stock_push", customer_buys)
        self.push("all")
        self.assertEqual(self.available(self.skus[2]), 6)
        on_hand = self.sim.quantity(self.skus[2], "on_hand", "gid://shopify/Location/1001")
        self.assertEqual(on_hand, 10, "Shopify never holds more than Odoo")

        # Nothing changed since: no mutation at all.
        self.sim.reset_counters()
        self.patch(type(self.shop), "_shopify_before_stock_push", lambda shop, run, client: None)
        run = self.push()
        self.assertEqual(self.sim.counters["mutations"], 0)
        # Only the variants with committed units Odoo has not reserved are read
        # again (one call): committed units may have been fulfilled since.
        self.assertEqual(self.sim.counters["calls"], 1)
        self.assertEqual(run.count_unchanged, 3)
