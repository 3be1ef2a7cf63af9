from odoo.exceptions import UserError, ValidationError

from .common import SHOP_DOMAIN, TOKEN_URL, ShopifyCase

SHOP_INFO = {
    "shop": {
        "name": "Test Shop",
        "myshopifyDomain": SHOP_DOMAIN,
        "currencyCode": "EUR",
        "plan": {"publicDisplayName": "Basic", "partnerDevelopment": False, "shopifyPlus": False},
        "ianaTimezone": "Europe/Berlin",
        "taxesIncluded": True,
        "weightUnit": "KILOGRAMS",
    },
    "currentAppInstallation": {"accessScopes": []},
}
LOCATIONS = {
    "locations": {
        "nodes": [
            {
                "id": "gid://shopify/Location/1",
                "name": "Lager Berlin",
                "isActive": True,
                "fulfillsOnlineOrders": True,
            },
            {
                "id": "gid://shopify/Location/2",
                "name": "Laden",
                "isActive": True,
                "fulfillsOnlineOrders": False,
            },
        ],
        "pageInfo": {"hasNextPage": False, "endCursor": None},
    }
}
ALL_SCOPES = [
    "write_orders",
    "write_inventory",
    "write_locations",
    "write_products",
    "write_fulfillments",
    "write_merchant_managed_fulfillment_orders",
    "write_assigned_fulfillment_orders",
    "write_third_party_fulfillment_orders",
    "write_customers",
    "read_all_orders",
]


def shop_info(scopes):
    info = {**SHOP_INFO}
    info["currentAppInstallation"] = {"accessScopes": [{"handle": s} for s in scopes]}
    return info


class TestShopDomain(ShopifyCase):
    def test_domain_is_normalised_from_name_and_admin_url(self):
        shop = self.env["shopify.shop"].create(
            {"name": "A", "domain": "https://My-Shop.myshopify.com/admin", "auth_method": "token"}
        )
        self.assertEqual(shop.domain, "my-shop.myshopify.com")
        self.assertEqual(shop.base_url, "https://my-shop.myshopify.com")
        shop.domain = "othershop"
        self.assertEqual(shop.domain, "othershop.myshopify.com")
        self.assertEqual(shop.base_url, "https://othershop.myshopify.com")

    def test_foreign_domain_is_refused_with_a_clear_message(self):
        for bad in ("shop.example.com", "https://evil.com/x.myshopify.com", "my shop", ""):
            with self.assertRaises(ValidationError) as ctx:
                self.env["shopify.shop"].create({"name": "B", "domain": bad})
            self.assertIn("is not a Shopify shop address", str(ctx.exception))
        with self.assertRaises(ValidationError):
            self.shop.domain = "www.example.org"
        self.assertEqual(self.shop.domain, SHOP_DOMAIN)

    def test_base_url_can_point_to_a_local_simulator(self):
        self.shop.base_url = "http://127.0.0.1:8765"
        client = self.shop._shopify_client()
        self.assertEqual(client.base_url, "http://127.0.0.1:8765")


class TestConnection(ShopifyCase):
    def test_connection_reports_shop_plan_currency_locations_and_scopes(self):
        self.graphql(shop_info(ALL_SCOPES), LOCATIONS)
        action = self.shop.action_test_connection()
        self.assertEqual(self.shop.state, "connected")
        self.assertEqual(self.shop.shopify_shop_name, "Test Shop")
        self.assertEqual(self.shop.shopify_plan, "Basic")
        self.assertEqual(self.shop.shopify_currency, "EUR")
        self.assertFalse(self.shop.missing_scopes)
        self.assertEqual(sorted(self.shop.location_ids.mapped("name")), ["Laden", "Lager Berlin"])
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("Lager Berlin", action["params"]["message"])
        # the token travels in the header, never in the document
        sent = self.mock.calls[0].request
        self.assertEqual(sent.headers["X-Shopify-Access-Token"], "shpat_test_secret_token")

    def test_missing_scopes_are_named(self):
        self.graphql(shop_info(["read_products", "read_orders"]), LOCATIONS)
        action = self.shop.action_test_connection()
        self.assertEqual(self.shop.state, "connected")
        self.assertIn("write_inventory", self.shop.missing_scopes)
        self.assertIn("write_inventory", action["params"]["message"])
        self.assertEqual(action["params"]["type"], "warning")

    def test_bad_token_gets_its_own_message_and_saves_nothing_else(self):
        self.mock.add(
            "POST",
            "https://test-shop.myshopify.com/admin/api/2026-10/graphql.json",
            json={"errors": "[API] Invalid API key or access token"},
            status=401,
        )
        action = self.shop.action_test_connection()
        self.assertEqual(self.shop.state, "error")
        self.assertIn("refused the access token", self.shop.connection_message)
        self.assertNotIn("shpat_test_secret_token", self.shop.connection_message)
        self.assertFalse(self.shop.location_ids)
        self.assertFalse(self.shop.shopify_shop_name)
        self.assertEqual(action["params"]["type"], "danger")

    def test_wrong_domain_gets_its_own_message(self):
        self.mock.add(
            "POST",
            "https://test-shop.myshopify.com/admin/api/2026-10/graphql.json",
            body="Not Found",
            status=404,
        )
        self.shop.action_test_connection()
        self.assertEqual(self.shop.state, "error")
        self.assertIn("No Shopify shop answers", self.shop.connection_message)

    def test_network_failure_gets_its_own_message(self):
        self.shop.base_url = "http://127.0.0.1:9"  # nothing listens on the discard port
        self.shop.action_test_connection()
        self.assertEqual(self.shop.state, "error")
        self.assertIn("could not be reached", self.shop.connection_message)

    def test_access_denied_names_the_missing_permission(self):
        self.graphql(
            {
                "errors": [
                    {
                        "message": "Access denied for locations field. Required access: "
                        "`read_locations` access scope.",
                        "extensions": {"code": "ACCESS_DENIED"},
                    }
                ],
                "data": None,
            }
        )
        self.shop.action_test_connection()
        self.assertEqual(self.shop.state, "error")
        self.assertIn("lacks a permission", self.shop.connection_message)
        self.assertIn("read_locations", self.shop.connection_message)

    def test_missing_token_is_a_clear_user_error(self):
        self.shop.access_token = False
        with self.assertRaises(UserError):
            self.shop.action_test_connection()


class TestClientCredentials(ShopifyCase):
    def setUp(self):
        super().setUp()
        self.shop.write(
            {
                "auth_method": "client_credentials",
                "client_id": "client-123",
                "client_secret": "very-secret",
            }
        )

    def test_token_is_obtained_cached_and_reused(self):
        self.mock.add(
            "POST",
            TOKEN_URL,
            json={
                "access_token": "shpca_fresh",
                "scope": ",".join(ALL_SCOPES),
                "expires_in": 86399,
            },
        )
        self.graphql(shop_info(ALL_SCOPES), LOCATIONS, shop_info(ALL_SCOPES), LOCATIONS)
        self.shop.action_test_connection()
        self.shop.action_test_connection()
        token_calls = [c for c in self.mock.calls if c.request.url == TOKEN_URL]
        self.assertEqual(len(token_calls), 1, "the cached token is reused")
        self.assertIn("client_secret=very-secret", token_calls[0].request.body)
        graphql_calls = [c for c in self.mock.calls if c.request.url != TOKEN_URL]
        self.assertTrue(
            all(
                c.request.headers["X-Shopify-Access-Token"] == "shpca_fresh" for c in graphql_calls
            )
        )
        cached = self.env["shopify.access.token"].sudo().search([("shop_id", "=", self.shop.id)])
        self.assertEqual(cached.token, "shpca_fresh")

    def test_refused_credentials_get_their_own_message(self):
        self.mock.add(
            "POST",
            TOKEN_URL,
            json={"error": "invalid_client", "error_description": "Client authentication failed"},
            status=400,
        )
        self.shop.action_test_connection()
        self.assertEqual(self.shop.state, "error")
        self.assertIn("refused the client ID or secret", self.shop.connection_message)
        self.assertNotIn("very-secret", self.shop.connection_message)

    def test_changing_the_app_drops_the_cached_token(self):
        self.env["shopify.access.token"].sudo().create(
            {"shop_id": self.shop.id, "token": "old", "expires_at": "2099-01-01 00:00:00"}
        )
        self.shop.client_id = "another-app"
        self.assertFalse(
            self.env["shopify.access.token"].sudo().search([("shop_id", "=", self.shop.id)])
        )
