"""Reliability: order import, stock push and price push against the simulator's
faults, compare-and-swap conflicts and customers buying during pushes.

Every test runs the connector's real code paths over HTTP against the local
simulator (``shopify_simulator``); only the client's waits are recorded
instead of slept, and its read timeout is short so that injected latency
becomes a timeout.

Not here, because they need real separate processes or committed data:
killing Odoo in the middle of a job, and two workers plus a user starting the
same job at once (``bench/kill_restart.py``, run by ``make bench``). Access of
one company to another company's shop: ``test_access.py``.
"""

import random
import threading
import time
from unittest.mock import patch

from odoo import Command
from odoo.tests import tagged

from ..shopify_api import client as shopify_client
from ..shopify_api.order_queries import ORDERS_PER_PAGE
from .common import ShopifyCase

try:
    from shopify_simulator import Simulator, SimulatorServer
except ImportError:  # the simulator lives beside the addon, in the repository
    Simulator = SimulatorServer = None

LOCATION_GID = "gid://shopify/Location/1001"
# The simulator's shop sells to Germany, Austria and Switzerland, prices including VAT.
TAX_RATES = (19.0, 7.0, 20.0, 10.0, 8.1, 2.6)
CLIENT_TIMEOUT = (2, 0.4)
ORDERS_PER_SCENARIO = 4
MAX_CUSTOMER_ORDERS = 30


@tagged("post_install", "-at_install")
class SimulatorCase(ShopifyCase):
    """A shop connected to a fresh simulator: six mapped variants with Odoo
    products (20 units each in stock), a pricelist with a price for each,
    and the sales taxes of the simulator's orders."""

    products_count = 6

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.eur = env.ref("base.EUR")
        cls.eur.active = True
        cls.pricelist = env["product.pricelist"].create(
            {"name": "Shopify EUR", "currency_id": cls.eur.id}
        )
        group = env["account.tax.group"].create({"name": "VAT"})
        for rate in TAX_RATES:
            env["account.tax"].create(
                {
                    "name": f"{rate} % incl.",
                    "amount": rate,
                    "amount_type": "percent",
                    "type_tax_use": "sale",
                    "price_include_override": "tax_included",
                    "tax_group_id": group.id,
                    "company_id": env.company.id,
                }
            )
        cls.warehouse = env["stock.warehouse"].search(
            [("company_id", "=", env.company.id)], limit=1
        )
        cls.shop.write(
            {
                "order_pricelist_id": cls.pricelist.id,
                "pricelist_id": cls.pricelist.id,
                "shopify_currency": "EUR",
                "state": "connected",
                "stock_warehouse_ids": [Command.set(cls.warehouse.ids)],
            }
        )

    def setUp(self):
        super().setUp()
        if Simulator is None:
            self.skipTest("shopify_simulator is not importable")
        self.sim = Simulator(
            seed=17,
            products=self.products_count,
            variants_per_product=(1, 1),
            orders=0,
            # a bucket that never runs dry: the client's waits are not slept here,
            # THROTTLED answers come from the fault plan only
            bucket_size=10**9,
            restore_rate=10**6,
        )
        server = SimulatorServer(self.sim)
        server.__enter__()
        self.addCleanup(server.__exit__, None, None, None)
        self.mock.add_passthru(server.base_url)
        location = self.env["shopify.location"].create(
            {"shop_id": self.shop.id, "name": "Hauptlager", "shopify_gid": LOCATION_GID}
        )
        self.shop.write(
            {
                "base_url": server.base_url,
                "access_token": self.sim.access_token,
                "stock_location_id": location.id,
            }
        )
        self.startPatcher(
            patch.object(
                type(self.env["shopify.shop"]),
                "_shopify_client_options",
                lambda shop: {"sleep": self.sleeps.append, "timeout": CLIENT_TIMEOUT},
            )
        )
        self.variants = self.sim.store.all("ProductVariant")
        self.skus = [v["sku"] for v in self.variants]
        self.products = self.env["product.product"].create(
            [
                {
                    "name": f"Product {sku}",
                    "default_code": sku,
                    "is_storable": True,
                    "list_price": 10.0,
                }
                for sku in self.skus
            ]
        )
        self.by_sku = dict(zip(self.skus, self.products, strict=True))
        self.env["shopify.variant"].create(
            [
                {
                    "shop_id": self.shop.id,
                    "shopify_variant_gid": variant["id"],
                    "shopify_product_gid": variant["product"],
                    "inventory_item_gid": variant["inventoryItem"],
                    "sku": variant["sku"],
                    "product_id": product.id,
                    "match_state": "matched",
                }
                for variant, product in zip(self.variants, self.products, strict=True)
            ]
        )
        self.env["product.pricelist.item"].create(
            [
                {
                    "pricelist_id": self.pricelist.id,
                    "applied_on": "0_product_variant",
                    "product_id": product.id,
                    "compute_price": "fixed",
                    "fixed_price": 11.0 + n,
                }
                for n, product in enumerate(self.products)
            ]
        )
        self.on_hand = {}
        for sku in self.skus:
            self.add_stock(sku, 20)
            self.sim.set_quantity(sku, 3, location=LOCATION_GID)
        self.customers = [c["email"] for c in self.sim.store.all("Customer")]

    # -- helpers -------------------------------------------------------------
    def add_stock(self, sku, quantity):
        self.env["stock.quant"]._update_available_quantity(
            self.by_sku[sku], self.warehouse.lot_stock_id, quantity
        )
        self.on_hand[sku] = self.on_hand.get(sku, 0) + quantity

    def promised(self, sku):
        """Units Shopify sells or has sold (available + committed to orders)."""
        return self.sim.available(sku, LOCATION_GID) + self.sim.quantity(
            sku, "committed", LOCATION_GID
        )

    def place_orders(self, count, rng=None):
        rng = rng or random.Random(count)
        gids = []
        for _ in range(count):
            skus = rng.sample(self.skus, 3)
            gids.append(
                self.sim.place_order(
                    lines=[{"sku": sku, "quantity": rng.randint(1, 2)} for sku in skus],
                    customer=rng.choice(self.customers),
                )
            )
        return gids

    def run_job(self, job):
        shopify_client.reset_throttle_states()
        return self.shop._run_job(job)

    def errors_of(self, run):
        return run.message_ids.filtered(lambda m: m.level == "error").mapped("message")

    def assert_status_is_explained(self, run):
        """A run that did not finish cleanly says why."""
        self.assertIn(run.state, ("done", "partial", "failed"))
        if run.state != "done":
            self.assertTrue(self.errors_of(run), f"{run.state} without a message")

    def shop_orders(self):
        return self.env["sale.order"].search([("shopify_shop_id", "=", self.shop.id)])

    def assert_orders_imported_once(self, gids):
        """Each Shopify order is exactly one complete, confirmed sale order
        with Shopify's total; no other sale order exists."""
        sales = self.shop_orders()
        self.assertEqual(sorted(sales.mapped("shopify_order_gid")), sorted(gids))
        for sale in sales:
            self.assertEqual(sale.state, "sale", sale.name)
            self.assertEqual(len(sale.order_line.filtered("shopify_line_gid")), 3, sale.name)
            self.assertEqual(
                sale.currency_id.compare_amounts(sale.amount_total, sale.shopify_total),
                0,
                sale.name,
            )


class TestOrderImportUnderFaults(SimulatorCase):
    """Invariant: whatever the simulator's faults during an order import, the
    run ends with a status that matches what happened (done, partial with the
    reason, failed with the reason), no Shopify order becomes two sale orders,
    no half-created sale order remains, and a re-run without faults imports
    every order exactly once."""

    SCENARIOS = {
        "5xx": ({"calls": {1: "500", 2: "502", 3: "503", 4: "504"}}, "done"),
        "429 with Retry-After": ({"calls": {1: "429", 2: "429"}, "retry_after": 1.5}, "done"),
        "THROTTLED storm": ({"rates": {"throttled": 0.5}}, "done"),
        "dropped connections": ({"calls": {1: "drop", 2: "drop"}}, "done"),
        "timeouts": ({"calls": {1: "latency:0.8", 2: "latency:0.8"}}, "done"),
        "mixed at random": (
            {"rates": {"500": 0.1, "drop": 0.1, "429": 0.05, "throttled": 0.1}},
            "done",
        ),
        "down after the first page": ({"calls": dict.fromkeys(range(2, 40), "503")}, "partial"),
        "down": ({"rates": {"503": 1.0}}, "failed"),
    }

    def test_faults_during_order_import(self):
        all_gids = []
        for number, (name, (faults, expected)) in enumerate(self.SCENARIOS.items()):
            with self.subTest(name):
                before = set(self.shop_orders().ids)
                gids = self.place_orders(ORDERS_PER_SCENARIO, random.Random(number))
                all_gids += gids
                self.sim.faults.configure(**faults)
                self.sleeps.clear()
                run = self.run_job("orders")
                self.sim.faults.clear()
                self.assertEqual(run.state, expected, self.errors_of(run))
                self.assert_status_is_explained(run)
                created = self.shop_orders().filtered(lambda s, b=before: s.id not in b)
                self.assertEqual(run.count_created, len(created))
                if expected == "done":
                    self.assertEqual(len(created), ORDERS_PER_SCENARIO)
                elif expected == "partial":
                    # the first page read (orders of earlier scenarios re-read in the
                    # overlap, then new ones) is imported and kept
                    self.assertEqual(run.count_created + run.count_unchanged, ORDERS_PER_PAGE)
                    self.assertIn("stopped before the end", " ".join(self.errors_of(run)))
                else:
                    self.assertFalse(created)
                    self.assertIn("internal error", self.errors_of(run)[0])
                if "Retry-After" in name:
                    self.assertEqual(self.sleeps.count(1.5), 2, "Retry-After is obeyed")
                again = self.run_job("orders")
                self.assertEqual(again.state, "done", self.errors_of(again))
                self.assert_orders_imported_once(all_gids)


class TestStockPushUnderFaults(SimulatorCase):
    """Invariant: whatever the faults during a stock push, the run's status
    tells what happened, and a re-run leaves in Shopify exactly what Odoo can
    deliver for every variant; nothing is ever published above it."""

    SCENARIOS = {
        "5xx": {"calls": {1: "500", 2: "503", 3: "502", 4: "504"}},
        "429 with Retry-After": {"calls": {1: "429", 2: "429"}, "retry_after": 2.0},
        "THROTTLED storm": {"rates": {"throttled": 0.5}},
        "dropped connections": {"calls": {2: "drop", 3: "drop"}},
        "timeouts": {"calls": {2: "latency:0.8", 3: "latency:0.8"}},
        "mixed at random": {"rates": {"500": 0.1, "drop": 0.1, "429": 0.05, "throttled": 0.1}},
        "down": {"rates": {"503": 1.0}},
    }

    def assert_shopify_has_odoo_quantities(self):
        for sku in self.skus:
            committed = self.sim.quantity(sku, "committed", LOCATION_GID)
            self.assertEqual(
                self.sim.available(sku, LOCATION_GID), self.on_hand[sku] - committed, sku
            )

    def test_faults_during_stock_push(self):
        rng = random.Random(5)
        for name, faults in self.SCENARIOS.items():
            with self.subTest(name):
                for sku in self.skus:
                    self.add_stock(sku, rng.randint(1, 4))
                self.sim.faults.configure(**faults)
                run = self.run_job("stock_all")
                self.sim.faults.clear()
                self.assert_status_is_explained(run)
                if name == "down":
                    self.assertEqual(run.state, "failed")
                else:
                    self.assertEqual(run.state, "done", self.errors_of(run))
                for sku in self.skus:
                    self.assertLessEqual(self.promised(sku), self.on_hand[sku], sku)
                again = self.run_job("stock_changed")
                self.assertEqual(again.state, "done", self.errors_of(again))
                self.assert_shopify_has_odoo_quantities()
        # Every write carried an idempotency key: answers lost after Shopify
        # applied a write were answered from the key, never applied twice.
        self.assertGreater(self.sim.counters["idempotent_replays"], 0)

    def test_stale_compare_and_swap_is_reread_and_rewritten(self):
        """Invariant: when Shopify's figure changed since the connector last
        wrote it (an order, a merchant's edit), the compare-and-swap refuses
        the write, the item is read again and Odoo's figure is written."""
        self.assertEqual(self.run_job("stock_all").state, "done")
        self.assert_shopify_has_odoo_quantities()
        self.sim.set_quantity(self.skus[0], 99, location=LOCATION_GID)  # merchant's edit
        self.sim.place_order(lines=[{"sku": self.skus[1], "quantity": 2}])
        self.sim.reset_counters()
        run = self.run_job("stock_all")
        self.assertEqual(run.state, "done", self.errors_of(run))
        self.assert_shopify_has_odoo_quantities()
        self.assertEqual(
            self.sim.available(self.skus[0], LOCATION_GID), self.on_hand[self.skus[0]]
        )
        # the order was imported and reserved before the push: 20 - 2 published
        self.assertEqual(self.sim.available(self.skus[1], LOCATION_GID), 18)
        self.assertGreaterEqual(self.sim.counters["mutations"], 2, "refused as stale, resent")


class TestOversell(SimulatorCase):
    def test_customers_buying_during_pushes_never_oversell(self):
        """Invariant: while customers keep buying in Shopify and stock pushes
        run, at no moment does Shopify hold more units (available plus those
        committed to orders) than Odoo has, so no customer can buy a unit
        Odoo cannot deliver; after the last push Shopify offers exactly what
        is left."""
        stop = threading.Event()
        violations = []
        sold = []
        sim = self.sim

        def customers():
            rng = random.Random(3)
            while not stop.is_set() and len(sold) < MAX_CUSTOMER_ORDERS:
                sku = rng.choice(self.skus)
                quantity = rng.randint(1, 3)
                with sim.lock:  # the storefront checks and sells at once
                    if sim.available(sku, LOCATION_GID) >= quantity:
                        sim.place_order(
                            lines=[{"sku": sku, "quantity": quantity}],
                            customer=rng.choice(self.customers),
                        )
                        sold.append((sku, quantity))
                time.sleep(0.03)

        def monitor():
            while not stop.is_set():
                with sim.lock:
                    for sku in self.skus:
                        promised = self.promised(sku)
                        if promised > self.on_hand[sku]:
                            violations.append((sku, promised, self.on_hand[sku]))
                time.sleep(0.002)

        # Shopify starts with less than Odoo (3 of 20): the first push publishes.
        threads = [threading.Thread(target=customers), threading.Thread(target=monitor)]
        for thread in threads:
            thread.start()
        try:
            for number in range(4):
                run = self.run_job("stock_all" if number % 2 else "stock_changed")
                self.assertIn(run.state, ("done", "partial"), self.errors_of(run))
        finally:
            stop.set()
            for thread in threads:
                thread.join()
        self.assertEqual(len(violations), 0, violations[:5])
        self.assertTrue(sold, "customers bought during the pushes")
        run = self.run_job("stock_all")
        self.assertEqual(run.state, "done", self.errors_of(run))
        for sku in self.skus:
            units = sum(q for s, q in sold if s == sku)
            self.assertLessEqual(units, self.on_hand[sku], sku)
            self.assertEqual(self.sim.available(sku, LOCATION_GID), self.on_hand[sku] - units)


class TestPricePushUnderFaults(SimulatorCase):
    """Invariant: whatever the faults during a price push, a price is either
    written or reported as not pushed (with the reason, "may have been
    applied" when the answer was lost); a re-run of "update prices" then
    writes every price that was not confirmed, and Shopify ends with the
    pricelist's prices."""

    SCENARIOS = {
        "5xx": {"calls": {1: "500"}},
        "429 with Retry-After": {"calls": {1: "429", 2: "429"}, "retry_after": 1.0},
        "THROTTLED storm": {"rates": {"throttled": 0.5}},
        "dropped connection": {"calls": {1: "drop"}},
        "timeout": {"calls": {1: "latency:0.8"}},
        "down": {"rates": {"503": 1.0}},
    }

    def prices_in_shopify(self):
        return [self.sim.variant(sku)["price"] for sku in self.skus]

    def test_faults_during_price_push(self):
        for number, (name, faults) in enumerate(self.SCENARIOS.items()):
            with self.subTest(name):
                self.pricelist.item_ids.write({"fixed_price": 20.0 + number})
                self.sim.faults.configure(**faults)
                run = self.run_job("prices")
                self.sim.faults.clear()
                self.assert_status_is_explained(run)
                self.assertEqual(run.count_updated + run.count_failed, len(self.skus))
                if name in ("429 with Retry-After", "THROTTLED storm"):
                    self.assertEqual(run.state, "done")
                elif name in ("timeout", "dropped connection", "5xx"):
                    self.assertIn("may or may not have been applied", self.errors_of(run)[0])
                again = self.run_job("prices")
                self.assertEqual(again.state, "done", self.errors_of(again))
                self.assertEqual(again.count_updated, run.count_failed)
                self.assertEqual(self.prices_in_shopify(), [f"{20 + number}.00"] * len(self.skus))


class TestCredentials(SimulatorCase):
    """Security of the connection. Another company's shop is out of reach of a
    user: ``test_access.py`` (record rules on shops, runs and mappings)."""

    def secrets(self):
        return [self.sim.access_token, self.sim.client_secret, "shpat_wrong_0123456789abcdef"]

    def assert_no_secret_in(self, texts):
        for text in texts:
            for secret in self.secrets():
                self.assertNotIn(secret, text or "")

    def test_wrong_credentials_fail_clearly_leave_nothing_and_are_never_logged(self):
        """Invariant: a refused token or client secret ends the run as failed
        with a message that names the cause, creates no sale order, location
        or order mark, and no secret (the wrong one or the right one) appears
        in any log record at DEBUG, in run messages or in the shop's chatter."""
        self.place_orders(3)
        with (
            self.assertLogs(level="DEBUG") as logs,
            self.assertLogs("odoo.addons.shopify_connector", level="DEBUG") as own_logs,
        ):
            self.shop.access_token = "shpat_wrong_0123456789abcdef"
            run = self.run_job("orders")
            self.assertEqual(run.state, "failed")
            self.assertIn("refused the access token", self.errors_of(run)[0])
            self.assertEqual(run.failure_code, "authentication")
            self.assertFalse(self.shop_orders())
            self.assertFalse(self.shop.order_fetched_until)

            self.shop.action_test_connection()
            self.assertEqual(self.shop.state, "error")
            self.assertIn("access token", self.shop.connection_message)
            self.assertEqual(len(self.shop.location_ids), 1, "no location read")

            self.shop.write(
                {
                    "auth_method": "client_credentials",
                    "client_id": self.sim.client_id,
                    "client_secret": "shpss_wrong_secret_0123456789",
                }
            )
            run = self.run_job("orders")
            self.assertEqual(run.state, "failed")
            self.assertIn("client ID or secret", self.errors_of(run)[0])
            self.assertFalse(self.shop_orders())

            # the right credentials: works, and still nothing secret is logged
            self.shop.client_secret = self.sim.client_secret
            run = self.run_job("orders")
            self.assertEqual(run.state, "done", self.errors_of(run))
            self.assertEqual(len(self.shop_orders()), 3)
        records = [r.getMessage() for r in logs.records + own_logs.records]
        self.assertTrue(any("OrdersPage" in r for r in records), "the calls are logged")
        self.assert_no_secret_in(records)
        messages = self.env["shopify.run.message"].search([("shop_id", "=", self.shop.id)])
        self.assert_no_secret_in(messages.mapped("message"))
        self.assert_no_secret_in(self.shop.run_ids.mapped("summary"))
        self.assert_no_secret_in(self.shop.message_ids.mapped("body"))
        tracked = self.shop.message_ids.tracking_value_ids
        self.assert_no_secret_in(
            tracked.mapped("old_value_char") + tracked.mapped("new_value_char")
        )

    def test_missing_credentials_are_asked_for_before_any_call(self):
        """Invariant: a shop without token (or without client secret) fails
        its run with a message saying what to enter, without calling Shopify."""
        self.shop.access_token = False
        self.sim.reset_counters()
        run = self.run_job("orders")
        self.assertEqual(run.state, "failed")
        self.assertIn("has no Admin API access token", self.errors_of(run)[0])
        self.shop.write(
            {"auth_method": "client_credentials", "client_id": "x", "client_secret": False}
        )
        run = self.run_job("stock_changed")
        self.assertEqual(run.state, "failed")
        self.assertIn("client ID and the client secret", self.errors_of(run)[0])
        self.assertEqual(self.sim.counters["calls"], 0)
        self.assertFalse(self.shop_orders())
