import json
from datetime import timedelta

import responses

from odoo import fields

from .common import GRAPHQL_URL, ShopifyCase, cost_extensions


def variant_gid(n):
    return f"gid://shopify/ProductVariant/{n}"


def product_gid(n):
    return f"gid://shopify/Product/{n}"


class PriceCase(ShopifyCase):
    """A shop with a pricelist and mapped variants; Shopify answers every
    price batch with success unless ``self.refuse`` names a variant."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.currency = cls.env.company.currency_id
        cls.shop.shopify_currency = cls.currency.name
        cls.pricelist = cls.env["product.pricelist"].create(
            {"name": "Shopify", "currency_id": cls.currency.id}
        )
        cls.shop.pricelist_id = cls.pricelist
        Template = cls.env["product.template"]
        cls.category = cls.env["product.category"].create({"name": "Shop goods"})
        cls.fixed = Template.create({"name": "Fixed", "list_price": 10.0, "default_code": "FIX"})
        cls.formula = Template.create(
            {"name": "Formula", "list_price": 40.0, "default_code": "FORM"}
        )
        cls.expired = Template.create(
            {"name": "Expired", "list_price": 7.0, "default_code": "EXP"}
        )
        cls.by_category = Template.create(
            {
                "name": "Category only",
                "list_price": 20.0,
                "default_code": "CAT",
                "categ_id": cls.category.id,
            }
        )
        size = cls.env["product.attribute"].create(
            {
                "name": "Size",
                "value_ids": [fields.Command.create({"name": n}) for n in ("S", "M")],
            }
        )
        cls.shirt = Template.create(
            {
                "name": "Shirt",
                "list_price": 30.0,
                "attribute_line_ids": [
                    fields.Command.create(
                        {
                            "attribute_id": size.id,
                            "value_ids": [fields.Command.set(size.value_ids.ids)],
                        }
                    )
                ],
            }
        )
        cls.shirt_s, cls.shirt_m = cls.shirt.product_variant_ids
        cls.shirt_s.default_code = "SHIRT-S"
        cls.shirt_m.default_code = "SHIRT-M"
        Item = cls.env["product.pricelist.item"]
        yesterday = fields.Datetime.now() - timedelta(days=1)
        Item.create(
            [
                {
                    "pricelist_id": cls.pricelist.id,
                    "applied_on": "1_product",
                    "product_tmpl_id": cls.fixed.id,
                    "compute_price": "fixed",
                    "fixed_price": 12.5,
                },
                {
                    "pricelist_id": cls.pricelist.id,
                    "applied_on": "1_product",
                    "product_tmpl_id": cls.formula.id,
                    "compute_price": "percentage",
                    "percent_price": 10.0,
                },
                {
                    "pricelist_id": cls.pricelist.id,
                    "applied_on": "1_product",
                    "product_tmpl_id": cls.expired.id,
                    "compute_price": "fixed",
                    "fixed_price": 5.0,
                    "date_end": yesterday,
                },
                {
                    "pricelist_id": cls.pricelist.id,
                    "applied_on": "2_product_category",
                    "categ_id": cls.category.id,
                    "compute_price": "fixed",
                    "fixed_price": 18.0,
                },
                {
                    "pricelist_id": cls.pricelist.id,
                    "applied_on": "1_product",
                    "product_tmpl_id": cls.shirt.id,
                    "compute_price": "fixed",
                    "fixed_price": 29.0,
                },
                {
                    "pricelist_id": cls.pricelist.id,
                    "applied_on": "0_product_variant",
                    "product_id": cls.shirt_m.id,
                    "compute_price": "fixed",
                    "fixed_price": 31.0,
                },
            ]
        )
        cls.products = {
            1: cls.fixed.product_variant_id,
            2: cls.formula.product_variant_id,
            3: cls.expired.product_variant_id,
            4: cls.by_category.product_variant_id,
            5: cls.shirt_s,
            6: cls.shirt_m,
        }
        Mapping = cls.env["shopify.variant"]
        for n, product in cls.products.items():
            Mapping.create(
                {
                    "shop_id": cls.shop.id,
                    "shopify_variant_gid": variant_gid(n),
                    # the two shirt sizes are variants of one Shopify product
                    "shopify_product_gid": product_gid(5 if n == 6 else n),
                    "product_id": product.id,
                    "sku": product.default_code,
                    "match_state": "matched",
                }
            )

    def setUp(self):
        super().setUp()
        self.refuse = {}
        self.mock.add_callback(responses.POST, GRAPHQL_URL, callback=self._answer)

    def _answer(self, request):
        body = json.loads(request.body)
        data = {}
        variables = body["variables"]
        for key in sorted(k for k in variables if k.startswith("p")):
            index = key[1:]
            errors = []
            for position, entry in enumerate(variables[f"v{index}"]):
                if entry["id"] in self.refuse:
                    errors.append(
                        {
                            "field": ["variants", str(position), "price"],
                            "message": self.refuse[entry["id"]],
                            "code": "INVALID",
                        }
                    )
            data[f"u{index}"] = {"userErrors": errors, "productVariants": []}
        return 200, {}, json.dumps({"data": data, "extensions": cost_extensions()})

    def sent_variants(self):
        """``{variant gid: input}`` of every price input sent."""
        sent = {}
        for query in self.sent_queries():
            variables = query["variables"]
            for key, value in variables.items():
                if key.startswith("v"):
                    for entry in value:
                        sent[entry["id"]] = entry
        return sent

    def last_run(self):
        return self.env["shopify.run"].search([("shop_id", "=", self.shop.id)], limit=1)

    def mapping(self, n):
        return self.shop.variant_ids.filtered(lambda m: m.shopify_variant_gid == variant_gid(n))


class TestPriceRules(PriceCase):
    def test_pricelist_rules_decide_the_prices_pushed(self):
        self.shop.action_update_prices()
        sent = self.sent_variants()
        self.assertEqual(sent[variant_gid(1)], {"id": variant_gid(1), "price": "12.50"})
        self.assertEqual(sent[variant_gid(2)]["price"], "36.00", "10 % off the sales price")
        self.assertEqual(sent[variant_gid(5)]["price"], "29.00", "template price")
        self.assertEqual(sent[variant_gid(6)]["price"], "31.00", "variant price wins")
        # an item that ended yesterday is no price; a category rule is no own price
        self.assertNotIn(variant_gid(3), sent)
        self.assertNotIn(variant_gid(4), sent)
        run = self.last_run()
        self.assertEqual(run.job, "prices")
        self.assertEqual(run.state, "done")
        self.assertEqual((run.count_updated, run.count_skipped), (4, 2))
        skipped = run.message_ids.filtered(lambda m: "no price of their own" in m.message)
        self.assertIn("EXP", skipped.message)
        self.assertIn("CAT", skipped.message)
        self.assertTrue(self.shop.last_price_push_at)
        self.assertEqual(self.mapping(1).shopify_price_pushed, 12.5)

    def test_shirt_sizes_go_in_one_call_and_products_share_requests(self):
        self.shop.action_update_prices()
        queries = self.sent_queries()
        # 3 products: a request for two (aliased mutations) and one for the third
        self.assertEqual(len(queries), 2)
        self.assertEqual(queries[0]["query"].count("productVariantsBulkUpdate("), 2)
        calls = {
            variables[key]: [e["id"] for e in variables["v" + key[1:]]]
            for variables in (q["variables"] for q in queries)
            for key in variables
            if key.startswith("p")
        }
        self.assertEqual(calls[product_gid(5)], [variant_gid(5), variant_gid(6)])
        self.assertEqual(len(calls), 3)

    def test_push_every_mapped_variant_when_the_shop_says_so(self):
        self.shop.price_push_all_mapped = True
        self.shop.action_update_prices()
        sent = self.sent_variants()
        self.assertEqual(sent[variant_gid(4)]["price"], "18.00", "category rule")
        self.assertEqual(sent[variant_gid(3)]["price"], "7.00", "sales price")

    def test_a_future_price_is_pushed_from_its_start_date(self):
        item = self.pricelist.item_ids.filtered(lambda i: i.product_tmpl_id == self.fixed)
        item.date_start = fields.Datetime.now() + timedelta(days=2)
        self.shop.action_update_prices()
        self.assertNotIn(variant_gid(1), self.sent_variants())

    def test_currency_mismatch_skips_everything_with_a_reason(self):
        self.shop.shopify_currency = "CHF" if self.currency.name != "CHF" else "EUR"
        self.shop.action_update_prices()
        self.assertEqual(self.sent_queries(), [])
        run = self.last_run()
        self.assertEqual(run.count_skipped, 6)
        self.assertIn("currency mismatch", run.message_ids.message)


class TestCompareAt(PriceCase):
    def test_compare_at_is_never_sent_without_a_compare_at_pricelist(self):
        self.shop.action_push_all_prices()
        self.assertTrue(self.sent_variants())
        for entry in self.sent_variants().values():
            self.assertEqual(set(entry), {"id", "price"})

    def test_compare_at_is_pushed_or_cleared(self):
        compare = self.env["product.pricelist"].create(
            {
                "name": "Was",
                "currency_id": self.currency.id,
                "item_ids": [
                    fields.Command.create(
                        {
                            "applied_on": "1_product",
                            "product_tmpl_id": self.fixed.id,
                            "compute_price": "fixed",
                            "fixed_price": 15.0,
                        }
                    ),
                    fields.Command.create(
                        {
                            "applied_on": "1_product",
                            "product_tmpl_id": self.shirt.id,
                            "compute_price": "fixed",
                            "fixed_price": 29.0,
                        }
                    ),
                ],
            }
        )
        self.shop.compare_at_pricelist_id = compare
        self.shop.action_update_prices()
        sent = self.sent_variants()
        self.assertEqual(sent[variant_gid(1)]["compareAtPrice"], "15.00")
        # equal to the price (29) and below it (31 vs 29): cleared, never "0"
        self.assertIsNone(sent[variant_gid(5)]["compareAtPrice"])
        self.assertIsNone(sent[variant_gid(6)]["compareAtPrice"])
        # 10 % off 40 = 36 is below the sales price 40 of the compare-at list
        self.assertEqual(sent[variant_gid(2)]["compareAtPrice"], "40.00")
        self.assertTrue(self.mapping(5).shopify_compare_at_told)
        # nothing changed: nothing sent
        self.mock.calls.reset()
        self.shop.action_update_prices()
        self.assertEqual(self.sent_queries(), [])
        # the compare-at price alone changes: that variant is sent again
        compare.item_ids.filtered(lambda i: i.product_tmpl_id == self.fixed).fixed_price = 16.0
        self.shop.action_update_prices()
        self.assertEqual(
            self.sent_variants(),
            {variant_gid(1): {"id": variant_gid(1), "price": "12.50", "compareAtPrice": "16.00"}},
        )


class TestChangedOnly(PriceCase):
    def test_unchanged_prices_send_nothing(self):
        self.shop.action_update_prices()
        self.mock.calls.reset()
        self.shop.action_update_prices()
        self.assertEqual(self.sent_queries(), [])
        run = self.last_run()
        self.assertEqual((run.count_updated, run.count_unchanged), (0, 4))
        self.assertEqual(run.state, "done")

    def test_a_changed_price_is_the_only_one_sent(self):
        self.shop.action_update_prices()
        self.mock.calls.reset()
        self.pricelist.item_ids.filtered(lambda i: i.product_id == self.shirt_m).fixed_price = 33
        self.shop.action_update_prices()
        self.assertEqual(
            self.sent_variants(), {variant_gid(6): {"id": variant_gid(6), "price": "33.00"}}
        )

    def test_push_all_sends_unchanged_prices_again(self):
        self.shop.action_update_prices()
        self.mock.calls.reset()
        self.shop.action_push_all_prices()
        self.assertEqual(len(self.sent_variants()), 4)
        self.assertEqual(self.last_run().job, "prices_all")

    def test_a_refused_variant_is_failed_with_shopifys_reason_and_retried_next_time(self):
        self.refuse = {variant_gid(6): "Price is too high"}
        self.shop.action_update_prices()
        run = self.last_run()
        self.assertEqual((run.count_updated, run.count_failed), (3, 1))
        self.assertEqual(run.state, "partial")
        failure = run.message_ids.filtered(lambda m: m.reference == "SHIRT-M")
        self.assertIn("Price is too high", failure.message)
        self.assertFalse(self.mapping(6).shopify_price_pushed_at)
        self.refuse = {}
        self.mock.calls.reset()
        self.shop.action_update_prices()
        self.assertEqual(list(self.sent_variants()), [variant_gid(6)])


class TestManyProducts(PriceCase):
    def test_many_products_use_few_requests(self):
        Template = self.env["product.template"]
        templates = Template.create(
            [{"name": f"Bulk {n}", "list_price": 1.0, "default_code": f"B{n}"} for n in range(120)]
        )
        self.env["product.pricelist.item"].create(
            [
                {
                    "pricelist_id": self.pricelist.id,
                    "applied_on": "1_product",
                    "product_tmpl_id": t.id,
                    "compute_price": "fixed",
                    "fixed_price": 2.0,
                }
                for t in templates
            ]
        )
        self.env["shopify.variant"].create(
            [
                {
                    "shop_id": self.shop.id,
                    "shopify_variant_gid": variant_gid(1000 + n),
                    "shopify_product_gid": product_gid(1000 + n),
                    "product_id": t.product_variant_id.id,
                    "match_state": "matched",
                }
                for n, t in enumerate(templates)
            ]
        )
        self.shop.action_update_prices()
        # 123 products: 90 + 20 + 10 + 2 + 1
        self.assertEqual(len(self.sent_queries()), 5)
        self.assertEqual(len(self.sent_variants()), 124)
        self.assertEqual(self.last_run().api_calls, 5)
