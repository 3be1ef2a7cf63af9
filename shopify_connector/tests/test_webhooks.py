"""Webhooks on a real Odoo: receiving (signature, repeats), processing (one sale
order per Shopify order, older states never applied, retries, uninstall) and
the repair of the subscriptions. The route itself: test_webhook_http.py."""

import json
from unittest.mock import patch

from odoo import Command, sql_db
from odoo.exceptions import AccessError
from odoo.tests import new_test_user
from odoo.tools import mute_logger

from ..shopify_api import webhooks
from .common import SHOP_DOMAIN
from .order_fixtures import order_node
from .test_order_import import OrderCase

SECRET = "shpss_webhook_signing_secret"
ORDER_GID = "gid://shopify/Order/6100000001001"


class WebhookCase(OrderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.shop.webhook_secret = SECRET

    def deliver(self, topic="orders/create", payload=None, event_id="e-1", secret=SECRET, **extra):
        if payload is None:
            payload = {"id": 6100000001001, "admin_graphql_api_id": ORDER_GID}
        body = json.dumps(payload).encode()
        headers = {
            "X-Shopify-Topic": topic,
            "X-Shopify-Shop-Domain": SHOP_DOMAIN,
            "X-Shopify-Event-Id": event_id,
            "X-Shopify-Webhook-Id": f"w-{event_id}",
            "X-Shopify-Triggered-At": "2026-03-02T09:16:04Z",
        }
        if secret:
            headers["X-Shopify-Hmac-Sha256"] = webhooks.sign(body, secret)
        headers.update(extra)
        return self.env["shopify.webhook.event"].sudo()._receive(self.shop.id, headers, body)

    def events(self):
        return self.env["shopify.webhook.event"].search([("shop_id", "=", self.shop.id)])

    def process(self):
        # the cron commits after each order; a test must not
        with patch.object(self.env.cr, "commit"):
            return self.env["shopify.webhook.event"]._cron_process()

    def order_sales(self):
        return self.env["sale.order"].search(
            [("shopify_shop_id", "=", self.shop.id), ("shopify_order_gid", "=", ORDER_GID)]
        )


class TestReceiving(WebhookCase):
    def test_a_signed_delivery_is_stored_once_however_often_it_comes(self):
        self.assertEqual(self.deliver(), 200)
        self.assertEqual(self.deliver(), 200)
        event = self.events()
        self.assertEqual(len(event), 1)
        self.assertEqual(
            (event.topic, event.event_id, event.order_gid, event.state),
            ("orders/create", "e-1", ORDER_GID, "new"),
        )
        self.assertEqual(str(event.triggered_at), "2026-03-02 09:16:04")
        self.assertEqual(self.shop.webhook_waiting_count, 1)
        self.assertTrue(self.shop.webhook_last_received_at)
        self.assertEqual(self.shop.webhook_refused_count, 0)

    def test_missing_wrong_and_other_shops_signatures_are_refused(self):
        self.assertEqual(self.deliver(secret=None), 401)
        self.assertEqual(self.deliver(**{"X-Shopify-Hmac-Sha256": "d3Jvbmc="}), 401)
        self.assertEqual(self.deliver(secret="the-secret-of-another-shop"), 401)
        self.assertFalse(self.events())
        self.assertEqual(self.shop.webhook_refused_count, 3)

    def test_a_client_credentials_shop_checks_with_its_client_secret(self):
        self.shop.write(
            {"auth_method": "client_credentials", "client_id": "cid", "client_secret": "csec"}
        )
        self.shop.webhook_secret = False
        self.assertEqual(self.deliver(secret=SECRET), 401)
        self.assertEqual(self.deliver(secret="csec"), 200)

    def test_unknown_and_archived_shops_and_large_bodies_are_refused(self):
        Event = self.env["shopify.webhook.event"].sudo()
        body = b"{}"
        signed = {"X-Shopify-Hmac-Sha256": webhooks.sign(body, SECRET)}
        self.assertEqual(Event._receive(self.shop.id + 1000, signed, body), 404)
        big = b"{" + b" " * webhooks.MAX_BODY + b"}"
        big_signed = {"X-Shopify-Hmac-Sha256": webhooks.sign(big, SECRET)}
        self.assertEqual(Event._receive(self.shop.id, big_signed, big), 413)
        self.assertEqual(Event._receive(self.shop.id, signed, None), 413)
        self.shop.active = False
        self.assertEqual(self.deliver(), 404)
        self.assertFalse(self.events())

    def test_the_signing_secret_is_for_system_administrators_only(self):
        user = new_test_user(
            self.env,
            login="wh_manager",
            groups="shopify_connector.shopify_connector_group_manager",
        )
        with self.assertRaises(AccessError):
            self.shop.with_user(user).write({"webhook_secret": "mine"})
        with self.assertRaises(AccessError):
            self.shop.with_user(user).read(["webhook_secret"])


class TestProcessing(WebhookCase):
    def test_an_order_event_imports_exactly_one_sale_order(self):
        self.deliver("orders/create", event_id="e-1")
        self.deliver("orders/paid", event_id="e-2")
        self.graphql({"order": order_node("simple_paid")})
        self.process()
        sale = self.order_sales()
        self.assertEqual(len(sale), 1)
        self.assertEqual(sale.state, "sale")
        self.assertAlmostEqual(sale.amount_total, 57.38, places=2)
        # both events of the order: one read of the order
        self.assertEqual(len(self.sent_queries()), 1)
        self.assertIn("query OrderById", self.sent_queries()[0]["query"])
        self.assertEqual(self.sent_queries()[0]["variables"]["id"], ORDER_GID)
        events = self.events()
        self.assertEqual(set(events.mapped("state")), {"done"})
        run = events.run_id
        self.assertEqual(len(run), 1)
        self.assertEqual((run.job, run.trigger, run.state), ("orders", "webhook", "done"))
        self.assertEqual(run.count_created, 1)
        # a later update of the same order: read again, no second sale order
        self.deliver("orders/updated", event_id="e-3")
        self.graphql({"order": order_node("simple_paid")})
        self.process()
        self.assertEqual(self.order_sales(), sale)
        self.assertEqual(self.events().filtered(lambda e: e.event_id == "e-3").state, "done")

    def test_an_event_older_than_the_imported_order_changes_nothing(self):
        self.deliver("orders/create", event_id="e-1")
        self.graphql({"order": order_node("simple_paid", updatedAt="2026-03-02T12:00:00Z")})
        self.process()
        sale = self.order_sales()
        self.assertEqual(str(sale.shopify_updated_at), "2026-03-02 12:00:00")
        calls = len(self.mock.calls)
        # delivered late: an update made before the imported state
        payload = {"id": 6100000001001, "updated_at": "2026-03-02T10:00:00Z"}
        self.deliver("orders/updated", payload=payload, event_id="e-0")
        self.process()
        self.assertEqual(len(self.mock.calls), calls, "no need to ask Shopify")
        late = self.events().filtered(lambda e: e.event_id == "e-0")
        self.assertEqual(late.state, "done")
        # an answer older than the imported state is not applied either
        refund = {"id": 9, "order_id": 6100000001001}
        self.deliver("refunds/create", payload=refund, event_id="e-4")
        self.graphql(
            {
                "order": order_node(
                    "simple_paid",
                    updatedAt="2026-03-02T11:00:00Z",
                    displayFinancialStatus="REFUNDED",
                )
            }
        )
        self.process()
        self.assertEqual(str(sale.shopify_updated_at), "2026-03-02 12:00:00")
        self.assertNotEqual((sale.shopify_financial_status or "").lower(), "refunded")
        self.assertEqual(self.events().filtered(lambda e: e.event_id == "e-4").state, "done")

    def test_a_test_order_of_a_shop_that_skips_them_is_not_imported(self):
        self.deliver()
        self.graphql({"order": order_node("simple_paid", test=True)})
        self.process()
        self.assertFalse(self.order_sales())
        self.assertEqual(self.events().state, "ignored")

    @mute_logger("odoo.addons.shopify_connector.shopify_api.client")
    def test_a_failed_read_is_tried_again_later(self):
        self.deliver()
        self.graphql({"errors": [{"message": "Invalid API key or access token"}]}, status=401)
        self.process()
        event = self.events()
        self.assertEqual((event.state, event.attempts), ("new", 1))
        self.assertTrue(event.next_attempt_at)
        self.assertTrue(event.last_error)
        self.assertEqual(self.shop.webhook_last_error, event.last_error)
        self.assertFalse(self.order_sales())
        # not due yet: the next run of the cron leaves it
        self.process()
        self.assertEqual(event.attempts, 1)
        event.sudo().next_attempt_at = "2000-01-01 00:00:00"
        self.graphql({"order": order_node("simple_paid")})
        self.process()
        self.assertEqual(event.state, "done")
        self.assertEqual(len(self.order_sales()), 1)

    def test_app_uninstalled_disconnects_the_shop_and_stops_its_schedules(self):
        self.shop.action_switch_schedules_on()
        self.assertTrue(self.shop.schedule_ids.filtered("active"))
        self.deliver("app/uninstalled", payload={"id": 1, "domain": SHOP_DOMAIN}, event_id="u-1")
        self.process()
        self.assertEqual(self.shop.state, "disconnected")
        self.assertFalse(self.shop.with_context(active_test=False).schedule_ids.filtered("active"))
        self.assertEqual(self.events().state, "done")

    def test_product_and_stock_events_are_stored_and_marked_ignored(self):
        self.deliver("products/update", payload={"id": 5}, event_id="p-1")
        self.deliver("inventory_levels/update", payload={"inventory_item_id": 6}, event_id="i-1")
        self.process()
        self.assertEqual(set(self.events().mapped("state")), {"ignored"})
        self.assertFalse(self.mock.calls)

    def test_a_change_made_in_the_second_of_the_imported_state_is_read(self):
        self.deliver("orders/create", event_id="e-1")
        self.graphql({"order": order_node("simple_paid", updatedAt="2026-03-02T12:00:00Z")})
        self.process()
        sale = self.order_sales()
        calls = len(self.mock.calls)
        # cancelled in the same second: Shopify's timestamps have whole seconds
        payload = {"id": 6100000001001, "updated_at": "2026-03-02T12:00:00Z"}
        self.deliver("orders/cancelled", payload=payload, event_id="e-2")
        self.graphql(
            {
                "order": order_node(
                    "simple_paid",
                    updatedAt="2026-03-02T12:00:00Z",
                    cancelledAt="2026-03-02T12:00:00Z",
                    cancelReason="CUSTOMER",
                )
            }
        )
        self.process()
        self.assertEqual(len(self.mock.calls), calls + 1)
        self.assertTrue(sale.shopify_cancelled)
        self.assertEqual(sale.state, "cancel")

    def test_an_event_of_that_second_received_before_the_read_needs_no_new_read(self):
        # orders/create is read at once; orders/paid of the same second had
        # arrived before that read began (Shopify sends both together)
        self.deliver("orders/create", event_id="e-1")
        self.graphql({"order": order_node("simple_paid", updatedAt="2026-03-02T12:00:00Z")})
        self.process()
        payload = {"id": 6100000001001, "updated_at": "2026-03-02T12:00:00Z"}
        self.deliver("orders/paid", payload=payload, event_id="e-2")
        paid = self.events().filtered(lambda e: e.event_id == "e-2")
        first = self.events().filtered(lambda e: e.event_id == "e-1")
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE shopify_webhook_event SET received_at = %s - interval '1 second' "
            "WHERE id = %s",
            [first.order_read_at, paid.id],
        )
        self.env.invalidate_all()
        calls = len(self.mock.calls)
        self.process()
        self.assertEqual(len(self.mock.calls), calls, "answered by the earlier read")
        self.assertEqual(paid.state, "done")


class TestTwoWorkers(WebhookCase):
    """Two workers on the same order: the per-order lock of the processing."""

    OTHER_GID = "gid://shopify/Order/6100000002002"

    def lock_in_another_worker(self, order_gid):
        """A second database connection holding the order's lock, as a worker
        importing that order does until it commits."""
        worker = sql_db.db_connect(self.env.cr.dbname).cursor()
        self.addCleanup(worker.close)
        key = self.env["shopify.run"]._lock_key(self.shop.id, f"order:{order_gid}")
        worker.execute("SELECT pg_try_advisory_xact_lock(%s)", [key])
        self.assertTrue(worker.fetchone()[0])
        return worker

    def test_an_order_another_worker_imports_is_left_to_it_and_others_go_on(self):
        self.deliver("orders/create", event_id="e-1")
        other = {"id": 6100000002002, "admin_graphql_api_id": self.OTHER_GID}
        self.deliver("orders/create", payload=other, event_id="e-2")
        worker = self.lock_in_another_worker(ORDER_GID)
        node = order_node("simple_paid", id=self.OTHER_GID)
        node["name"] = "#2002"
        self.graphql({"order": node})
        self.process()
        # the busy order: not read, not imported, still waiting; the other one done
        self.assertEqual([q["variables"]["id"] for q in self.sent_queries()], [self.OTHER_GID])
        self.assertFalse(self.order_sales())
        first = self.events().filtered(lambda e: e.event_id == "e-1")
        self.assertEqual((first.state, first.attempts), ("new", 0))
        self.assertEqual(self.events().filtered(lambda e: e.event_id == "e-2").state, "done")
        # a repeat arriving meanwhile is dropped; the other worker ends
        self.deliver("orders/create", event_id="e-1")
        worker.rollback()
        self.graphql({"order": order_node("simple_paid")})
        self.process()
        self.assertEqual(len(self.order_sales()), 1)
        self.assertEqual(first.state, "done")

    def test_events_arriving_while_another_worker_imports_the_order_wait_for_it(self):
        self.deliver("orders/create", event_id="e-1")
        self.deliver("orders/paid", event_id="e-2")
        worker = self.lock_in_another_worker(ORDER_GID)
        self.deliver("orders/updated", event_id="e-3")
        self.assertEqual(self.process(), 0)
        self.assertFalse(self.mock.calls)
        self.assertEqual(set(self.events().mapped("state")), {"new"})
        worker.rollback()
        # then the three events of the order are one unit: one read, one sale order
        self.graphql({"order": order_node("simple_paid")})
        self.assertEqual(self.process(), 3)
        self.assertEqual(len(self.sent_queries()), 1)
        self.assertEqual(len(self.order_sales()), 1)
        self.assertEqual(len(self.events().run_id), 1)


class TestStockPushAfterOrders(WebhookCase):
    """The stock push that publishes what webhook orders reserved is debounced."""

    def setUp(self):
        super().setUp()
        location = self.env["shopify.location"].create(
            {
                "shop_id": self.shop.id,
                "name": "Hauptlager",
                "shopify_gid": "gid://shopify/Location/1",
            }
        )
        self.shop.write(
            {
                "stock_location_id": location.id,
                "stock_warehouse_ids": [Command.set(self.env.ref("stock.warehouse0").ids)],
            }
        )
        self.stock_schedule = self.shop.schedule_ids.filtered(lambda s: s.job == "stock_changed")
        self.stock_schedule.active = True
        self.cron = self.env.ref("shopify_connector.shopify_webhook_stock_cron")

    def triggers(self):
        return self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)])

    def orders_arrive(self, *numbers):
        for number in numbers:
            gid = f"gid://shopify/Order/{number}"
            self.deliver(
                payload={"id": number, "admin_graphql_api_id": gid}, event_id=f"o-{number}"
            )
            node = order_node("simple_paid", id=gid)
            node["name"] = f"#{number}"
            self.graphql({"order": node})
        self.process()

    def push(self):
        """Run the cron; the pushes it started (the push itself: test_stock_sync.py)."""
        Shop = type(self.env["shopify.shop"])
        with patch.object(Shop, "_stock_push_changed", autospec=True) as push:
            self.env["shopify.shop"]._cron_stock_after_webhooks()
        return push.call_count

    def test_a_burst_of_webhook_orders_causes_one_changed_stock_push(self):
        self.orders_arrive(7001, 7002, 7003)
        self.assertEqual(
            self.env["sale.order"].search_count([("shopify_shop_id", "=", self.shop.id)]), 3
        )
        self.assertEqual(len(self.triggers()), 1)
        self.assertGreater(self.triggers().call_at, self.env.cr.now())
        self.assertEqual(self.push(), 1)
        run = self.env["shopify.run"].search(
            [("shop_id", "=", self.shop.id), ("job", "=", "stock_changed")]
        )
        self.assertEqual((len(run), run.trigger), (1, "webhook"))
        # nothing imported since: no second push
        self.assertEqual(self.push(), 0)
        # the next order after the push: asked for again, pushed again
        self.triggers().unlink()  # the scheduler has run the cron
        self.orders_arrive(7004)
        self.assertEqual(len(self.triggers()), 1)
        self.assertEqual(self.push(), 1)

    def test_a_shop_whose_changed_stock_schedule_is_off_is_not_pushed(self):
        self.stock_schedule.active = False
        self.orders_arrive(7001)
        self.assertFalse(self.triggers())
        self.assertEqual(self.push(), 0)


class TestSubscriptions(WebhookCase):
    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param(
            "web.base.url", "https://odoo.example.com"
        )
        self.uri = f"https://odoo.example.com/shopify_connector/webhook/{self.shop.id}"

    def answer_mutations(self, count):
        payload = {"webhookSubscription": {"id": "x", "topic": "T", "uri": self.uri}}
        for _n in range(count):
            self.graphql(
                {
                    "webhookSubscriptionCreate": dict(payload, userErrors=[]),
                    "webhookSubscriptionUpdate": dict(payload, userErrors=[]),
                    "webhookSubscriptionDelete": {
                        "deletedWebhookSubscriptionId": "x",
                        "userErrors": [],
                    },
                }
            )

    def test_register_creates_the_missing_fixes_the_wrong_and_keeps_other_apps(self):
        existing = [
            {
                "id": "gid://shopify/WebhookSubscription/1",
                "topic": "ORDERS_CREATE",
                "uri": self.uri,
            },
            {
                "id": "gid://shopify/WebhookSubscription/2",
                "topic": "ORDERS_PAID",
                "uri": f"https://old.example.com/shopify_connector/webhook/{self.shop.id}",
            },
            {
                "id": "gid://shopify/WebhookSubscription/3",
                "topic": "CARTS_CREATE",
                "uri": f"https://odoo.example.com/shopify_connector/webhook/{self.shop.id}",
            },
            {
                "id": "gid://shopify/WebhookSubscription/4",
                "topic": "ORDERS_UPDATED",
                "uri": "https://another-app.example.com/hooks",
            },
        ]
        self.graphql(
            {
                "webhookSubscriptions": {
                    "nodes": existing,
                    "pageInfo": {"hasNextPage": False, "endCursor": None},
                }
            }
        )
        missing = len(webhooks.TOPICS) - 2
        self.answer_mutations(missing + 2)
        self.shop.state = "connected"
        self.shop.action_register_webhooks()
        sent = self.sent_queries()[1:]
        creates = [q for q in sent if "webhookSubscriptionCreate(" in q["query"]]
        updates = [q for q in sent if "webhookSubscriptionUpdate(" in q["query"]]
        deletes = [q for q in sent if "webhookSubscriptionDelete(" in q["query"]]
        self.assertEqual(len(creates), missing)
        self.assertNotIn("ORDERS_CREATE", [q["variables"]["topic"] for q in creates])
        self.assertIn("ORDERS_UPDATED", [q["variables"]["topic"] for q in creates])
        self.assertTrue(
            all(q["variables"]["webhookSubscription"]["uri"] == self.uri for q in creates)
        )
        self.assertEqual([q["variables"]["id"] for q in updates], [existing[1]["id"]])
        self.assertEqual([q["variables"]["id"] for q in deletes], [existing[2]["id"]])
        self.assertEqual(len(self.shop.webhook_topics.split(", ")), len(webhooks.TOPICS))
        run = self.env["shopify.run"].search([("job", "=", "webhooks")], limit=1)
        self.assertEqual(run.state, "done")

    def test_a_topic_shopify_refuses_is_reported_and_the_others_subscribed(self):
        self.graphql(
            {"webhookSubscriptions": {"nodes": [], "pageInfo": {"hasNextPage": False}}},
            {
                "webhookSubscriptionCreate": {
                    "webhookSubscription": None,
                    "userErrors": [{"field": ["topic"], "message": "Access denied"}],
                }
            },
        )
        self.answer_mutations(len(webhooks.TOPICS) - 1)
        self.shop.action_register_webhooks()
        run = self.env["shopify.run"].search([("job", "=", "webhooks")], limit=1)
        self.assertEqual(run.state, "partial")
        self.assertEqual(run.count_failed, 1)
        self.assertIn("Access denied", run.message_ids.message)
        self.assertEqual(len(self.shop.webhook_topics.split(", ")), len(webhooks.TOPICS) - 1)

    def test_only_shopify_administrators_register_webhooks(self):
        user = new_test_user(
            self.env, login="wh_user", groups="shopify_connector.shopify_connector_group_user"
        )
        with self.assertRaises(AccessError):
            self.shop.with_user(user).action_register_webhooks()
        self.assertFalse(self.mock.calls)
