import sys
from pathlib import Path

from odoo import fields

from .common import ShopifyCase

try:
    from shopify_simulator import Simulator, SimulatorServer
except ImportError:  # the simulator lives at the repository root, beside the addon
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from shopify_simulator import Simulator, SimulatorServer


class SimulatorCase(ShopifyCase):
    """The shop talks to a local Shopify simulator over HTTP."""

    simulator_products = 0

    def setUp(self):
        super().setUp()
        self.sim = Simulator(seed=7, products=self.simulator_products, orders=0)
        self.server = SimulatorServer(self.sim).start()
        self.addCleanup(self.server.stop)
        self.mock.add_passthru(self.server.base_url)
        self.shop.write({"base_url": self.server.base_url, "access_token": self.sim.access_token})
        self.shop.shopify_currency = self.env.company.currency_id.name

    def last_run(self):
        return self.env["shopify.run"].search([("shop_id", "=", self.shop.id)], limit=1)

    def shopify_products(self):
        return self.sim.store.all("Product")

    def shopify_variant(self, sku):
        return self.sim.variant(sku)


class TestProductExport(SimulatorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pricelist = cls.env["product.pricelist"].create(
            {"name": "Shopify", "currency_id": cls.env.company.currency_id.id}
        )
        cls.shop.pricelist_id = cls.pricelist
        cls.size = cls.env["product.attribute"].create(
            {
                "name": "Size",
                "value_ids": [fields.Command.create({"name": n}) for n in ("S", "M", "L")],
            }
        )
        Template = cls.env["product.template"]
        cls.mug = Template.create(
            {
                "name": "Blue Mug",
                "list_price": 9.0,
                "default_code": "MUG-1",
                "barcode": "4006381333931",
                "weight": 0.35,
                "is_storable": True,
                "description_sale": "A blue mug.",
                "shopify_shop_product": True,
            }
        )
        cls.shirt = Template.create(
            {
                "name": "Shirt",
                "list_price": 25.0,
                "is_storable": True,
                "shopify_shop_product": True,
                "attribute_line_ids": [
                    fields.Command.create(
                        {
                            "attribute_id": cls.size.id,
                            "value_ids": [fields.Command.set(cls.size.value_ids[:2].ids)],
                        }
                    )
                ],
            }
        )
        for variant in cls.shirt.product_variant_ids:
            variant.default_code = "SHIRT-" + variant.product_template_variant_value_ids.name
        Template.create({"name": "Not for the shop", "default_code": "NOPE"})
        cls.env["product.pricelist.item"].create(
            {
                "pricelist_id": cls.pricelist.id,
                "applied_on": "1_product",
                "product_tmpl_id": cls.mug.id,
                "compute_price": "fixed",
                "fixed_price": 12.9,
            }
        )

    def mappings(self):
        return self.env["shopify.variant"].search([("shop_id", "=", self.shop.id)])

    def test_export_creates_then_updates_without_duplicates(self):
        self.shop.action_export_products()
        run = self.last_run()
        self.assertEqual(run.state, "done", run.message_ids.mapped("message"))
        self.assertEqual(run.count_created, 2)
        self.assertEqual(len(self.shopify_products()), 2)
        mug = self.shopify_variant("MUG-1")
        self.assertEqual(mug["price"], "12.90")
        self.assertEqual(mug["barcode"], "4006381333931")
        item = self.sim.store.objects[mug["inventoryItem"]]
        self.assertEqual(item["measurement"]["weight"], {"unit": "GRAMS", "value": 350.0})
        self.assertTrue(item["tracked"])
        product = self.sim.store.objects[mug["product"]]
        self.assertEqual(product["handle"], f"blue-mug-{self.mug.id}")
        self.assertEqual(product["status"], "ACTIVE")
        shirt_s = self.shopify_variant("SHIRT-S")
        self.assertEqual(shirt_s["selectedOptions"], [{"name": "Size", "value": "S"}])
        self.assertEqual(shirt_s["price"], "25.00")
        # the mapping is filled from the answer
        mapped = self.mappings()
        self.assertEqual(len(mapped), 3)
        self.assertEqual(
            set(mapped.mapped("product_id")),
            set(self.mug.product_variant_ids | self.shirt.product_variant_ids),
        )
        self.assertTrue(all(m.match_state == "matched" for m in mapped))
        self.assertEqual(
            mapped.filtered(lambda m: m.sku == "MUG-1").shopify_variant_gid, mug["id"]
        )

        # The merchant sets a compare-at price in Shopify; Odoo renames the mug and
        # adds a size to the shirt.
        self.sim.set_price("MUG-1", "12.90", "19.90")
        self.mug.name = "Blue Mug XL"
        self.shirt.attribute_line_ids.value_ids = [fields.Command.link(self.size.value_ids[2].id)]
        large = self.shirt.product_variant_ids.filtered(
            lambda v: v.product_template_variant_value_ids.name == "L"
        )
        large.default_code = "SHIRT-L"
        self.shop.action_export_products()
        run = self.last_run()
        self.assertEqual(run.state, "done", run.message_ids.mapped("message"))
        self.assertEqual(run.count_updated, 2)
        self.assertEqual(len(self.shopify_products()), 2, "no product created twice")
        mug = self.shopify_variant("MUG-1")
        self.assertEqual(self.sim.store.objects[mug["product"]]["title"], "Blue Mug XL")
        self.assertEqual(mug["compareAtPrice"], "19.90", "compare-at left as it is")
        # the handle stays the one Shopify knows
        self.assertEqual(
            self.sim.store.objects[mug["product"]]["handle"], f"blue-mug-{self.mug.id}"
        )
        self.assertEqual(self.shopify_variant("SHIRT-L")["product"], shirt_s["product"])
        self.assertEqual(len(self.mappings()), 4)

    def test_a_retry_after_a_lost_answer_does_not_duplicate(self):
        self.shop.action_export_products()
        # The answer never reached Odoo: the mapping does not exist.
        self.mappings().unlink()
        self.shop.action_export_products()
        self.assertEqual(len(self.shopify_products()), 2)
        self.assertEqual(len(self.mappings()), 3)
        self.assertEqual(len(self.sim.store.all("ProductVariant")), 3)

    def test_prices_pushed_by_the_export_are_not_pushed_again(self):
        self.shop.action_export_products()
        self.shop.action_update_prices()
        run = self.last_run()
        self.assertEqual(run.count_updated, 0)
        self.assertEqual(run.count_unchanged, 1, "the mug: only it has an own price")


class TestFirstImport(SimulatorCase):
    simulator_products = 6

    def test_first_import_matches_creates_and_reports(self):
        sim_variants = self.sim.store.all("ProductVariant")
        first = sim_variants[0]
        existing = self.env["product.product"].create(
            {"name": "Known in Odoo", "default_code": first["sku"]}
        )
        # an ambiguous SKU: two Odoo products carry the SKU of another product
        other = next(v for v in sim_variants if v["product"] != first["product"])
        self.env["product.product"].create(
            [
                {"name": "Twin A", "default_code": other["sku"]},
                {"name": "Twin B", "default_code": other["sku"]},
            ]
        )
        self.shop.action_import_products()
        run = self.last_run()
        self.assertEqual(run.job, "product_import")
        self.assertEqual(run.state, "done", run.message_ids.mapped("message"))
        mappings = self.env["shopify.variant"].search([("shop_id", "=", self.shop.id)])
        self.assertEqual(len(mappings), len(sim_variants))
        by_gid = {m.shopify_variant_gid: m for m in mappings}
        self.assertEqual(by_gid[first["id"]].product_id, existing)
        self.assertEqual(by_gid[other["id"]].match_state, "ambiguous")
        self.assertTrue(
            run.message_ids.filtered(lambda m: m.level == "warning"),
            "ambiguous items are reported",
        )
        # every product whose variants were all unknown was created with its options
        skipped_products = {first["product"], other["product"]}
        for variant in sim_variants:
            if variant["product"] in skipped_products:
                continue
            mapping = by_gid[variant["id"]]
            self.assertEqual(mapping.match_state, "matched")
            self.assertEqual(mapping.product_id.default_code, variant["sku"])
            self.assertEqual(mapping.product_id.barcode, variant["barcode"])
            values = {
                (v.attribute_id.name, v.name)
                for v in mapping.product_id.product_template_variant_value_ids
            }
            expected = {
                (o["name"], o["value"]) for o in variant["selectedOptions"] if o["name"] != "Title"
            }
            self.assertEqual(values, expected)
            self.assertTrue(mapping.product_id.shopify_shop_product)
            self.assertTrue(mapping.shopify_product_handle)
        created = len({v["product"] for v in sim_variants} - skipped_products)
        self.assertEqual(run.count_created, created)
        # a second import creates nothing more
        count = self.env["product.template"].search_count([])
        self.shop.action_import_products()
        self.assertEqual(self.env["product.template"].search_count([]), count)
        second = self.last_run()
        self.assertEqual(
            second.count_created, 0, (second.summary, second.message_ids.mapped("message"))
        )
