import json
from unittest.mock import patch

import responses

from odoo.tests import TransactionCase
from odoo.tests.common import _super_send

from ..shopify_api import client as shopify_client

SHOP_DOMAIN = "test-shop.myshopify.com"
GRAPHQL_URL = f"https://{SHOP_DOMAIN}/admin/api/2026-10/graphql.json"
TOKEN_URL = f"https://{SHOP_DOMAIN}/admin/oauth/access_token"


def cost_extensions(requested=10, available=1990):
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": requested,
            "throttleStatus": {
                "maximumAvailable": 2000.0,
                "currentlyAvailable": available,
                "restoreRate": 100.0,
            },
        }
    }


class ShopifyCase(TransactionCase):
    """A shop with a token, and Shopify answered by ``responses``.

    Odoo's test base blocks every request to another host than localhost;
    requests are handed to ``requests`` again here so that ``responses``
    (strict: an unregistered URL fails the test) or the local simulator
    answers them. Nothing ever leaves the machine.
    """

    @classmethod
    def _request_handler(cls, s, r, /, **kw):
        return _super_send(s, r, **kw)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.shop = cls.env["shopify.shop"].create(
            {
                "name": "Test shop",
                "domain": SHOP_DOMAIN,
                "auth_method": "token",
                "access_token": "shpat_test_secret_token",
            }
        )

    def setUp(self):
        super().setUp()
        # Code under test opens cursors of its own (token renewal, job lock):
        # in test mode they share the test's transaction.
        self.registry_enter_test_mode()
        shopify_client.reset_throttle_states()
        self.mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        self.mock.start()
        self.addCleanup(self.mock.stop)
        self.addCleanup(self.mock.reset)
        # The client's retries wait with time.sleep: keep tests instant.
        self.sleeps = []
        self.startPatcher(
            patch.object(
                type(self.env["shopify.shop"]),
                "_shopify_client_options",
                lambda shop: {"sleep": self.sleeps.append},
            )
        )

    def graphql(self, *answers, status=200):
        """Queue GraphQL answers (``data`` dicts, or full bodies with ``errors``)."""
        for answer in answers:
            body = answer if ("errors" in answer or "data" in answer) else {"data": answer}
            body.setdefault("extensions", cost_extensions())
            self.mock.add(responses.POST, GRAPHQL_URL, json=body, status=status)

    def sent_queries(self):
        return [
            json.loads(call.request.body)
            for call in self.mock.calls
            if call.request.url == GRAPHQL_URL
        ]
