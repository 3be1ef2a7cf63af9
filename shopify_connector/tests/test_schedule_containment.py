"""One shop's poisoned order or crashing job never stops another shop's schedules."""

from datetime import timedelta
from unittest.mock import patch

import responses

from odoo import fields
from odoo.tools import mute_logger

from .common import cost_extensions
from .order_fixtures import order_node, orders_page
from .test_order_import import OrderCase

OTHER_DOMAIN = "second-shop.myshopify.com"
OTHER_URL = f"https://{OTHER_DOMAIN}/admin/api/2026-10/graphql.json"


class TestScheduleContainment(OrderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other = cls.env["shopify.shop"].create(
            {
                "name": "Second shop",
                "domain": OTHER_DOMAIN,
                "auth_method": "token",
                "access_token": "shpat_second_secret",
                "order_pricelist_id": cls.pricelist_eur.id,
                "state": "connected",
            }
        )
        (cls.shop | cls.other).action_switch_schedules_on()  # new shops start with them off
        Schedule = cls.env["shopify.schedule"]
        Schedule.search([("job", "!=", "orders")]).active = False
        cls.first_schedule = Schedule.search([("shop_id", "=", cls.shop.id)])
        cls.other_schedule = Schedule.search([("shop_id", "=", cls.other.id)])

    def setUp(self):
        super().setUp()
        now = fields.Datetime.now()
        # the failing shop is due first: the other one must still run after it
        self.first_schedule.next_run_at = now - timedelta(minutes=2)
        self.other_schedule.next_run_at = now - timedelta(minutes=1)
        self.startPatcher(patch.object(self.env.cr, "commit"))
        self.startPatcher(patch.object(self.env.cr, "rollback"))

    def run_scheduler(self):
        with mute_logger(
            "odoo.addons.shopify_connector.models.shopify_schedule",
            "odoo.addons.shopify_connector.models.shopify_shop_jobs",
            "odoo.addons.shopify_connector.models.sale_order",
        ):
            return self.env["shopify.schedule"]._cron_run_due()

    def other_page(self, *nodes):
        body = {"data": orders_page(*nodes), "extensions": cost_extensions()}
        self.mock.add(responses.POST, OTHER_URL, json=body)

    def assert_other_shop_ran(self):
        run = self.other_schedule.last_run_id
        self.assertEqual(run.state, "done", run.message_ids.mapped("message"))
        self.assertEqual(run.count_created, 1)
        self.assertEqual(
            self.env["sale.order"].search_count([("shopify_shop_id", "=", self.other.id)]), 1
        )
        self.assertGreater(self.other_schedule.next_run_at, fields.Datetime.now())

    def test_a_poisoned_order_fails_alone_and_the_other_shop_runs(self):
        """A page with an order named with a lone surrogate (imported, its name
        cleaned) and an order that repeats a line ID (refused alone): the good
        order of the page is imported, and the other shop's schedule runs."""
        surrogate = order_node("simple_paid", id="gid://shopify/Order/777")
        surrogate["name"] = "#10\udc80"
        repeated = order_node("simple_paid", id="gid://shopify/Order/778")
        repeated["name"] = "#1099"
        line = repeated["lineItems"]["nodes"][0]
        repeated["lineItems"]["nodes"] = [line, dict(line)]
        self.graphql(orders_page(surrogate, repeated, order_node("percentage_discount")))
        self.other_page(order_node("simple_paid"))
        self.assertEqual(self.run_scheduler(), 2)
        run = self.first_schedule.last_run_id
        self.assertEqual(run.state, "partial", run.message_ids.mapped("message"))
        self.assertEqual((run.count_created, run.count_failed), (2, 1))
        self.assertTrue(self.sale("#1002"), "the good order of the same page is imported")
        cleaned = self.env["sale.order"].search(
            [("shopify_order_gid", "=", "gid://shopify/Order/777")]
        )
        self.assertEqual(len(cleaned), 1)
        self.assertNotIn("\udc80", cleaned.shopify_order_name)
        self.assertTrue(cleaned.shopify_order_name.startswith("#10"))
        failure = run.message_ids.filtered(lambda m: m.level == "error")
        self.assertEqual(len(failure), 1)
        self.assertIn("#1099", failure.message)
        self.assertFalse(self.sale("#1099"), "nothing of the refused order is created")
        self.assert_other_shop_ran()

    def test_a_job_crashing_inside_its_run_fails_that_run_only(self):
        fetch = type(self.shop)._fetch_orders

        def crashing(shop, run, client):
            if shop == self.shop:
                raise RecursionError("maximum recursion depth exceeded")
            return fetch(shop, run, client)

        self.other_page(order_node("simple_paid"))
        with patch.object(type(self.shop), "_fetch_orders", crashing):
            self.assertEqual(self.run_scheduler(), 2)
        run = self.first_schedule.last_run_id
        self.assertEqual((run.state, run.failure_code), ("failed", "crash"))
        self.assertEqual(self.first_schedule.failure_count, 1)
        self.assertGreater(self.first_schedule.next_run_at, fields.Datetime.now())
        self.assert_other_shop_ran()
        self.assertEqual(self.run_scheduler(), 0, "nothing is due any more")

    def test_a_crash_outside_the_run_is_recorded_and_the_other_shop_runs(self):
        configured = type(self.shop)._job_configured

        def broken(shop, job):
            if shop == self.shop:
                raise KeyError("broken set-up")
            return configured(shop, job)

        self.other_page(order_node("simple_paid"))
        with patch.object(type(self.shop), "_job_configured", broken):
            self.assertEqual(self.run_scheduler(), 2)
        run = self.first_schedule.last_run_id
        self.assertEqual((run.state, run.failure_code, run.trigger), ("failed", "crash", "cron"))
        self.assertIn("unexpected error", run.message_ids.message)
        self.assertEqual(self.first_schedule.failure_count, 1)
        self.assert_other_shop_ran()

    def test_a_schedule_that_keeps_failing_backs_off_and_warns(self):
        def crashing(shop, run, client):
            raise RuntimeError("always")

        schedule = self.first_schedule
        self.other_schedule.active = False
        interval = timedelta(minutes=schedule.interval_minutes)
        with patch.object(type(self.shop), "_fetch_orders", crashing):
            for failures in (1, 2, 3, 4):
                schedule.next_run_at = fields.Datetime.now() - timedelta(minutes=1)
                self.assertEqual(self.run_scheduler(), 1)
                self.assertEqual(schedule.failure_count, failures)
        # two transient failures are forgiven, then the wait doubles per failure
        self.assertGreaterEqual(schedule.next_run_at, fields.Datetime.now() + 3 * interval)
        self.assertTrue(self.shop.activity_ids, "an administrator gets a to-do")
        # a good run resets the count and the normal rhythm comes back
        schedule.next_run_at = fields.Datetime.now() - timedelta(minutes=1)
        self.graphql(orders_page(order_node("simple_paid")))
        self.run_scheduler()
        self.assertEqual(schedule.failure_count, 0)
        self.assertLessEqual(schedule.next_run_at, fields.Datetime.now() + interval)
