from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user

from .common import ShopifyCase


class TestAccess(ShopifyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Second company"})
        cls.shop_b = cls.env["shopify.shop"].create(
            {
                "name": "Shop of B",
                "domain": "shop-b.myshopify.com",
                "company_id": cls.company_b.id,
                "auth_method": "token",
                "access_token": "shpat_b_secret",
            }
        )
        cls.run_a = cls.env["shopify.run"].create({"shop_id": cls.shop.id, "job": "match"})
        cls.run_b = cls.env["shopify.run"].create({"shop_id": cls.shop_b.id, "job": "match"})
        cls.variant_b = cls.env["shopify.variant"].create(
            {"shop_id": cls.shop_b.id, "shopify_variant_gid": "gid://shopify/ProductVariant/9"}
        )
        company_a = cls.shop.company_id
        cls.user = new_test_user(
            cls.env,
            login="shopify_user",
            groups="shopify_connector.shopify_connector_group_user",
            company_id=company_a.id,
            company_ids=[company_a.id],
        )
        cls.manager = new_test_user(
            cls.env,
            login="shopify_manager",
            groups="shopify_connector.shopify_connector_group_manager",
            company_id=company_a.id,
            company_ids=[company_a.id],
        )
        cls.stranger = new_test_user(cls.env, login="no_shopify", groups="base.group_user")

    def test_user_reads_shops_and_runs_but_does_not_configure(self):
        shop = self.shop.with_user(self.user)
        self.assertEqual(shop.name, "Test shop")
        self.assertTrue(self.run_a.with_user(self.user).read(["state"]))
        with self.assertRaises(AccessError):
            shop.write({"name": "Renamed"})
        with self.assertRaises(AccessError):
            self.env["shopify.shop"].with_user(self.user).create(
                {"name": "New", "domain": "new.myshopify.com"}
            )

    def test_manager_configures_shops(self):
        self.shop.with_user(self.manager).write({"name": "Renamed"})
        self.assertEqual(self.shop.name, "Renamed")

    def test_only_system_administrators_decide_where_credentials_go(self):
        """A Shopify administrator who is not a system administrator cannot
        point the shop (and so its token) at another host, over the ORM/RPC."""
        self.assertFalse(self.manager.has_group("base.group_system"))
        shop = self.shop.with_user(self.manager)
        for vals in (
            {"base_url": "https://attacker.example.net"},
            {"domain": "other-shop.myshopify.com"},
            {"auth_method": "token"},
            {"client_id": "someone-elses-app"},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                shop.write(vals)
        with self.assertRaises(AccessError):
            self.env["shopify.shop"].with_user(self.manager).create(
                {
                    "name": "Evil",
                    "domain": "evil-shop.myshopify.com",
                    "base_url": "https://attacker.example.net",
                }
            )
        # the legitimate use: a shop at its own myshopify.com address
        new = (
            self.env["shopify.shop"]
            .with_user(self.manager)
            .create({"name": "New", "domain": "new-shop.myshopify.com"})
        )
        self.assertEqual(new.base_url, "https://new-shop.myshopify.com")
        # a system administrator may set an override, with http(s) only, tracked
        self.shop.write({"base_url": "https://proxy.example.net"})
        self.assertEqual(self.shop.base_url, "https://proxy.example.net")
        with self.assertRaises(ValidationError):
            self.shop.write({"base_url": "file:///etc/passwd"})

    def test_secrets_are_for_system_administrators_only(self):
        for user in (self.user, self.manager):
            with self.assertRaises(AccessError):
                self.shop.with_user(user).read(["access_token"])
            with self.assertRaises(AccessError):
                self.shop.with_user(user).read(["client_secret"])
        self.assertEqual(self.shop.access_token, "shpat_test_secret_token")  # as admin

    def test_users_see_only_their_companies_shops_runs_and_mappings(self):
        Shop = self.env["shopify.shop"].with_user(self.user)
        self.assertIn(self.shop, Shop.search([]))
        self.assertNotIn(self.shop_b, Shop.search([]))
        with self.assertRaises(AccessError):
            self.shop_b.with_user(self.user).read(["name"])
        runs = self.env["shopify.run"].with_user(self.user).search([])
        self.assertIn(self.run_a, runs)
        self.assertNotIn(self.run_b, runs)
        variants = self.env["shopify.variant"].with_user(self.manager).search([])
        self.assertNotIn(self.variant_b, variants)

    def test_users_without_the_group_see_nothing(self):
        with self.assertRaises(AccessError):
            self.shop.with_user(self.stranger).read(["name"])

    def test_neutralize_blanks_secrets_and_stops_the_shops(self):
        from odoo.modules.neutralize import get_neutralization_queries

        for query in get_neutralization_queries(["shopify_connector"]):
            self.env.cr.execute(query)
        self.env.invalidate_all()
        self.assertFalse(self.shop_b.with_context(active_test=False).access_token)
        self.assertFalse(self.shop_b.active)
