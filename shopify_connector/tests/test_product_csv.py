import base64

from odoo import fields

from ..shopify_api import product_csv
from .common import ShopifyCase

PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
    )
)


class TestProductCsv(ShopifyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        currency = cls.env.company.currency_id
        cls.pricelist = cls.env["product.pricelist"].create(
            {"name": "Shopify", "currency_id": currency.id}
        )
        cls.compare = cls.env["product.pricelist"].create(
            {"name": "Was", "currency_id": currency.id}
        )
        cls.shop.write(
            {"pricelist_id": cls.pricelist.id, "compare_at_pricelist_id": cls.compare.id}
        )
        size = cls.env["product.attribute"].create(
            {
                "name": "Size",
                "value_ids": [fields.Command.create({"name": n}) for n in ("S", "M")],
            }
        )
        tag = cls.env["product.tag"].create({"name": "summer"})
        category = cls.env["product.category"].create({"name": "Clothes"})
        Template = cls.env["product.template"]
        cls.shirt = Template.create(
            {
                "name": "Shirt & Co",
                "list_price": 25.0,
                "is_storable": True,
                "categ_id": category.id,
                "product_tag_ids": [fields.Command.set(tag.ids)],
                "description_sale": "Soft cotton",
                "image_1920": PNG,
                "shopify_shop_product": True,
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
        cls.shirt_s.write({"default_code": "SHIRT-S", "barcode": "4006381333931"})
        cls.shirt_m.default_code = "SHIRT-M"
        cls.shirt.product_variant_ids.weight = 0.25  # variants have their own weight
        cls.mug = Template.create(
            {
                "name": "Mug",
                "list_price": 9.0,
                "default_code": "MUG",
                "is_storable": False,
                "shopify_shop_product": True,
            }
        )
        Template.create({"name": "Not in the shop", "default_code": "NOPE"})
        Item = cls.env["product.pricelist.item"]
        Item.create(
            [
                {
                    "pricelist_id": cls.pricelist.id,
                    "applied_on": "0_product_variant",
                    "product_id": cls.shirt_m.id,
                    "compute_price": "fixed",
                    "fixed_price": 27.5,
                },
                {
                    "pricelist_id": cls.compare.id,
                    "applied_on": "1_product",
                    "product_tmpl_id": cls.shirt.id,
                    "compute_price": "fixed",
                    "fixed_price": 30.0,
                },
            ]
        )
        warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )
        cls.env["stock.quant"]._update_available_quantity(cls.shirt_s, warehouse.lot_stock_id, 7)

    def export(self):
        action = self.shop.action_export_product_csv()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertTrue(action["url"].endswith("?download=true"))
        attachment_id = int(action["url"].split("/web/content/")[1].split("?")[0])
        attachment = self.env["ir.attachment"].browse(attachment_id)
        self.assertEqual(attachment.mimetype, "text/csv")
        return product_csv.read_csv(attachment.raw.decode("utf-8"))

    def test_csv_holds_the_shop_products_column_by_column(self):
        rows = self.export()
        self.assertEqual(list(rows[0]), list(product_csv.COLUMNS))
        # variants in Odoo's order (by internal reference)
        self.assertEqual([r["SKU"] for r in rows], ["SHIRT-M", "SHIRT-S", "MUG"])
        m, s, mug = rows
        handle = f"shirt-co-{self.shirt.id}"
        expected_m = {
            "Title": "Shirt & Co",
            "URL handle": handle,
            "Description": "<p>Soft cotton</p>",
            "Vendor": self.env.company.name,
            "Product category": "",
            "Type": "Clothes",
            "Tags": "summer",
            "Published on online store": "TRUE",
            "Status": "active",
            "SKU": "SHIRT-M",
            "Barcode": "",
            "Option1 name": "Size",
            "Option1 value": "M",
            "Option2 name": "",
            "Option2 value": "",
            "Option3 name": "",
            "Option3 value": "",
            "Price": "27.50",
            "Compare-at price": "30.00",
            "Cost per item": "",
            "Charge tax": "TRUE" if self.shirt_m.taxes_id else "FALSE",
            "Inventory tracker": "shopify",
            "Inventory quantity": "0",
            "Continue selling when out of stock": "DENY",
            "Weight value (grams)": "250",
            "Weight unit for display": "g",
            "Requires shipping": "TRUE",
            "Fulfillment service": "manual",
            "Image position": "1",
            "Image alt text": "Shirt & Co",
            "Gift card": "FALSE",
            "SEO title": "",
            "SEO description": "",
        }
        image = m.pop("Product image URL")
        self.assertIn("/web/content/", image)
        self.assertEqual(m, expected_m)
        # second row of the handle: variant fields only
        self.assertEqual(s["URL handle"], handle)
        for column in product_csv.PRODUCT_COLUMNS:
            self.assertEqual(s[column], "", column)
        self.assertEqual(s["Option1 value"], "S")
        self.assertEqual(s["Barcode"], "4006381333931")
        self.assertEqual((s["Price"], s["Compare-at price"]), ("25.00", "30.00"))
        self.assertEqual(s["Inventory quantity"], "7")
        self.assertEqual(s["Weight value (grams)"], "250")
        # not storable: no inventory tracking; no options: the default title
        self.assertEqual(mug["Inventory tracker"], "")
        self.assertEqual((mug["Option1 name"], mug["Option1 value"]), ("Title", "Default Title"))
        self.assertEqual((mug["Price"], mug["Compare-at price"]), ("9.00", ""))
        self.assertEqual(mug["URL handle"], f"mug-{self.mug.id}")

    def test_handles_are_stable_across_exports_and_follow_shopify_once_mapped(self):
        first = [r["URL handle"] for r in self.export()]
        self.assertEqual(first, [r["URL handle"] for r in self.export()])
        self.env["shopify.variant"].create(
            {
                "shop_id": self.shop.id,
                "shopify_variant_gid": "gid://shopify/ProductVariant/1",
                "shopify_product_gid": "gid://shopify/Product/1",
                "shopify_product_handle": "mug-from-shopify",
                "product_id": self.mug.product_variant_id.id,
            }
        )
        self.assertEqual(self.export()[2]["URL handle"], "mug-from-shopify")

    def test_quantity_is_the_free_stock_of_the_source_warehouses(self):
        if "stock_warehouse_ids" not in self.shop._fields:
            self.skipTest("the shop has no stock settings")
        other = self.env["stock.warehouse"].create({"name": "Elsewhere", "code": "ELS"})
        self.env["stock.quant"]._update_available_quantity(self.shirt_m, other.lot_stock_id, 5)
        self.shop.stock_warehouse_ids = other
        quantities = {r["SKU"]: r["Inventory quantity"] for r in self.export()}
        self.assertEqual((quantities["SHIRT-M"], quantities["SHIRT-S"]), ("5", "0"))

    def test_the_export_is_logged_as_a_run(self):
        self.export()
        run = self.env["shopify.run"].search([("shop_id", "=", self.shop.id)], limit=1)
        self.assertEqual((run.job, run.state, run.count_created), ("csv_export", "done", 3))
