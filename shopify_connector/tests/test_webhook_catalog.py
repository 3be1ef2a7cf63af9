"""Webhooks beyond orders on a real Odoo: a product changed in Shopify reaches
the mapping; a stock level changed in Shopify is stored, reported and set
back by the next stock push (Odoo is the stock master)."""

from odoo import Command

from .test_webhooks import WebhookCase

PRODUCT_GID = "gid://shopify/Product/800"
LOCATION_GID = "gid://shopify/Location/1"


def variant(number, sku, barcode=None):
    return {
        "id": number,
        "admin_graphql_api_id": f"gid://shopify/ProductVariant/{number}",
        "sku": sku,
        "barcode": barcode,
        "title": f"Variant {number}",
        "inventory_item_id": 9000 + number,
    }


def product_payload(*variants, updated="2026-03-02T10:00:00Z"):
    return {
        "id": 800,
        "admin_graphql_api_id": PRODUCT_GID,
        "title": "Hoodie",
        "updated_at": updated,
        "variants": list(variants),
    }


class CatalogWebhookCase(WebhookCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Product = cls.env["product.product"]
        cls.hoodie_s = Product.create({"name": "Hoodie S", "default_code": "HOOD-S"})
        cls.hoodie_m = Product.create({"name": "Hoodie M", "default_code": "HOOD-M"})
        cls.hoodie_l = Product.create({"name": "Hoodie L", "default_code": "HOOD-L"})

    def mapping(self, number):
        return self.env["shopify.variant"].search(
            [
                ("shop_id", "=", self.shop.id),
                ("shopify_variant_gid", "=", f"gid://shopify/ProductVariant/{number}"),
            ]
        )

    def product_event(self, *variants, event_id="p-1", updated="2026-03-02T10:00:00Z"):
        payload = product_payload(*variants, updated=updated)
        self.assertEqual(self.deliver("products/update", payload=payload, event_id=event_id), 200)
        self.process()
        return self.events().filtered(lambda e: e.event_id == event_id)


class TestProductEvents(CatalogWebhookCase):
    def test_a_new_variant_and_a_changed_sku_reach_the_mapping(self):
        self.product_event(variant(1, "HOOD-S"))
        self.assertEqual(self.mapping(1).product_id, self.hoodie_s)
        # in Shopify: the SKU of variant 1 corrected, a variant added
        event = self.product_event(
            variant(1, "HOOD-M"), variant(2, "HOOD-L"), event_id="p-2", updated="2026-03-02T11:00Z"
        )
        self.assertEqual(event.state, "done")
        self.assertEqual(self.mapping(1).sku, "HOOD-M")
        self.assertEqual(self.mapping(1).product_id, self.hoodie_s, "a link is kept")
        self.assertEqual(self.mapping(2).product_id, self.hoodie_l)
        self.assertEqual(self.mapping(2).inventory_item_gid, "gid://shopify/InventoryItem/9002")
        self.assertEqual(event.run_id.job, "match")
        self.assertEqual(event.run_id.trigger, "webhook")

    def test_a_duplicate_sku_in_another_product_stays_ambiguous(self):
        self.env["shopify.variant"].create(
            {
                "shop_id": self.shop.id,
                "shopify_variant_gid": "gid://shopify/ProductVariant/77",
                "sku": "HOOD-L",
            }
        )
        self.product_event(variant(3, "HOOD-L"))
        self.assertFalse(self.mapping(3).product_id)
        self.assertEqual(self.mapping(3).match_state, "ambiguous")

    def test_a_change_the_mapping_does_not_hold_makes_no_match_run(self):
        self.product_event(variant(1, "HOOD-S"))
        domain = [("shop_id", "=", self.shop.id), ("job", "=", "match")]
        runs = self.env["shopify.run"].search_count(domain)
        event = self.product_event(variant(1, "HOOD-S"), event_id="p-2")
        self.assertEqual(event.state, "done")
        self.assertFalse(event.run_id)
        self.assertEqual(self.env["shopify.run"].search_count(domain), runs)


class TestInventoryEvents(CatalogWebhookCase):
    def setUp(self):
        super().setUp()
        location = self.env["shopify.location"].create(
            {"shop_id": self.shop.id, "name": "Hauptlager", "shopify_gid": LOCATION_GID}
        )
        self.shop.write(
            {
                "stock_location_id": location.id,
                "stock_warehouse_ids": [Command.set(self.env.ref("stock.warehouse0").ids)],
            }
        )
        self.shop.schedule_ids.filtered(lambda s: s.job == "stock_changed").active = True
        self.hoodie_s.is_storable = True
        self.link = self.env["shopify.variant"].create(
            {
                "shop_id": self.shop.id,
                "shopify_variant_gid": "gid://shopify/ProductVariant/1",
                "inventory_item_gid": "gid://shopify/InventoryItem/9001",
                "sku": "HOOD-S",
                "product_id": self.hoodie_s.id,
                "match_state": "matched",
                "stock_location_gid": LOCATION_GID,
                "stock_pushed_qty": 5,
                "stock_pushed_at": "2026-03-02 09:00:00",
            }
        )
        self.cron = self.env.ref("shopify_connector.shopify_webhook_stock_cron")

    def level_event(self, available, event_id="i-1", location=1, at="2026-03-02T10:00:00Z"):
        payload = {
            "inventory_item_id": 9001,
            "location_id": location,
            "available": available,
            "updated_at": at,
        }
        self.assertEqual(
            self.deliver("inventory_levels/update", payload=payload, event_id=event_id), 200
        )
        self.process()
        return self.events().filtered(lambda e: e.event_id == event_id)

    def test_a_rise_made_in_shopify_is_reported_and_set_back_by_the_next_push(self):
        event = self.level_event(12)
        self.assertEqual(event.state, "done")
        self.assertEqual((self.link.shopify_available, self.link.stock_pushed_qty), (12, 12))
        warning = event.run_id.message_ids.filtered(lambda m: m.level == "warning")
        self.assertIn("changed in Shopify to 12", warning.message)
        self.assertIn("Odoo last set 5", warning.message)
        # the changed-stock push is asked for, and due
        self.assertTrue(self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)]))
        self.assertTrue(self.shop._webhook_stock_push_due())

    def test_a_figure_odoo_set_itself_changes_nothing(self):
        event = self.level_event(5)
        self.assertEqual(event.state, "done")
        self.assertFalse(event.run_id.message_ids)
        self.assertFalse(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)])
        )

    def test_an_older_figure_and_another_location_are_left_alone(self):
        self.level_event(12)
        self.level_event(3, event_id="i-2", at="2026-03-02T09:30:00Z")
        self.assertEqual(self.link.shopify_available, 12)
        other = self.level_event(40, event_id="i-3", location=2)
        self.assertEqual(other.state, "ignored")
        self.assertEqual(self.link.shopify_available, 12)
