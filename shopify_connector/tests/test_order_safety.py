"""One bad order never hurts the others; an adjustment line is for rounding
only; Shopify's texts are plain text of a sane size.

Each test sends the attack as it was tried through the real import (an
orders page answered by ``responses``) next to the legitimate case.
"""

import copy
import json
from unittest.mock import patch

from odoo.tools import mute_logger

from ..models.sale_order_import import ShopifyOrderImporter
from ..shopify_api.orders import NOTE_MAX, TAG_MAX, TEXT_MAX
from ..shopify_api.text import REPLACEMENT, TRUNCATED
from .order_fixtures import order_node
from .test_order_import import OrderCase

CHECKS_LOGGER = "odoo.addons.shopify_connector.models.sale_order_checks"
HTML = '<a href="https://evil">x</a><img src=x>'


class Unprintable(Exception):
    """An exception whose text cannot be made."""

    def __str__(self):
        raise RuntimeError("no text")

    def __repr__(self):
        raise RuntimeError("no repr")


def with_total(node, amount):
    """``node`` whose total in Shopify is ``amount`` (what Odoo must reach)."""
    node["totalPriceSet"]["shopMoney"]["amount"] = amount
    node["currentTotalPriceSet"]["shopMoney"]["amount"] = amount
    return node


class SafetyCase(OrderCase):
    def setUp(self):
        super().setUp()
        self.shop._ensure_order_service_products()

    def adjustment(self, sale):
        return sale.order_line.filtered(
            lambda line: line.product_id == self.shop.order_adjustment_product_id
        )

    def messages(self, run, level=None):
        return run.message_ids.filtered(lambda m: not level or m.level == level)


class TestOneBadOrderFailsAlone(SafetyCase):
    def test_order_name_with_a_lone_surrogate_is_imported_and_the_page_goes_on(self):
        # what json.loads makes of Shopify's "#10\udc80"
        bad = order_node("simple_paid")
        bad["name"] = json.loads('"#10\\udc80"')
        bad["lineItems"]["nodes"][0]["name"] = json.loads('"Shirt \\ud800 M"')
        run = self.fetch(bad, order_node("percentage_discount"))
        self.assertEqual(run.state, "done", run.message_ids.mapped("message"))
        self.assertEqual(run.count_created, 2)
        sale = self.sale("#10" + REPLACEMENT)
        self.assertEqual(sale.state, "sale")
        self.assertEqual(sale.order_line[0].name, "Shirt " + REPLACEMENT + " M")
        self.assertTrue(self.sale("#1002"))

    def test_run_log_stores_any_text(self):
        run = self.fetch(order_node("simple_paid"))
        message = run._log(
            "broken \udc80 text\x00 with a bell\x07 " + "x" * 20_000,
            reference="#10\udc80\x00",
        )
        self.env.flush_all()
        message.invalidate_recordset()
        self.assertEqual(message.reference, f"#10{REPLACEMENT}{REPLACEMENT}")
        self.assertTrue(message.message.startswith(f"broken {REPLACEMENT} text{REPLACEMENT}"))
        self.assertTrue(message.message.endswith(TRUNCATED))
        self.assertLessEqual(len(message.message), 10_000)
        # usual text is stored as it is
        usual = run._log("Bestellung #1001: Grüße 🎁\n\tzweite Zeile", reference="#1001")
        self.env.flush_all()
        usual.invalidate_recordset()
        self.assertEqual(usual.message, "Bestellung #1001: Grüße 🎁\n\tzweite Zeile")

    def test_exception_without_text_fails_its_order_only(self):
        original = ShopifyOrderImporter._import_order

        def import_order(importer, order):
            if order["name"] == "#1001":
                raise Unprintable()
            return original(importer, order)

        with (
            patch.object(ShopifyOrderImporter, "_import_order", import_order),
            mute_logger(CHECKS_LOGGER),
        ):
            run = self.fetch(order_node("simple_paid"), order_node("percentage_discount"))
        self.assertEqual(run.state, "partial")
        self.assertEqual((run.count_failed, run.count_created), (1, 1))
        error = self.messages(run, "error")
        self.assertEqual(error.reference, "#1001")
        self.assertIn("unexpected error", error.message)
        self.assertIn("Unprintable", error.message)
        self.assertFalse(self.sale("#1001"))
        self.assertEqual(self.sale("#1002").state, "sale")

    def test_unexpected_error_while_reading_an_order_fails_it_alone(self):
        original = ShopifyOrderImporter.import_page.__globals__["normalize_order"]

        def normalize(node, *args, **kwargs):
            if node.get("name") == "#1001":
                raise TypeError("parser bug \udc80")
            return original(node, *args, **kwargs)

        with (
            patch.dict(ShopifyOrderImporter.import_page.__globals__, normalize_order=normalize),
            mute_logger(CHECKS_LOGGER),
        ):
            run = self.fetch(order_node("simple_paid"), order_node("percentage_discount"))
        self.assertEqual((run.count_failed, run.count_created), (1, 1))
        error = self.messages(run, "error")
        self.assertIn("TypeError: parser bug " + REPLACEMENT, error.message)
        self.assertTrue(self.sale("#1002"))

    def test_failure_that_cannot_even_be_logged_does_not_stop_the_run(self):
        Run = type(self.env["shopify.run"])
        original = Run._log

        def log(run, message, level="error", reference=None, record=None):
            if level == "error" and reference == "#1001":
                raise ValueError("the run log is broken")
            return original(run, message, level=level, reference=reference, record=record)

        with (
            patch.object(Run, "_log", log),
            patch.object(ShopifyOrderImporter, "_import_order", side_effect=Unprintable()),
            mute_logger(CHECKS_LOGGER),
        ):
            run = self.fetch(order_node("simple_paid"), order_node("percentage_discount"))
        self.assertEqual(run.count_failed, 2)
        self.assertEqual(run.state, "failed")
        # the second failure is in the run
        self.assertEqual(self.messages(run, "error").reference, "#1002")


class TestAdjustmentIsForRoundingOnly(SafetyCase):
    def test_repeated_line_ids_fail_the_order_and_create_nothing(self):
        # the attack: Shopify's lines repeated, total kept (Odoo was 111.80 too high)
        bad = order_node("tax_included_de_19_7")
        lines = bad["lineItems"]["nodes"]
        lines.extend(copy.deepcopy(lines))
        counts = {
            model: self.env[model].search_count([])
            for model in ("sale.order", "res.partner", "product.product", "crm.tag")
        }
        run = self.fetch(bad)
        self.assertEqual(run.state, "failed")
        error = self.messages(run, "error")
        self.assertIn("#1005", error.message)
        self.assertIn("appears more than once", error.message)
        for model, count in counts.items():
            self.assertEqual(self.env[model].search_count([]), count, model)
        # the same order with its lines once is imported
        run = self.fetch(order_node("tax_included_de_19_7"))
        self.assertEqual(run.count_created, 1, run.message_ids.mapped("message"))
        self.assertEqual(self.sale("#1005").state, "sale")

    def test_many_lines_with_shopify_total_unchanged_leave_a_flagged_quotation(self):
        # the attack: many lines added, Shopify's total that of the original two
        node = order_node("simple_paid")
        template = node["lineItems"]["nodes"][0]
        node["lineItems"]["nodes"] = [
            dict(copy.deepcopy(template), id=f"gid://shopify/LineItem/{70_000 + n}")
            for n in range(300)
        ]
        run = self.fetch(node)
        self.assertEqual(run.count_created, 1, run.message_ids.mapped("message"))
        sale = self.sale("#1001")
        self.assertEqual(sale.state, "draft")
        self.assertTrue(sale.shopify_total_mismatch)
        self.assertFalse(self.adjustment(sale))
        self.assertAlmostEqual(sale.amount_total, 300 * 39.98 + 4.90, places=2)
        activity = sale.activity_ids.filtered(lambda a: a.summary == "Total differs from Shopify")
        self.assertEqual(len(activity), 1)
        for figure in ("57.38", f"{300 * 39.98 + 4.90:.2f}"):
            self.assertIn(figure, str(activity.note))
            self.assertIn(figure, self.messages(run, "warning").message)

    def test_difference_up_to_a_cent_per_line_plus_one_is_adjusted(self):
        # 2 product lines and shipping: at most 4 cents by default
        run = self.fetch(with_total(order_node("simple_paid"), "57.42"))
        sale = self.sale("#1001")
        self.assertEqual(sale.state, "sale", run.message_ids.mapped("message"))
        self.assertAlmostEqual(self.adjustment(sale).price_unit, 0.04, places=2)
        self.assertAlmostEqual(sale.amount_total, 57.42, places=2)
        self.assertFalse(sale.shopify_total_mismatch)
        self.assertFalse(sale.activity_ids)

    def test_one_cent_more_than_the_bound_is_flagged_not_absorbed(self):
        run = self.fetch(with_total(order_node("simple_paid"), "57.43"))
        sale = self.sale("#1001")
        self.assertEqual(sale.state, "draft")
        self.assertFalse(self.adjustment(sale))
        self.assertAlmostEqual(sale.amount_total, 57.38, places=2)
        self.assertTrue(sale.shopify_total_mismatch)
        warning = self.messages(run, "warning").message
        self.assertIn("57.43", warning)
        self.assertIn("57.38", warning)
        self.assertIn("0.04", warning)  # the bound
        # a later fetch (paid, changed) does not confirm it: a person does
        later = with_total(order_node("simple_paid", updatedAt="2026-03-05T10:00:00Z"), "57.43")
        self.fetch(later)
        self.assertEqual(sale.state, "draft")
        self.assertEqual(len(sale.activity_ids), 1)
        sale.action_confirm()
        self.assertEqual(sale.state, "sale")

    def test_the_bound_per_line_is_a_shop_setting(self):
        self.shop.order_adjustment_units_per_line = 3  # 3 x 3 + 1 cents
        self.fetch(with_total(order_node("simple_paid"), "57.48"))
        sale = self.sale("#1001")
        self.assertEqual(sale.state, "sale")
        self.assertAlmostEqual(self.adjustment(sale).price_unit, 0.10, places=2)

    def test_an_edit_never_grows_the_adjustment_beyond_rounding(self):
        self.fetch(with_total(order_node("simple_paid"), "57.39"))
        sale = self.sale("#1001")
        adjustment = self.adjustment(sale)
        self.assertAlmostEqual(adjustment.price_unit, 0.01, places=2)
        # a real edit: one shirt fewer, Shopify's current total follows
        edited = with_total(order_node("simple_paid", updatedAt="2026-03-03T10:00:00Z"), "57.39")
        edited["lineItems"]["nodes"][0]["currentQuantity"] = 1
        edited["currentTotalPriceSet"]["shopMoney"]["amount"] = "37.40"
        self.fetch(edited)
        self.assertEqual(sale.order_line[0].product_uom_qty, 1)
        self.assertAlmostEqual(adjustment.price_unit, 0.01, places=2)
        self.assertAlmostEqual(sale.amount_total, 37.40, places=2)
        self.assertFalse(sale.shopify_total_mismatch)
        # the attack: another edit whose totals are 100 off
        attack = copy.deepcopy(edited)
        attack["updatedAt"] = "2026-03-04T10:00:00Z"
        attack["lineItems"]["nodes"][1]["currentQuantity"] = 0
        attack["totalPriceSet"]["shopMoney"]["amount"] = "157.39"
        run = self.fetch(attack)
        self.assertAlmostEqual(adjustment.price_unit, 0.0, places=2)
        self.assertTrue(sale.shopify_total_mismatch)
        self.assertAlmostEqual(sale.amount_total, 19.99 + 4.90, places=2)
        self.assertTrue(
            sale.activity_ids.filtered(lambda a: a.summary == "Total differs from Shopify")
        )
        self.assertIn("more than rounding explains", self.messages(run, "warning").message)


class TestShopifyTextIsPlainAndBounded(SafetyCase):
    def test_html_from_shopify_is_shown_as_text_in_to_dos_and_chatter(self):
        node = with_total(order_node("simple_paid", note=HTML), "99.00")
        node["name"] = f"#1001{HTML}"
        self.fetch(node)
        sale = self.sale(f"#1001{HTML}")
        self.assertEqual(sale.shopify_note, HTML)  # plain text, kept as it came
        activity = sale.activity_ids
        self.assertEqual(len(activity), 1)
        body = sale.message_ids.filtered(lambda m: "more than rounding" in m.body).body
        for html in (str(activity.note), str(body)):
            self.assertNotIn("<a ", html)
            self.assertNotIn("<img", html)
            self.assertIn("&lt;a href=", html)
            self.assertIn("&lt;img src=x&gt;", html)

    def test_flag_with_html_in_its_note_escapes_it(self):
        self.fetch(order_node("simple_paid"))
        sale = self.sale("#1001")
        sale._shopify_flag("Look", f"Line {HTML} changed")
        self.assertNotIn("<img", str(sale.activity_ids.note))
        self.assertIn("Line &lt;a href=", str(sale.activity_ids.note))
        # plain text stays readable
        self.assertIn("changed", str(sale.message_ids[:1].body))

    def test_huge_note_title_and_tag_are_shortened_and_the_order_imported(self):
        node = order_node("simple_paid", note="n" * (5 * 1024 * 1024))
        node["tags"] = ["VIP", "t" * 100_000]
        mug = node["lineItems"]["nodes"][1]
        mug.update(
            sku="NEW-SKU-1",
            variant={"id": "gid://shopify/ProductVariant/45000000009999"},
            title="T" * 300_000,
            name="N" * 300_000,
        )
        run = self.fetch(node)
        self.assertEqual(run.state, "done", run.message_ids.mapped("message"))
        sale = self.sale("#1001")
        self.assertEqual(sale.state, "sale")
        self.assertEqual(len(sale.shopify_note), NOTE_MAX)
        self.assertTrue(sale.shopify_note.endswith(TRUNCATED))
        self.assertEqual(max(len(tag) for tag in sale.tag_ids.mapped("name")), TAG_MAX)
        self.assertIn("VIP", sale.tag_ids.mapped("name"))
        line = sale.order_line[1]
        self.assertEqual(len(line.name), TEXT_MAX)
        self.assertLessEqual(len(line.product_id.name), TEXT_MAX)
        self.assertEqual(line.product_id.default_code, "NEW-SKU-1")
        warning = self.messages(run, "warning")
        self.assertEqual(len(warning), 1)
        self.assertIn("shortened", warning.message)
        self.assertIn(f"order note: {5 * 1024 * 1024} characters", warning.message)
        self.assertIn("a tag: 100000 characters", warning.message)
        self.assertIn("lines[1].title", warning.message)
        self.assertAlmostEqual(sale.amount_total, 57.38, places=2)

    def test_usual_texts_give_no_warning(self):
        node = order_node("simple_paid", note="Bitte klingeln: «Hinterhaus»", tags=["VIP"])
        run = self.fetch(node)
        warnings = self.messages(run, "warning")
        self.assertFalse(warnings, warnings.mapped("message"))
        self.assertEqual(self.sale("#1001").shopify_note, "Bitte klingeln: «Hinterhaus»")
