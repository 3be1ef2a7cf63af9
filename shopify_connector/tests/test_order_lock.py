"""One order imported by one worker at a time: the scheduled fetch and the
webhook processing share the per-order lock (models/shopify_shop_order_lock.py).

The other worker is a second database connection holding the order's lock,
as a worker importing that order does until it commits."""

from odoo import sql_db

from .order_fixtures import order_node
from .test_webhooks import ORDER_GID, WebhookCase

OTHER_GID = "gid://shopify/Order/6100000002002"


class TestFetchAndWebhookShareTheOrderLock(WebhookCase):
    def lock_in_another_worker(self, order_gid):
        worker = sql_db.db_connect(self.env.cr.dbname).cursor()
        self.addCleanup(worker.close)
        key = self.env["shopify.run"]._lock_key(self.shop.id, f"order:{order_gid}")
        worker.execute("SELECT pg_try_advisory_xact_lock(%s)", [key])
        self.assertTrue(worker.fetchone()[0])
        return worker

    def other_node(self):
        node = order_node("simple_paid", id=OTHER_GID, updatedAt="2026-03-02T09:20:00Z")
        node["name"] = "#2002"
        return node

    def test_the_fetch_hands_an_order_a_webhook_imports_to_the_queue(self):
        worker = self.lock_in_another_worker(ORDER_GID)
        run = self.fetch(order_node("simple_paid"), self.other_node())
        # the busy order: not imported by the fetch, reported, queued; the other one imported
        self.assertFalse(self.order_sales())
        self.assertTrue(self.sale("#2002"))
        self.assertEqual(run.count_created, 1)
        self.assertNotEqual(run.state, "failed")
        self.assertIn(
            "another worker", " ".join(run.message_ids.mapped("message")), "reported in the run"
        )
        queued = self.events().filtered(lambda e: e.order_gid == ORDER_GID)
        self.assertEqual((len(queued), queued.state), (1, "new"))
        self.assertTrue(queued.event_id.startswith("deferred:"))
        # fetched again while still busy: one queued event per order and state
        self.fetch(order_node("simple_paid"))
        self.assertEqual(len(self.events().filtered(lambda e: e.order_gid == ORDER_GID)), 1)
        # the other worker ends: the queue reads the order by ID, exactly one sale order
        worker.rollback()
        self.graphql({"order": order_node("simple_paid")})
        self.process()
        self.assertEqual(len(self.order_sales()), 1)
        self.assertEqual(queued.state, "done")
        self.assertEqual(
            [q["variables"]["id"] for q in self.sent_queries()[-1:]],
            [ORDER_GID],
        )

    def test_an_order_the_fetch_imports_is_left_by_the_webhook_processing(self):
        # the fetch holds the order's lock until its transaction commits: the
        # webhook processing of another worker must not import it meanwhile
        self.fetch(order_node("simple_paid"))
        self.assertEqual(len(self.order_sales()), 1)
        worker = sql_db.db_connect(self.env.cr.dbname).cursor()
        self.addCleanup(worker.close)
        key = self.env["shopify.run"]._lock_key(self.shop.id, f"order:{ORDER_GID}")
        worker.execute("SELECT pg_try_advisory_xact_lock(%s)", [key])
        self.assertFalse(worker.fetchone()[0], "the fetch's transaction holds the lock")
