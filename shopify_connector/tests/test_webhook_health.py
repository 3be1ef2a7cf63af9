"""Webhooks in operation on a real Odoo: *Test connection* registers them, the
shop shows whether they work, and the scheduled order fetch runs less often
while they do (and at its own interval again as soon as they do not)."""

from datetime import timedelta

from odoo import fields

from ..shopify_api import webhooks
from .order_fixtures import orders_page
from .test_shop import ALL_SCOPES, LOCATIONS, shop_info
from .test_webhooks import WebhookCase

ALL_TOPICS = ", ".join(sorted(webhooks.TOPICS))


class TestWebhookHealth(WebhookCase):
    def setUp(self):
        super().setUp()
        self.orders = self.shop.with_context(active_test=False).schedule_ids.filtered(
            lambda s: s.job == "orders"
        )
        self.orders.write({"active": True, "interval_minutes": 10})

    def healthy(self):
        self.shop.write(
            {"webhook_topics": ALL_TOPICS, "webhook_checked_at": fields.Datetime.now()}
        )
        self.shop.invalidate_recordset()

    def fetched_minutes_ago(self, minutes, created=0):
        started = fields.Datetime.now() - timedelta(minutes=minutes)
        run = self.env["shopify.run"].create(
            {
                "shop_id": self.shop.id,
                "job": "orders",
                "trigger": "cron",
                "state": "done",
                "started_at": started,
                "count_created": created,
            }
        )
        self.orders.write({"last_run_at": started, "last_run_id": run.id})
        return run

    def order_runs(self):
        return self.env["shopify.run"].search_count(
            [("shop_id", "=", self.shop.id), ("job", "=", "orders")]
        )

    def test_a_shop_without_subscriptions_fetches_at_its_interval(self):
        self.assertFalse(self.shop.webhook_healthy)
        self.assertIn("not registered", self.shop.webhook_state_note)
        self.fetched_minutes_ago(11)
        runs = self.order_runs()
        self.graphql(orders_page())
        self.orders._run_now()
        self.assertEqual(self.order_runs(), runs + 1)

    def test_while_webhooks_work_the_fetch_waits_for_the_relaxed_interval(self):
        self.healthy()
        self.assertTrue(self.shop.webhook_healthy, self.shop.webhook_state_note)
        self.assertIn("every 60 minutes", self.shop.webhook_state_note)
        self.fetched_minutes_ago(11)
        runs = self.order_runs()
        self.orders._run_now()
        self.assertEqual(self.order_runs(), runs, "the 10-minute slot is passed")
        self.assertFalse(self.mock.calls)
        self.assertGreater(self.orders.next_run_at, fields.Datetime.now())
        # an hour after the last fetch, the safety net runs
        self.fetched_minutes_ago(61)
        runs = self.order_runs()
        self.graphql(orders_page())
        self.orders._run_now()
        self.assertEqual(self.order_runs(), runs + 1)

    def test_a_fetch_that_finds_orders_the_webhooks_missed_restores_the_interval(self):
        self.healthy()
        self.fetched_minutes_ago(11, created=2)
        self.assertFalse(self.shop.webhook_healthy)
        self.assertIn("found 2 orders", self.shop.webhook_state_note)
        runs = self.order_runs()
        self.graphql(orders_page())
        self.orders._run_now()
        self.assertEqual(self.order_runs(), runs + 1)

    def test_a_missing_topic_or_an_old_check_is_a_fault(self):
        self.healthy()
        self.shop.webhook_topics = "orders/create, orders/paid"
        self.assertIn("not subscribed", self.shop.webhook_state_note)
        self.healthy()
        self.shop.webhook_checked_at = fields.Datetime.now() - timedelta(days=3)
        self.assertIn("not checked", self.shop.webhook_state_note)
        self.shop.webhook_fetch_interval = 0
        self.healthy()
        self.assertEqual(self.shop._webhook_relaxed_interval(), 0)


class TestConnectionRegistersWebhooks(WebhookCase):
    def answer_registration(self):
        self.graphql({"webhookSubscriptions": {"nodes": [], "pageInfo": {"hasNextPage": False}}})
        payload = {"webhookSubscription": {"id": "x", "topic": "T", "uri": "u"}, "userErrors": []}
        for _topic in webhooks.TOPICS:
            self.graphql({"webhookSubscriptionCreate": payload})

    def test_test_connection_over_https_subscribes_every_topic(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "web.base.url", "https://odoo.example.com"
        )
        self.graphql(shop_info(ALL_SCOPES), LOCATIONS)
        self.answer_registration()
        action = self.shop.action_test_connection()
        self.assertEqual(action["params"]["type"], "success")
        run = self.env["shopify.run"].search([("job", "=", "webhooks")], limit=1)
        self.assertEqual(run.state, "done", run.message_ids.mapped("message"))
        self.assertEqual(self.shop.webhook_topics, ALL_TOPICS)
        created = [q for q in self.sent_queries() if "webhookSubscriptionCreate" in q["query"]]
        self.assertEqual(len(created), len(webhooks.TOPICS))

    def test_an_odoo_without_https_is_not_registered(self):
        self.env["ir.config_parameter"].sudo().set_param("web.base.url", "http://localhost:8069")
        self.graphql(shop_info(ALL_SCOPES), LOCATIONS)
        self.shop.action_test_connection()
        self.assertEqual(self.shop.state, "connected")
        self.assertFalse(self.env["shopify.run"].search([("job", "=", "webhooks")]))
        self.assertEqual(len(self.sent_queries()), 2)
