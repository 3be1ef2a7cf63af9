"""An order's money exactly as Shopify's: tax per line whatever Odoo's tax
rounding, discounts shown as line discounts, Shopify's own line totals in a
foreign presentment currency, an edit's current tax, the unfulfilled units.

Orders are built as Shopify computes them (``order_money_fixtures``), with
the addon's default settings and the company's default tax rounding (Odoo's
"Round per Tax" for a new company) unless a test is about it.
"""

from decimal import Decimal

from odoo.tests import tagged

from .order_money_fixtures import line_spec, shopify_order
from .test_order_import import OrderCase
from .test_reliability import SimulatorCase
from .test_shop import ALL_SCOPES, LOCATIONS, shop_info

DISCOUNTS = "sale.group_discount_per_so_line"


@tagged("post_install", "-at_install")
class TestOrderMoney(OrderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.chf = env.ref("base.CHF")
        cls.chf.active = True
        cls.pricelist_chf = env["product.pricelist"].create(
            {"name": "Shopify CHF", "currency_id": cls.chf.id}
        )
        group = env["account.tax.group"].create({"name": "MWST"})
        for rate in (8.1, 2.6):
            env["account.tax"].create(
                {
                    "name": f"{rate}% incl",
                    "amount": rate,
                    "amount_type": "percent",
                    "type_tax_use": "sale",
                    "price_include_override": "tax_included",
                    "tax_group_id": group.id,
                    "company_id": cls.company.id,
                }
            )
        env["product.product"].create(
            [
                {"name": sku, "default_code": sku, "is_storable": True}
                for sku in ("SHIRT", "CAP", "SOCKS", "BOOK", "TEA", "MAP")
            ]
        )

    def import_order(self, node):
        run = self.fetch(node)
        self.assertFalse(run.count_failed, run.message_ids.mapped("message"))
        return self.sale(node["name"])

    def adjustment(self, sale):
        product = self.shop.order_adjustment_product_id
        return sale.order_line.filtered(lambda line: line.product_id == product)

    def assertShopifyMoney(self, sale, figures, current=False):
        """Tax, untaxed amount and total are Shopify's to the cent, per line
        too, and no adjustment line makes them up."""
        total = figures["current_total" if current else "total"]
        tax = figures["current_tax" if current else "tax"]
        self.assertFalse(self.adjustment(sale), "an adjustment line")
        self.assertEqual(
            (Decimal(str(sale.amount_total)), Decimal(str(sale.amount_tax))),
            (total, tax),
            sale.name,
        )
        self.assertAlmostEqual(sale.amount_untaxed, float(total - tax), places=2)
        for sol in sale.order_line.filtered("shopify_line_gid"):
            want = figures["lines"][sol.shopify_line_gid]
            paid = sol.price_total if figures["included"] else sol.price_subtotal
            self.assertAlmostEqual(paid, float(want["net"]), places=2, msg=sol.name)
            self.assertAlmostEqual(sol.price_tax, float(want["tax"]), places=2, msg=sol.name)

    def test_tax_is_shopifys_per_line_whatever_odoo_rounds(self):
        self.assertEqual(self.company.tax_calculation_rounding_method, "round_globally")
        lines = [
            line_spec("SHIRT", "4.99", 1),
            line_spec("CAP", "4.99", 1),
            line_spec("SOCKS", "4.99", 1),
            line_spec("BOOK", "2.49", 1, rates=(7,)),
            line_spec("TEA", "2.49", 3, rates=(7,)),
            line_spec("MAP", "12.99", 2),
        ]
        node, figures = shopify_order(1101, lines)
        sale = self.import_order(node)
        self.assertShopifyMoney(sale, figures)
        # Odoo's own "Round per Tax" would say otherwise on this order
        sale.order_line.extra_tax_data = False
        self.assertNotEqual(Decimal(str(sale.amount_tax)), figures["tax"])

        self.company.tax_calculation_rounding_method = "round_per_line"
        node, figures = shopify_order(1102, lines)
        self.assertShopifyMoney(self.import_order(node), figures)

    def test_discounts_are_line_discounts_that_add_up_without_adjustment(self):
        orders = {
            "percentage": [
                line_spec("SHIRT", "24.90", 2, discounts=["4.98"]),
                line_spec("BOOK", "15.00", 1, rates=(7,), discounts=["1.50"]),
                line_spec("SOCKS", "9.95", 3, discounts=["2.99"]),
            ],
            "fixed per order": [
                line_spec("SHIRT", "19.99", 1, discounts=["3.33"]),
                line_spec("TEA", "7.49", 4, rates=(7,), discounts=["5.00"]),
                line_spec("CAP", "12.00", 1, discounts=["1.67"]),
            ],
            "stacked": [
                line_spec("SHIRT", "129.99", 3, discounts=["39.00", "17.55"]),
                line_spec("BOOK", "11.11", 2, rates=(7,), discounts=["2.22", "1.00"]),
            ],
        }
        for number, (kind, lines) in enumerate(orders.items(), start=1201):
            with self.subTest(kind):
                node, figures = shopify_order(number, lines)
                sale = self.import_order(node)
                self.assertShopifyMoney(sale, figures)
                for sol, spec in zip(sale.order_line.filtered("shopify_line_gid"), lines):
                    self.assertEqual(sol.price_unit, float(spec["unit"]))
                    original = spec["unit"] * spec["quantity"]
                    percent = float(sum(spec["discounts"]) * 100 / original)
                    self.assertAlmostEqual(sol.discount, percent, places=2)
        node, figures = shopify_order(
            1204, [line_spec("MAP", "89.00", 1)], shipping="5.90", shipping_discount="5.90"
        )
        sale = self.import_order(node)
        self.assertShopifyMoney(sale, figures)
        shipping = sale.order_line - sale.order_line.filtered("shopify_line_gid")
        self.assertEqual(
            (shipping.price_unit, shipping.discount, shipping.price_total), (5.9, 100, 0)
        )

    def test_us_tax_excluded_with_stacked_rates_is_exact(self):
        self.shop.order_pricelist_id = self.pricelist_usd
        lines = [
            line_spec("SHIRT", "19.99", 3, rates=(4, 4.5, 0.375)),
            line_spec("CAP", "7.77", 1, rates=(4, 4.5, 0.375), discounts=["0.78"]),
        ]
        node, figures = shopify_order(1301, lines, ship_rates=(), included=False, currency="USD")
        sale = self.import_order(node)
        self.assertEqual(sale.currency_id, self.usd)
        self.assertShopifyMoney(sale, figures)

    def test_swiss_order_in_chf_with_both_rates(self):
        self.shop.order_pricelist_id = self.pricelist_chf
        lines = [
            line_spec("SHIRT", "39.90", 3, rates=(8.1,)),
            line_spec("BOOK", "18.45", 2, rates=(2.6,), discounts=["1.85"]),
        ]
        node, figures = shopify_order(
            1401, lines, shipping="9.00", ship_rates=(8.1,), currency="CHF"
        )
        self.assertShopifyMoney(self.import_order(node), figures)

    def test_foreign_presentment_currency_takes_shopifys_line_totals(self):
        # 3 units paid in CHF: converted, Shopify's line total is 59.00 EUR,
        # not its rounded unit price 19.67 x 3 = 59.01
        lines = [
            line_spec("SHIRT", "19.67", 3, total="59.00"),
            line_spec("BOOK", "6.67", 3, rates=(7,), total="20.00"),
            line_spec("MAP", "3.33", 3, rates=(), total="10.00"),
        ]
        node, figures = shopify_order(1501, lines, presentment="CHF")
        sale = self.import_order(node)
        self.assertEqual(sale.shopify_presentment_currency, "CHF")
        self.assertShopifyMoney(sale, figures)

    def test_an_edited_order_carries_shopifys_current_tax(self):
        lines = [
            line_spec("SHIRT", "4.99", 3),
            line_spec("CAP", "4.99", 1),
            line_spec("TEA", "2.49", 3, rates=(7,), discounts=["0.75"]),
        ]
        node, figures = shopify_order(1601, lines)
        sale = self.import_order(node)
        self.assertShopifyMoney(sale, figures)
        # before shipping, 2 shirts and 1 tea removed in Shopify
        lines[0]["current"], lines[2]["current"] = 1, 2
        edited, figures = shopify_order(1601, lines, updatedAt="2026-03-03T10:00:00Z")
        run = self.fetch(edited)
        self.assertEqual(run.count_updated, 1, run.message_ids.mapped("message"))
        self.assertEqual(
            sale.order_line.filtered("shopify_line_gid").mapped("product_uom_qty"), [1, 1, 2]
        )
        self.assertShopifyMoney(sale, figures, current=True)

    def test_the_invoice_of_an_order_has_shopifys_tax(self):
        # the test's taxes are German; the invoice checks them against the company's country
        (self.tax19 | self.tax7).country_id = self.company.account_fiscal_country_id
        self.shop.invoice_policy = "never"  # the invoice Odoo's own action makes
        lines = [line_spec("SHIRT", "4.99", 1), line_spec("CAP", "4.99", 1)]
        lines += [line_spec("TEA", "2.49", 3, rates=(7,), discounts=["0.75"])]
        node, figures = shopify_order(1701, lines)
        sale = self.import_order(node)
        self.assertEqual(sale.state, "sale")
        sale.order_line.product_id.invoice_policy = "order"
        invoice = sale._create_invoices()
        self.assertEqual(
            (Decimal(str(invoice.amount_total)), Decimal(str(invoice.amount_tax))),
            (figures["total"], figures["tax"]),
        )

    def test_unfulfilled_units_are_stored_per_line(self):
        lines = [line_spec("SHIRT", "4.99", 3), line_spec("CAP", "4.99", 2)]
        node, __ = shopify_order(1801, lines)
        sale = self.import_order(node)
        self.assertEqual(sale.order_line.mapped("shopify_unfulfilled_qty")[:2], [3, 2])

    def test_connecting_a_shop_shows_discounts_on_sale_order_lines(self):
        groups = self.env["res.groups"]
        self.env.ref("base.group_user")._remove_group(self.env.ref(DISCOUNTS))
        self.assertFalse(groups._is_feature_enabled(DISCOUNTS))
        self.graphql(shop_info(ALL_SCOPES), LOCATIONS)
        action = self.shop.action_test_connection()
        self.assertTrue(groups._is_feature_enabled(DISCOUNTS))
        self.assertIn("Odoo now shows discounts", action["params"]["message"])
        self.graphql(shop_info(ALL_SCOPES), LOCATIONS)
        action = self.shop.action_test_connection()
        self.assertNotIn("Odoo now shows discounts", action["params"]["message"])


@tagged("post_install", "-at_install")
class TestOrderMoneySimulated(SimulatorCase):
    """The same against the simulator, which rounds tax per line as Shopify."""

    products_count = 4

    def test_discounted_orders_and_unfulfilled_units_follow_shopify(self):
        for variant in self.variants[2:]:
            variant["_reduced"] = True  # 7 %
        lines = [
            {"sku": sku, "quantity": qty, "price": price}
            for sku, qty, price in zip(self.skus, (1, 2, 3, 1), ("4.99", "12.99", "2.49", "7.77"))
        ]
        gids = [
            self.sim.place_order(lines=lines, discount={"percentage": 15}),
            self.sim.place_order(lines=lines, discount={"amount": "10.00"}),
        ]
        run = self.run_job("orders")
        self.assertEqual(run.state, "done", self.errors_of(run))
        product = self.shop.order_adjustment_product_id
        for gid in gids:
            order = self.sim.order(gid)
            sale = self.env["sale.order"].search([("shopify_order_gid", "=", gid)])
            self.assertFalse(sale.order_line.filtered(lambda line: line.product_id == product))
            self.assertAlmostEqual(
                sale.amount_tax, float(order["totalTaxSet"]["shopMoney"]["amount"]), places=2
            )
            self.assertAlmostEqual(
                sale.amount_total, float(order["totalPriceSet"]["shopMoney"]["amount"]), places=2
            )
            self.assertTrue(all(sale.order_line.filtered("shopify_line_gid").mapped("discount")))
        self.sim.fulfill(gids[0], lines={self.skus[1]: 1})
        run = self.run_job("orders")
        self.assertEqual(run.state, "done", self.errors_of(run))
        sale = self.env["sale.order"].search([("shopify_order_gid", "=", gids[0])])
        self.assertEqual(
            sale.order_line.filtered("shopify_line_gid").mapped("shopify_unfulfilled_qty"),
            [1, 1, 3, 1],
        )
