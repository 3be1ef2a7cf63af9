"""The webhook route over real HTTP: needs Odoo's HTTP server in the test run
(pytest ``--odoo-http``, as for test_tour.py)."""

import json
from unittest.mock import patch

from odoo.tests import HttpCase, tagged
from odoo.tests.common import _super_send

from shopify_simulator import FakeClock, Simulator, SimulatorServer
from shopify_simulator.webhook_delivery import RETRY_DELAYS

from ..shopify_api import webhooks

SECRET = "shpss_http_signing_secret"


@tagged("post_install", "-at_install")
class TestWebhookRoute(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.shop = cls.env["shopify.shop"].create(
            {
                "name": "Webhook shop",
                "domain": "webhook-shop.myshopify.com",
                "auth_method": "token",
                "access_token": "shpat_http_token",
                "webhook_secret": SECRET,
            }
        )
        cls.body = json.dumps(
            {"id": 6100000001001, "admin_graphql_api_id": "gid://shopify/Order/6100000001001"}
        ).encode()

    def post(self, body=None, signature=None, shop_id=None, event_id="e-http-1"):
        body = self.body if body is None else body
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": "orders/create",
            "X-Shopify-Event-Id": event_id,
            "X-Shopify-Hmac-Sha256": webhooks.sign(body, SECRET)
            if signature is None
            else signature,
        }
        url = f"{webhooks.ROUTE_PREFIX}{shop_id or self.shop.id}"
        return self.url_open(url, data=body, headers=headers)

    def events(self):
        return self.env["shopify.webhook.event"].search([("shop_id", "=", self.shop.id)])

    def test_a_signed_delivery_is_answered_200_and_stored_once(self):
        self.assertEqual(self.post().status_code, 200)
        self.assertEqual(self.post().status_code, 200)  # repeated: acknowledged, dropped
        event = self.events()
        self.assertEqual(len(event), 1)
        self.assertEqual((event.topic, event.event_id), ("orders/create", "e-http-1"))
        cron = self.env.ref("shopify_connector.shopify_webhook_cron")
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]))

    def test_forged_unknown_and_oversized_deliveries_are_refused(self):
        self.assertEqual(self.post(signature="").status_code, 401)
        other = webhooks.sign(self.body, "another-shops-secret")
        self.assertEqual(self.post(signature=other).status_code, 401)
        self.assertEqual(self.post(shop_id=self.shop.id + 1000).status_code, 404)
        big = b"{" + b" " * webhooks.MAX_BODY + b"}"
        self.assertEqual(self.post(body=big).status_code, 413)
        self.assertFalse(self.events())
        self.assertEqual(self.shop.webhook_refused_count, 3)


@tagged("post_install", "-at_install")
class TestWebhooksFromSimulator(HttpCase):
    """End to end: the simulator delivers its webhooks to this Odoo's HTTP
    server; the stored events are processed into sale orders."""

    @classmethod
    def _request_handler(cls, s, r, /, **kw):
        # only loopback addresses are called (the simulator, this Odoo); the
        # (connect, read) timeout tuples are passed on as they are
        return _super_send(s, r, **kw)

    def start(self, clock=None):
        """A simulator shop and the Odoo shop connected to it."""
        self.sim = Simulator(
            clock=clock,
            seed=11,
            products=4,
            variants_per_product=(1, 1),
            orders=0,
            client_id="wh-client",
            client_secret="wh-secret",
            currency=self.env.company.currency_id.name,
        )
        server = SimulatorServer(self.sim).start()
        self.addCleanup(server.stop)
        env = self.env
        for rate in (19.0, 7.0, 20.0, 10.0, 8.1, 2.6):  # the simulator's VAT rates
            env["account.tax"].create(
                {
                    "name": f"{rate:g} % incl.",
                    "amount": rate,
                    "type_tax_use": "sale",
                    "price_include_override": "tax_included",
                }
            )
        warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
        self.sku = self.sim.store.all("ProductVariant")[0]["sku"]
        self.product = env["product.product"].create(
            {"name": "Webhook product", "default_code": self.sku, "is_storable": True}
        )
        env["stock.quant"]._update_available_quantity(self.product, warehouse.lot_stock_id, 10)
        self.shop = env["shopify.shop"].create(
            {
                "name": "Simulated shop",
                "domain": self.sim.shop_domain,
                "base_url": server.base_url,
                "auth_method": "client_credentials",
                "client_id": "wh-client",
                "client_secret": "wh-secret",
                "state": "connected",
            }
        )
        env["ir.config_parameter"].sudo().set_param("web.base.url", self.base_url())

    def events(self):
        return self.env["shopify.webhook.event"].search([("shop_id", "=", self.shop.id)])

    def sales(self):
        return self.env["sale.order"].search([("shopify_shop_id", "=", self.shop.id)])

    def deliver(self):
        """Let the simulator's thread send what is due (the deliveries carry
        no test cookie, as Shopify's), then process it."""
        with self.allow_requests(all_requests=True):
            self.assertTrue(self.sim.webhooks.wait_idle(30))
        self.env.invalidate_all()
        # the processing cron commits after each order; a test must not
        with patch.object(self.env.cr, "commit"):
            self.env["shopify.webhook.event"]._cron_process()

    def test_orders_placed_in_the_simulator_arrive_over_http_exactly_once(self):
        self.start()
        run = self.shop._webhook_register()
        self.assertEqual(run.state, "done", run.message_ids.mapped("message"))
        uri = webhooks.callback_url(self.base_url(), self.shop.id)
        subscribed = {s["topic"] for s in self.sim.store.all("WebhookSubscription")}
        self.assertEqual(subscribed, set(webhooks.TOPICS.values()))
        self.assertEqual({s["uri"] for s in self.sim.store.all("WebhookSubscription")}, {uri})

        # every delivery twice, each followed by a forged copy
        self.sim.webhooks.configure(duplicates=1.0, forged=1.0)
        order_gid = self.sim.place_order(lines=[{"sku": self.sku, "quantity": 2}])
        self.deliver()
        counters = self.sim.webhooks.counters
        self.assertEqual(counters["delivered"], 4)  # create + paid, twice each
        self.assertEqual(counters["forged_refused"], 2)
        self.assertEqual(counters["forged_accepted"], 0)
        self.assertEqual(sorted(self.events().mapped("topic")), ["orders/create", "orders/paid"])
        self.assertEqual(self.shop.webhook_refused_count, 2)

        sale = self.sales()
        self.assertEqual(len(sale), 1)
        self.assertEqual(sale.shopify_order_gid, order_gid)
        self.assertEqual(sale.state, "sale")
        total = self.sim.order_totals(order_gid)["totalPriceSet"]
        self.assertEqual(sale.currency_id.compare_amounts(sale.amount_total, float(total)), 0)
        self.assertEqual(
            sale.order_line.filtered("product_id.is_storable").product_id, self.product
        )
        self.assertEqual(set(self.events().mapped("state")), {"done"})
        self.assertEqual(self.events().run_id.trigger, "webhook")

        # cancelled in Shopify: delivered, and the sale order follows
        self.sim.webhooks.configure()
        self.sim.cancel(order_gid)
        self.deliver()
        self.assertEqual(self.sales(), sale)
        self.assertTrue(sale.shopify_cancelled)
        self.assertEqual(sale.state, "cancel")
        self.assertEqual(set(self.events().mapped("state")), {"done"})

    def test_a_delivery_odoo_refuses_is_retried_by_the_simulator(self):
        self.start(clock=FakeClock())
        self.shop._webhook_register()
        secret = self.shop.client_secret
        self.shop.client_secret = "rotated-in-odoo-only"  # Odoo now refuses the signature
        order_gid = self.sim.place_order(lines=[{"sku": self.sku, "quantity": 1}])
        self.deliver()
        self.assertFalse(self.events())
        self.assertEqual(self.shop.webhook_refused_count, 2)  # create and paid
        self.assertEqual(self.sim.webhooks.counters["failed_tries"], 2)
        self.assertEqual(self.sim.webhooks.pending(), 2)  # both wait for their retry
        self.shop.client_secret = secret
        self.sim.clock.advance(RETRY_DELAYS[0])
        self.deliver()
        self.assertEqual(self.sim.webhooks.counters["delivered"], 2)
        self.assertEqual(self.sim.webhooks.pending(), 0)
        self.assertEqual(self.sales().shopify_order_gid, order_gid)
        self.assertEqual(self.sales().state, "sale")
