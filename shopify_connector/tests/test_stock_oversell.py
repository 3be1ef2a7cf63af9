"""No oversell at scale: committed units subtracted order by order, items that
stay stale left safe, drift read from Shopify written back, honest logs."""

from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools.translate import code_translations

from ..shopify_api import stock
from ..shopify_api.errors import ServerError
from .test_reliability import LOCATION_GID, SimulatorCase
from .test_stock_sync import FakeInventory, StockCase


@tagged("post_install", "-at_install")
class TestCommittedPerOrder(SimulatorCase):
    products_count = 3

    def test_order_shipped_in_shopify_does_not_cover_an_unimported_one(self):
        sku = self.skus[0]
        self.shop.write({"order_fulfillment_validate": False, "order_financial_statuses": "paid"})
        shipped = self.sim.place_order(lines=[{"sku": sku, "quantity": 1}])
        run = self.run_job("orders")
        self.assertEqual(run.state, "done", self.errors_of(run))
        sale = self.env["sale.order"].search([("shopify_order_gid", "=", shipped)])
        self.assertEqual(sale.state, "sale")
        reserved = sum(sale.order_line.move_ids.move_line_ids.mapped("quantity"))
        self.assertEqual(reserved, 1)
        # Shipped in Shopify (Odoo's delivery stays open and reserved), and an
        # order whose payment is only authorised: not imported, its unit committed.
        self.sim.fulfill(shipped)
        self.sim.place_order(lines=[{"sku": sku, "quantity": 1}], financial_status="AUTHORIZED")
        self.assertEqual(self.sim.quantity(sku, "committed", LOCATION_GID), 1)

        run = self.run_job("stock_all")
        self.assertEqual(run.state, "done", self.errors_of(run))
        sale.invalidate_recordset()
        self.assertEqual(sale.shopify_fulfillment_status, "FULFILLED")
        self.assertEqual(sale.picking_ids.filtered(lambda p: p.state != "done").state, "assigned")
        # Odoo can deliver 20 - 1 (reserved for the shipped order) = 19, less the
        # unit Shopify committed for the unimported order: 18 (netting gave 19).
        self.assertEqual(self.sim.available(sku, LOCATION_GID), 18)
        variant = self.env["shopify.variant"].search([("sku", "=", sku)])
        self.assertEqual(variant.stock_odoo_qty, 18)

    def test_imported_unshipped_order_is_not_subtracted_twice(self):
        sku = self.skus[1]
        self.sim.place_order(lines=[{"sku": sku, "quantity": 2}])
        self.sim.place_order(lines=[{"sku": sku, "quantity": 1}], financial_status="AUTHORIZED")
        run = self.run_job("stock_all")
        self.assertEqual(run.state, "done", self.errors_of(run))
        # 20 on hand - 2 reserved for the imported order - 1 committed for the other
        self.assertEqual(self.sim.available(sku, LOCATION_GID), 17)


class AlwaysBuying:
    """A customer buys one unit of ``item`` before every write of its quantity."""

    def __init__(self, fake, item):
        self.fake, self.item = fake, item

    def __call__(self):
        level = self.fake.levels[self.item]
        level["available"] -= 1
        level["committed"] += 1
        self.fake.before_set = self


@tagged("post_install", "-at_install")
class TestStaleAndDrift(StockCase):
    def test_stale_items_are_left_safe_and_repaired_first(self):
        for product in self.products:
            self.put(product, 10)
        self.push("all")
        self.put(self.products[2], -6)  # Odoo sold 6 elsewhere: Shopify must follow
        self.fake.before_set = AlwaysBuying(self.fake, self.item(2))
        run = self.push("changed")
        self.fake.before_set = None
        committed = self.fake.levels[self.item(2)]["committed"]
        self.assertGreater(committed, 3, "stale in every round")
        # never more than Odoo can deliver (4) minus the unimported orders' units
        self.assertLessEqual(self.fake.available(self.item(2)), 4 - committed)
        adjust = [c for c in self.fake.calls if c[0] == "StockAdjustQuantities"]
        self.assertEqual(len(adjust), 1)
        self.assertNotIn("changeFromQuantity", adjust[0][1]["input"]["changes"][0])
        self.assertFalse(self.variants[2].shopify_stock_at, "left unknown: read next time")
        notes = run.message_ids.filtered(lambda m: m.reference == "SKU-2")
        self.assertEqual(notes.level, "warning")
        self.assertIn("corrected by the difference", notes.message)

        # The next changed push reads it and writes it first, with compare-and-swap.
        self.put(self.products[0], 1)
        calls = len(self.fake.calls)
        self.fake.levels[self.item(2)]["available"] += 5  # a merchant's edit meanwhile
        run = self.push("changed")
        self.assertEqual(run.state, "done", run.message_ids.mapped("message"))
        sent = [c for c in self.fake.calls[calls:] if c[0] == "StockSetQuantities"]
        items = [q["inventoryItemId"] for q in sent[0][1]["input"]["quantities"]]
        self.assertEqual(items[0], self.item(2))
        self.assertEqual(self.fake.available(self.item(2)), max(0, 4 - committed))
        self.assertEqual(self.fake.available(self.item(0)), 11)
        self.assertTrue(self.variants[2].shopify_stock_at)

    def test_quantity_raised_in_shopify_is_corrected_by_changed_push(self):
        for product in self.products:
            self.put(product, 4)
        self.push("changed")
        # Raised by hand in Shopify: +47 units over three SKUs, one of them with
        # units committed to an order Odoo does not know (read by every push).
        self.fake.levels[self.item(0)]["available"] += 20
        self.fake.levels[self.item(1)]["available"] += 17
        self.fake.levels[self.item(2)] = {"available": 4 + 10 - 1, "committed": 1}
        self.shop.action_stock_compare()  # Shopify's figures read, nothing written
        self.assertFalse(self.fake.set_calls()[1:])
        run = self.push("changed")
        self.assertEqual(run.state, "done", run.message_ids.mapped("message"))
        self.assertEqual(
            [self.fake.available(self.item(n)) for n in range(3)], [4, 4, 3], "nothing oversold"
        )
        self.assertEqual(run.count_updated, 3)
        run = self.push("changed")
        self.assertEqual(run.count_unchanged, 3)


@tagged("post_install", "-at_install")
class TestHonestLog(StockCase):
    def test_repeated_messages_are_grouped_with_a_count(self):
        extra = self.env["product.product"].create(
            [{"name": f"Artikel {n}", "is_storable": True} for n in range(5)]
        )
        self.env["shopify.variant"].create(
            [
                {
                    "shop_id": self.shop.id,
                    "shopify_variant_gid": f"gid://shopify/ProductVariant/y{n}",
                    "inventory_item_gid": self.item(50 + n),
                    "sku": f"NEU-{n}",
                    "product_id": product.id,
                }
                for n, product in enumerate(extra)
            ]
        )  # none stocked at the location
        run = self.push("all")
        self.assertEqual(run.count_skipped, 5)
        skipped = run.message_ids.filtered(lambda m: "not stocked" in m.message)
        self.assertEqual(len(skipped), 1)
        self.assertIn("5 variants", skipped.message)
        self.assertIn("NEU-0, NEU-1, NEU-2", skipped.message)

    def test_a_refused_batch_is_one_message(self):
        def refuse(variables):
            errors = [{"field": ["input"], "message": "Try again later", "code": "INTERNAL"}]
            return {
                "inventorySetQuantities": {"inventoryAdjustmentGroup": None, "userErrors": errors}
            }

        self.fake._StockSetQuantities = refuse
        for product in self.products:
            self.put(product, 2)
        run = self.push("all")
        self.assertEqual(run.count_failed, 3)
        errors = run.message_ids.filtered(lambda m: m.level == "error")
        self.assertEqual(len(errors), 1, errors.mapped("message"))
        self.assertIn("3 variants", errors.message)
        self.assertIn("Try again later", errors.message)

    def test_every_reason_code_has_a_sentence(self):
        error = ServerError("HTTP 503", status=503)
        args = {"errors": "Shopify-Text", "error": error}
        texts = {code: self.shop._stock_reason_text(code, args) for code in stock.REASONS}
        for code, text in texts.items():
            self.assertNotEqual(text, code)
            self.assertTrue(text.endswith((".", "Shopify-Text")), text)
        self.assertEqual(len(set(texts.values())), len(texts), "one sentence per reason")
        # Shopify's own text quoted as sent; the stopping error in the client's words
        self.assertTrue(texts[stock.LINE_REFUSED].endswith(": Shopify-Text"))
        self.assertIn(self.shop._shopify_error_message(error), texts[stock.NOT_SENT])

    def test_reasons_reach_the_log_in_the_user_s_language(self):
        german = {
            "Shopify refused the quantity: %(errors)s": (
                "Shopify hat die Menge abgelehnt: %(errors)s"
            ),
            "The variant is not stocked at the Shopify location.": (
                "Die Variante ist am Shopify-Standort nicht vorrätig."
            ),
        }
        self.env["res.lang"]._activate_lang("de_DE")
        key = ("shopify_connector", "de_DE")
        known = code_translations.get_python_translations(*key)
        self.startPatcher(
            patch.dict(code_translations.python_translations, {key: {**known, **german}})
        )
        original = FakeInventory._StockSetQuantities

        def refuse_second(variables):
            quantities = variables["input"]["quantities"]
            if quantities[0]["inventoryItemId"] != self.item(0) or len(quantities) < 2:
                return original(self.fake, variables)
            error = {
                "field": ["input", "quantities", "1", "quantity"],
                "message": "Menge größer als erlaubt",
                "code": "INVALID_QUANTITY",
            }
            return {
                "inventorySetQuantities": {"inventoryAdjustmentGroup": None, "userErrors": [error]}
            }

        self.fake._StockSetQuantities = refuse_second
        del self.fake.levels[self.item(2)]  # not stocked at the location
        for product in self.products:
            self.put(product, 3)
        run = self.shop.with_context(lang="de_DE")._run_job("stock_all")
        self.assertEqual((run.count_updated, run.count_failed, run.count_skipped), (1, 1, 1))
        by_sku = {m.reference: m for m in run.message_ids}
        # Shopify's own text stays as Shopify sent it, inside the translated sentence
        self.assertEqual(
            by_sku["SKU-1"].message, "Shopify hat die Menge abgelehnt: Menge größer als erlaubt"
        )
        self.assertEqual(by_sku["SKU-1"].level, "error")
        self.assertEqual(
            by_sku["SKU-2"].message, "Die Variante ist am Shopify-Standort nicht vorrätig."
        )
        self.assertEqual(self.variants[1].stock_note, by_sku["SKU-1"].message)
        self.assertEqual(self.variants[2].stock_note, by_sku["SKU-2"].message)
        self.assertFalse(self.variants[0].stock_note)


@tagged("post_install", "-at_install")
class TestDifferencesNow(StockCase):
    def test_differences_compare_shopify_with_what_odoo_would_publish_now(self):
        self.put(self.products[0], 9)
        self.push("all")
        Discrepancy = self.env["shopify.stock.discrepancy"]
        self.assertFalse(Discrepancy.search([("shop_id", "=", self.shop.id)]))
        # Odoo's stock falls after the push (a sale elsewhere), no push since
        self.put(self.products[0], -5)
        action = Discrepancy._action_open_current()
        self.assertEqual(action["res_model"], "shopify.stock.discrepancy")
        row = Discrepancy.search([("shop_id", "=", self.shop.id)])
        self.assertEqual(row.sku, "SKU-0")
        self.assertEqual((row.odoo_qty, row.shopify_available, row.oversellable), (4, 9, 5))
        self.assertFalse(self.fake.set_calls()[1:], "nothing written to Shopify")


class CommitPoints:
    """``commit`` and ``rollback`` of a background run inside the test's
    transaction: a commit sets a savepoint, a rollback returns to the last one,
    so that what a real rollback would drop is dropped."""

    def __init__(self, cr):
        self.cr, self.commits, self.rollbacks = cr, 0, 0
        self.commit()

    def commit(self):
        self.cr.flush()
        self.commits += 1
        self.cr.execute(f'SAVEPOINT "background_commit_{self.commits}"')

    def rollback(self):
        self.rollbacks += 1
        self.cr.clear()
        self.cr.execute(f'ROLLBACK TO SAVEPOINT "background_commit_{self.commits}"')


@tagged("post_install", "-at_install")
class TestFetchBeforePush(StockCase):
    """The order fetch before a push fails (503 until the retries are spent):
    its run stays with its final state, and the push goes on publishing what
    cannot oversell with orders that may be out of date."""

    def setUp(self):
        super().setUp()
        self.put(self.products[0], 10)
        self.shop_order(self.products[0], 2)  # imported, reserved, not shipped
        self.fake.stock(self.item(0), available=8, committed=2)

    def order_runs(self):
        return self.env["shopify.run"].search(
            [("shop_id", "=", self.shop.id), ("job", "=", "orders")]
        )

    def assert_fetch_failed_and_push_safe(self, run, order_run):
        self.assertEqual(order_run.state, "failed")
        self.assertTrue(order_run.ended_at)
        self.assertEqual(order_run.failure_code, "server_error")
        self.assertEqual(len(order_run.message_ids), 1)
        self.assertEqual(order_run.message_ids.level, "error")
        # 503 answered until the client's retries were spent, one wait each
        asked = len([c for c in self.fake.calls if c[0] == "OrdersPage"])
        self.assertGreater(asked, 2)
        self.assertEqual(len(self.sleeps), asked - 1)
        self.assertEqual(order_run.api_calls, asked)
        self.assertEqual(run.state, "done", run.message_ids.mapped("message"))
        warning = run.message_ids.filtered(lambda m: m.level == "warning")
        self.assertIn("could not be fetched", warning.message)
        self.assertIn(order_run.name, warning.message)
        # all of Shopify's committed units subtracted, the imported order's too:
        # 10 - 2 reserved - 2 committed (publishing less, never more)
        self.assertEqual(self.fake.available(self.item(0)), 6)

    def test_failed_fetch_keeps_its_run_in_a_synchronous_push(self):
        self.fake.unavailable.add("OrdersPage")
        run = self.push("changed")
        order_run = self.order_runs()
        self.assertEqual(len(order_run), 1, "the fetch's run is kept")
        self.assert_fetch_failed_and_push_safe(run, order_run)

        # Shopify answers again: the imported order covers its units again.
        self.fake.unavailable.clear()
        run = self.push("changed")
        self.assertEqual(self.order_runs()[:1].state, "done")
        self.assertFalse(run.message_ids.filtered(lambda m: m.level == "warning"))
        self.assertEqual(self.fake.available(self.item(0)), 8)

    def test_failed_fetch_keeps_its_run_in_a_background_push(self):
        self.fake.unavailable.add("OrdersPage")
        points = CommitPoints(self.env.cr)
        with (
            patch.object(self.env.cr, "commit", points.commit),
            patch.object(self.env.cr, "rollback", points.rollback),
        ):
            run = self.shop.with_context(shopify_commit=True)._run_job("stock_changed")
            self.assertEqual(points.rollbacks, 1, "the failed fetch rolled back its part")
            order_run = self.order_runs()
            self.assertEqual(len(order_run), 1, "the fetch's run is kept")
            self.assert_fetch_failed_and_push_safe(run, order_run)
            # A crash now loses nothing of the fetch's run: its final state was
            # committed when the fetch ended.
            self.env.flush_all()
            points.rollback()
        order_run = self.order_runs()
        self.assertEqual(len(order_run), 1)
        self.assertEqual((order_run.state, order_run.failure_code), ("failed", "server_error"))
        self.assertEqual(order_run.message_ids.level, "error")
