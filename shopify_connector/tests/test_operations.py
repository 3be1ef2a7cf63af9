from datetime import datetime, timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import UserError, ValidationError

from ..models.shopify_run import JobAlreadyRunning
from .common import ShopifyCase


class TestJobLock(ShopifyCase):
    def test_same_job_group_never_runs_twice_at_once(self):
        Run = self.env["shopify.run"]
        with Run._job_lock(self.shop.id, "orders"):
            # another worker (a connection of its own) cannot take it ...
            with self.assertRaises(JobAlreadyRunning), Run._job_lock(self.shop.id, "orders"):
                pass
            # ... nor the daily re-fetch, which shares the order lock
            with self.assertRaises(JobAlreadyRunning), Run._job_lock(self.shop.id, "refetch"):
                pass
            # another job group, or another shop, is free
            with Run._job_lock(self.shop.id, "stock_changed"):
                pass
            other = self.shop.copy({"domain": "other-shop.myshopify.com"})
            with Run._job_lock(other.id, "orders"):
                pass
        # released at the end
        with Run._job_lock(self.shop.id, "orders"):
            pass

    def test_runs_left_running_by_a_dead_worker_are_closed(self):
        """Invariant: once a job's lock is taken, no earlier run of its lock
        group can still be running (its worker is gone)."""
        Run = self.env["shopify.run"]
        dead = Run.create({"shop_id": self.shop.id, "job": "refetch"})
        other_group = Run.create({"shop_id": self.shop.id, "job": "stock_all"})
        with Run._job_lock(self.shop.id, "orders"):
            pass
        self.assertEqual(dead.state, "failed")
        self.assertIn("stopped before the end", dead.message_ids.message)
        self.assertEqual(other_group.state, "running")

    def test_a_second_start_is_told_the_job_is_running(self):
        Run = self.env["shopify.run"]
        with Run._job_lock(self.shop.id, "match"), self.assertRaises(UserError) as ctx:
            self.shop.action_match_products()
        self.assertIn("already running", str(ctx.exception))


class TestBackgroundRuns(ShopifyCase):
    def test_web_client_start_queues_and_the_queue_runs_it(self):
        self.graphql(
            {
                "productVariants": {
                    "nodes": [],
                    "pageInfo": {"hasNextPage": False, "endCursor": None},
                }
            }
        )
        with patch.object(type(self.env["ir.cron"]), "_trigger") as trigger:
            action = self.shop.with_context(shopify_background=True).action_match_products()
        trigger.assert_called()
        run = self.shop.run_ids[:1]
        self.assertEqual(run.state, "queued")
        self.assertIn("background", action["params"]["message"])
        self.assertFalse(self.mock.calls, "nothing is sent before the queue runs")
        # the queue's cron commits between runs: keep the test transaction
        with patch.object(self.env.cr, "commit"):
            self.env["shopify.run"]._cron_process_queue()
        self.assertEqual(run.state, "done")
        self.assertEqual(len(self.mock.calls), 1)

    def test_failed_background_run_notifies_its_user(self):
        self.mock.add(
            "POST",
            "https://test-shop.myshopify.com/admin/api/2026-10/graphql.json",
            json={"errors": "[API] Invalid API key or access token"},
            status=401,
        )
        with patch.object(type(self.env["ir.cron"]), "_trigger"):
            self.shop.with_context(shopify_background=True).action_match_products()
        run = self.shop.run_ids[:1]
        sent = []
        with (
            patch.object(self.env.cr, "commit"),
            patch.object(self.env.cr, "rollback"),
            patch.object(
                type(self.env.user), "_bus_send", lambda user, kind, msg: sent.append(msg)
            ),
        ):
            self.env["shopify.run"]._cron_process_queue()
        self.assertEqual(run.state, "failed")
        self.assertEqual(run.failure_code, "authentication")
        self.assertEqual(len(sent), 1)
        self.assertIn("refused the access token", sent[0]["message"])

    def test_retry_queues_the_failed_job_again(self):
        run = self.env["shopify.run"].create({"shop_id": self.shop.id, "job": "match"})
        run._finish("failed")
        with patch.object(type(self.env["ir.cron"]), "_trigger"):
            run.action_retry()
        retry = self.shop.run_ids[:1]
        self.assertNotEqual(retry, run)
        self.assertEqual((retry.job, retry.state), ("match", "queued"))
        done = self.env["shopify.run"].create({"shop_id": self.shop.id, "job": "match"})
        done._finish("done")
        with self.assertRaises(UserError):
            done.action_retry()

    def test_old_runs_are_cleaned_up(self):
        Run = self.env["shopify.run"]
        old = Run.create({"shop_id": self.shop.id, "job": "match"})
        old._finish("done")
        old.started_at = fields.Datetime.now() - timedelta(days=40)
        recent = Run.create({"shop_id": self.shop.id, "job": "match"})
        recent._finish("done")
        self.shop.run_retention_days = 30
        Run.flush_model()
        Run._cron_cleanup()
        self.assertFalse(old.exists())
        self.assertTrue(recent.exists())


class TestSchedules(ShopifyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.shop.action_switch_schedules_on()  # a new shop's schedules start off

    def schedule(self, job):
        return self.shop.schedule_ids.filtered(lambda s: s.job == job)

    def test_each_shop_gets_its_schedules(self):
        self.assertEqual(
            sorted(self.shop.with_context(active_test=False).schedule_ids.mapped("job")),
            ["orders", "payouts", "prices", "refetch", "stock_all", "stock_changed"],
        )
        self.assertEqual(self.schedule("orders").interval_minutes, 10)

    def test_next_run_follows_interval_and_start_time(self):
        orders = self.schedule("orders")
        self.shop.shopify_timezone = "UTC"
        self.schedule("refetch").active = False
        orders.write({"interval_minutes": 15, "start_time": 6.5})
        now = datetime(2026, 3, 2, 7, 0)
        with patch.object(fields.Datetime, "now", return_value=now):
            orders._plan_next()
        self.assertEqual(orders.next_run_at, datetime(2026, 3, 2, 7, 15))

    def test_regular_fetch_keeps_its_distance_from_the_daily_refetch(self):
        self.shop.shopify_timezone = "UTC"
        self.schedule("refetch").write({"start_time": 2.0, "offset_seconds": 60})
        orders = self.schedule("orders")
        orders.write({"interval_minutes": 10, "start_time": 0.0})
        with patch.object(fields.Datetime, "now", return_value=datetime(2026, 3, 2, 1, 55)):
            orders._plan_next()
        self.assertEqual(orders.next_run_at, datetime(2026, 3, 2, 2, 1))

    def test_order_interval_is_1_to_60_minutes(self):
        with self.assertRaises(ValidationError):
            self.schedule("orders").interval_minutes = 90

    def test_due_schedule_runs_and_plans_its_next_run(self):
        self.shop.state = "connected"
        schedule = self.schedule("orders")
        self.env["shopify.schedule"].search([("id", "!=", schedule.id)]).active = False
        schedule.next_run_at = fields.Datetime.now() - timedelta(minutes=1)
        calls = []
        with (
            patch.object(
                type(self.shop),
                "_fetch_orders",
                lambda shop, run, client: calls.append(shop.id),
                create=True,
            ),
            patch.object(self.env.cr, "commit"),
        ):
            self.env["shopify.schedule"]._cron_run_due()
        self.assertEqual(calls, [self.shop.id])
        self.assertEqual(schedule.last_run_id.trigger, "cron")
        self.assertGreater(schedule.next_run_at, fields.Datetime.now())

    def test_archived_or_never_connected_shop_is_left_alone(self):
        schedule = self.schedule("orders")
        schedule.next_run_at = fields.Datetime.now() - timedelta(minutes=1)
        with patch.object(self.env.cr, "commit"):
            self.assertEqual(self.env["shopify.schedule"]._cron_run_due(), 0)  # draft
            self.shop.state = "connected"
            self.shop.active = False
            self.assertEqual(self.env["shopify.schedule"]._cron_run_due(), 0)

    def test_refused_credentials_back_off_and_warn_an_administrator(self):
        self.shop.state = "connected"
        schedule = self.schedule("orders")
        self.env["shopify.schedule"].search([("id", "!=", schedule.id)]).active = False
        for _attempt in range(2):
            self.mock.add(
                "POST",
                "https://test-shop.myshopify.com/admin/api/2026-10/graphql.json",
                json={"errors": "[API] Invalid API key or access token"},
                status=401,
            )
        schedule.next_run_at = fields.Datetime.now() - timedelta(minutes=1)
        with patch.object(self.env.cr, "commit"), patch.object(self.env.cr, "rollback"):
            self.env["shopify.schedule"]._cron_run_due()
        self.assertEqual(schedule.failure_count, 1)
        # waits twice the interval instead of 10 minutes
        self.assertGreaterEqual(
            schedule.next_run_at, fields.Datetime.now() + timedelta(minutes=19)
        )
        activity = self.shop.activity_ids
        self.assertTrue(activity, "an administrator gets a to-do")
        self.assertIn("refused the access token", activity[0].note)


class TestCrashContainment(ShopifyCase):
    def test_an_unexpected_error_fails_only_its_run(self):
        """A job that crashes (not a Shopify or user error) ends its run Failed
        with a message; the exception does not reach the caller (the scheduler)."""
        shop = self.shop

        def crash(run, client):
            self.env["shopify.run.message"].create(
                {"run_id": run.id, "message": "half-done work", "level": "info"}
            )
            raise RecursionError("maximum recursion depth exceeded")

        with patch.object(
            type(shop), "_match_products", lambda _shop, run, client: crash(run, client)
        ):
            run = shop._run_job("match", trigger="cron")
        self.assertEqual(run.state, "failed")
        self.assertEqual(run.failure_code, "crash")
        self.assertIn("RecursionError", run.message_ids.mapped("message")[-1])
        # the work of the crashed job is rolled back, the run record stays
        self.assertNotIn("half-done work", run.message_ids.mapped("message"))
        # the next job of the same shop runs as usual
        self.graphql(
            {
                "productVariants": {
                    "nodes": [],
                    "pageInfo": {"hasNextPage": False, "endCursor": None},
                }
            }
        )
        self.assertNotEqual(shop._run_job("match").state, "failed")
