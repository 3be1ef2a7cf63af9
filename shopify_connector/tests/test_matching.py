from .common import ShopifyCase


def variant(n, sku=None, barcode=None):
    return {
        "id": f"gid://shopify/ProductVariant/{n}",
        "sku": sku,
        "barcode": barcode,
        "title": f"Variant {n}",
        "price": "10.00",
        "compareAtPrice": None,
        "selectedOptions": [],
        "product": {
            "id": f"gid://shopify/Product/{n}",
            "title": f"Product {n}",
            "handle": f"p-{n}",
            "status": "ACTIVE",
        },
        "inventoryItem": {"id": f"gid://shopify/InventoryItem/{n}", "tracked": True},
    }


def page(nodes, cursor=None):
    return {
        "productVariants": {
            "nodes": nodes,
            "pageInfo": {"hasNextPage": bool(cursor), "endCursor": cursor},
        }
    }


class TestMatchProducts(ShopifyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Product = cls.env["product.product"]
        cls.by_sku = Product.create({"name": "By SKU", "default_code": "SKU-1"})
        cls.by_barcode = Product.create({"name": "By barcode", "barcode": "4006381333931"})
        cls.twin_a = Product.create({"name": "Twin A", "default_code": "TWIN"})
        cls.twin_b = Product.create({"name": "Twin B", "default_code": "TWIN"})
        cls.shared = Product.create({"name": "Shared", "default_code": "SHARED"})

    def shopify_variants(self):
        # two pages: the match reads every page
        self.graphql(
            page(
                [variant(1, "SKU-1"), variant(2, None, "4006381333931"), variant(3, "TWIN")],
                cursor="c1",
            ),
            page([variant(4, "SHARED"), variant(5, "SHARED"), variant(6, "UNKNOWN")]),
        )

    def mapping(self, n):
        return self.env["shopify.variant"].search(
            [
                ("shop_id", "=", self.shop.id),
                ("shopify_variant_gid", "=", f"gid://shopify/ProductVariant/{n}"),
            ]
        )

    def test_match_links_by_sku_then_barcode_and_lists_ambiguous(self):
        self.shopify_variants()
        self.shop.action_match_products()
        run = self.shop.run_ids[:1]
        self.assertEqual(run.state, "done")
        self.assertEqual(self.mapping(1).product_id, self.by_sku)
        self.assertEqual(self.mapping(2).product_id, self.by_barcode)
        self.assertEqual(self.mapping(1).inventory_item_gid, "gid://shopify/InventoryItem/1")
        # the product shows its Shopify variant (with its stock figures)
        self.assertEqual(self.by_sku.shopify_variant_ids, self.mapping(1))
        # two Odoo products with one SKU: not linked, listed
        self.assertFalse(self.mapping(3).product_id)
        self.assertEqual(self.mapping(3).match_state, "ambiguous")
        # one SKU on two Shopify variants: neither linked
        self.assertFalse(self.mapping(4).product_id | self.mapping(5).product_id)
        self.assertEqual(self.mapping(4).match_state, "ambiguous")
        self.assertEqual(self.mapping(6).match_state, "unmatched")
        self.assertEqual(run.count_created, 2)
        warnings = run.message_ids.filtered(lambda m: m.level == "warning")
        self.assertEqual(sorted(warnings.mapped("reference")), ["SHARED", "SHARED", "TWIN"])
        # the second page was asked for with the first page's cursor
        sent = self.sent_queries()
        self.assertEqual(len(sent), 2)
        self.assertEqual(sent[1]["variables"]["after"], "c1")

    def test_rerun_changes_nothing(self):
        self.shopify_variants()
        self.shop.action_match_products()
        before = {
            m.id: (m.product_id.id, m.match_state, m.write_date) for m in self.shop.variant_ids
        }
        self.shopify_variants()
        self.shop.action_match_products()
        after = {
            m.id: (m.product_id.id, m.match_state, m.write_date) for m in self.shop.variant_ids
        }
        self.assertEqual(before, after)
        self.assertEqual(len(self.shop.variant_ids), 6)
        run = self.shop.run_ids[:1]
        self.assertEqual(run.count_created, 0)
        self.assertEqual(run.count_unchanged, 6)

    def test_manual_link_is_kept(self):
        self.shopify_variants()
        self.shop.action_match_products()
        self.mapping(3).product_id = self.twin_b
        self.shopify_variants()
        self.shop.action_match_products()
        self.assertEqual(self.mapping(3).product_id, self.twin_b)
        self.assertEqual(self.mapping(3).match_state, "matched")
