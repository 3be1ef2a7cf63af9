"""Bad input: malformed and extreme order payloads, property-based (hypothesis).

Every generated order goes through the real import (an orders page answered
by ``responses``, the importer, sale order creation and confirmation) inside
a savepoint that is rolled back after the example, so that examples do not
see each other's records.
"""

import copy
import json
from contextlib import closing

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .order_fixtures import order_node, orders_page
from .test_order_import import OrderCase

WATCHED_MODELS = ("res.partner", "product.product", "sale.order", "crm.tag", "shopify.variant")
EXAMPLES = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,  # no .hypothesis directory in the repository
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

BASE = order_node("simple_paid")
TOP_KEYS = sorted(BASE)
LINE_KEYS = sorted(BASE["lineItems"]["nodes"][0])
TEXT_PATHS = (
    ("name",),
    ("note",),
    ("email",),
    ("customer", "firstName"),
    ("customer", "lastName"),
    ("billingAddress", "city"),
    ("billingAddress", "address1"),
    ("shippingAddress", "name"),
    ("shippingAddress", "zip"),
)
LINE_TEXT_KEYS = ("name", "title", "sku")
unicode_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)),
    min_size=0,
    max_size=300,
)
missing = st.sampled_from(["null", "absent"])


@st.composite
def bad_orders(draw):
    """An order payload of Shopify's shape, damaged in one to four ways."""
    node = copy.deepcopy(BASE)
    node["id"] = f"gid://shopify/Order/{draw(st.integers(7_000_000, 7_999_999))}"
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(
            st.sampled_from(
                [
                    "top",
                    "line",
                    "unicode",
                    "line_unicode",
                    "quantity",
                    "many_lines",
                    "currency",
                    "amount",
                    "tags",
                ]
            )
        )
        lines = node["lineItems"]["nodes"] if isinstance(node.get("lineItems"), dict) else []
        if kind == "top":
            key = draw(st.sampled_from(TOP_KEYS))
            if draw(missing) == "null":
                node[key] = None
            else:
                node.pop(key, None)
        elif kind == "line" and lines:
            line = lines[draw(st.integers(0, len(lines) - 1))]
            key = draw(st.sampled_from(LINE_KEYS))
            if draw(missing) == "null":
                line[key] = None
            else:
                line.pop(key, None)
        elif kind == "unicode":
            path = draw(st.sampled_from(TEXT_PATHS))
            parent = node
            for key in path[:-1]:
                parent = parent.get(key) if isinstance(parent, dict) else None
            if isinstance(parent, dict):
                parent[path[-1]] = draw(unicode_text)
        elif kind == "line_unicode" and lines:
            line = lines[draw(st.integers(0, len(lines) - 1))]
            line[draw(st.sampled_from(LINE_TEXT_KEYS))] = draw(unicode_text)
        elif kind == "quantity" and lines:
            line = lines[draw(st.integers(0, len(lines) - 1))]
            quantity = draw(
                st.one_of(st.integers(0, 10**6), st.integers(2**31 - 2, 10**15), st.just(-1))
            )
            line["quantity"] = line["currentQuantity"] = quantity
        elif kind == "many_lines" and lines:
            count = draw(st.integers(250, 320))
            template = lines[0]
            node["lineItems"]["nodes"] = [
                dict(copy.deepcopy(template), id=f"gid://shopify/LineItem/{90_000 + n}")
                for n in range(count)
            ]
        elif kind == "currency":
            code = draw(st.sampled_from(["XXX", "ABC", "eur", "EURO", "", "€", "ZZZ"]))
            node["currencyCode"] = code
            for line in lines:
                for bag in ("originalUnitPriceSet",):
                    if isinstance(line.get(bag), dict):
                        line[bag]["shopMoney"]["currencyCode"] = code
        elif kind == "amount":
            value = draw(st.sampled_from(["1e400", "NaN", "-0.01", "99999999999999", "", "1,5"]))
            node["currentTotalPriceSet"] = {"shopMoney": {"amount": value, "currencyCode": "EUR"}}
        elif kind == "tags":
            node["tags"] = draw(st.lists(unicode_text, max_size=30))
    return node


class TestBadOrderPayloads(OrderCase):
    """Invariant: each malformed or extreme order is either imported correctly
    (one sale order, confirmed when paid, whose total is Shopify's to the cent;
    or, when the totals differ by more than rounding, a quotation flagged for
    review without adjustment line) or not imported with a message naming the
    order and saying why, and then leaves nothing behind: no sale order,
    partner, product, tag or variant mapping."""

    def setUp(self):
        super().setUp()
        self.shop._ensure_order_service_products()
        self.env.flush_all()

    def counts(self):
        return {model: self.env[model].search_count([]) for model in WATCHED_MODELS}

    def import_one(self, node):
        with closing(self.env.cr.savepoint()):
            before = self.counts()
            self.mock.reset()
            self.graphql(orders_page(node))
            run = self.shop._run_job("orders")
            self.check(run, node, before)
            self.env.flush_all()
        self.env.invalidate_all()

    def check(self, run, node, before):
        messages = run.message_ids.mapped("message")
        text = json.dumps(node, ensure_ascii=False)[:300]
        self.assertEqual(run.count_created + run.count_failed + run.count_skipped, 1, messages)
        if run.count_created:
            self.assertEqual(run.state, "done", messages)
            sale = self.env["sale.order"].search(
                [("shopify_shop_id", "=", self.shop.id), ("shopify_order_gid", "=", node["id"])]
            )
            self.assertEqual(len(sale), 1)
            if sale.shopify_total_mismatch:  # more than rounding: a person looks
                self.assertEqual(sale.state, "draft", text)
                self.assertFalse(
                    sale.order_line.product_id & self.shop.order_adjustment_product_id, text
                )
                self.assertTrue(sale.activity_ids, text)
                return
            # confirmed when Shopify says it is paid, a quotation otherwise
            paid = node.get("displayFinancialStatus") == "PAID"
            self.assertEqual(sale.state, "sale" if paid else "draft", text)
            self.assertEqual(
                sale.currency_id.compare_amounts(sale.amount_total, sale.shopify_total), 0, text
            )
            self.assertTrue(sale.order_line)
            return
        if run.count_failed:
            self.assertEqual(run.state, "failed", messages)
            errors = run.message_ids.filtered(lambda m: m.level == "error")
            self.assertEqual(len(errors), 1, messages)
            self.assertIn("was not imported", errors.message)
            self.assertNotIn("unexpected error", errors.message, text)
            label = node.get("name") if isinstance(node.get("name"), str) else None
            if label:
                self.assertIn(label, errors.message)
        after = self.counts()
        if run.count_skipped:
            # skipped orders create nothing either (e.g. nothing to ship)
            after["res.partner"] = before["res.partner"]
        self.assertEqual(after, before, f"records left by a rejected order: {text}")

    @EXAMPLES
    @given(bad_orders())
    def test_malformed_orders_are_imported_whole_or_rejected_clearly(self, node):
        self.import_one(node)

    @EXAMPLES
    @given(
        st.dictionaries(
            st.sampled_from(TOP_KEYS),
            st.one_of(st.none(), unicode_text, st.integers()),
            max_size=6,
        )
    )
    def test_wrong_types_anywhere_at_the_top(self, changes):
        """Invariant as above, with top-level fields replaced by values of the
        wrong type (text for objects, numbers for text, null)."""
        node = copy.deepcopy(BASE)
        node.update(changes)
        node["id"] = "gid://shopify/Order/7999999999"
        self.import_one(node)

    def test_250_plus_lines_with_unicode_are_imported_whole(self):
        """Invariant: an order of 260 lines with unicode everywhere becomes one
        sale order with all of its lines and Shopify's total."""
        node = copy.deepcopy(BASE)
        line = node["lineItems"]["nodes"][0]
        node["lineItems"]["nodes"] = [
            dict(
                copy.deepcopy(line),
                id=f"gid://shopify/LineItem/{80_000 + n}",
                title=f"Grüße 🎁 中文 {n}",
                name=f"Ünïcödé ✓ {n}",
                quantity=1,
                currentQuantity=1,
                originalTotalSet=copy.deepcopy(line["originalUnitPriceSet"]),
            )
            for n in range(260)
        ]
        node["customer"]["firstName"] = "Zoë 😀"
        for total in ("totalPriceSet", "currentTotalPriceSet"):  # Shopify's, for 260 lines
            node[total]["shopMoney"]["amount"] = f"{260 * 19.99 + 4.90:.2f}"
        node["note"] = "Bitte klingeln: «Hinterhaus» — 🚪"
        self.mock.reset()
        self.graphql(orders_page(node))
        run = self.shop._run_job("orders")
        self.assertEqual(run.count_created, 1, run.message_ids.mapped("message"))
        sale = self.env["sale.order"].search([("shopify_order_gid", "=", node["id"])])
        self.assertEqual(len(sale.order_line.filtered("shopify_line_gid")), 260)
        self.assertEqual(
            sale.currency_id.compare_amounts(sale.amount_total, sale.shopify_total), 0
        )

    def test_nul_characters_do_not_crash_the_run(self):
        """Invariant as above for NUL characters (valid in JSON, refused by
        PostgreSQL) in a tag, the note and a name: the normaliser strips them,
        so the page's lookups never see them and the order is imported."""
        node = copy.deepcopy(BASE)
        node["tags"] = ["\x00", "VIP\x00"]
        node["note"] = "\x00Bitte\x00"
        node["customer"]["lastName"] = "Schmidt\x00"
        self.import_one(node)
