"""Every job checks its caller; runs and refunds belong to the job machinery.

The calls go through ``odoo.service.model.call_kw``, the function behind the
web client's ``/web/dataset/call_kw`` JSON-RPC route, as the users concerned.
"""

from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.service.model import call_kw
from odoo.tests import new_test_user

from .order_fixtures import order_node, orders_page
from .test_order_import import OrderCase


class TestJobRights(OrderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company_a = cls.shop.company_id
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

        def user(login, groups):
            return new_test_user(
                cls.env,
                login=login,
                groups=groups,
                company_id=company_a.id,
                company_ids=[company_a.id],
            )

        cls.user = user("rights_user", "shopify_connector.shopify_connector_group_user")
        cls.manager = user("rights_manager", "shopify_connector.shopify_connector_group_manager")

    def rpc(self, user, model, method, *args, **kwargs):
        return call_kw(self.env[model].with_user(user), method, list(args), kwargs)

    def queued(self, shop=None):
        return self.env["shopify.run"].search(
            [("shop_id", "=", (shop or self.shop).id), ("state", "=", "queued")]
        )

    def setUp(self):
        super().setUp()
        self.startPatcher(patch.object(type(self.env["ir.cron"]), "_trigger"))

    def test_a_user_cannot_queue_a_manager_job(self):
        """The attack as tried: a Shopify / User queues the one-time stock
        import (it overwrites on-hand quantities) through the list action's
        method. Refused before anything is queued."""
        for job in ("stock_import", "product_import"):
            with self.subTest(job=job), self.assertRaises(AccessError):
                self.rpc(self.user, "shopify.shop", "action_queue_job", [self.shop.id], job)
        with self.assertRaises(AccessError):
            self.rpc(self.user, "shopify.shop", "action_test_connection", [self.shop.id])
        self.assertFalse(self.queued())
        # a Shopify administrator without inventory rights is refused the stock import too
        self.assertFalse(self.manager.has_group("stock.group_stock_manager"))
        with self.assertRaises(AccessError):
            self.rpc(
                self.manager, "shopify.shop", "action_queue_job", [self.shop.id], "stock_import"
            )
        self.assertFalse(self.queued())

    def test_a_user_queues_the_jobs_of_a_user(self):
        self.rpc(self.user, "shopify.shop", "action_queue_job", [self.shop.id], "orders")
        self.rpc(
            self.user,
            "shopify.shop",
            "action_synchronize_shop",
            [self.shop.id],
            context={"shopify_background": True},
        )
        runs = self.queued()
        # the test shop has no stock location and no pricelist: orders only
        self.assertEqual(runs.mapped("job"), ["orders", "orders"])
        self.assertEqual(runs.user_id, self.user)

    def test_unknown_jobs_and_other_companies_are_refused(self):
        with self.assertRaises(UserError):
            self.rpc(self.user, "shopify.shop", "action_queue_job", [self.shop.id], "name")
        # the shop of a company the user does not belong to
        with self.assertRaises(AccessError):
            self.rpc(self.user, "shopify.shop", "action_queue_job", [self.shop_b.id], "orders")
        with self.assertRaises(AccessError):
            self.rpc(self.user, "shopify.shop", "action_fetch_orders", [self.shop_b.id])
        self.assertFalse(self.queued(self.shop_b))

    def test_runs_are_not_user_writable(self):
        """Users read runs; only the machinery creates and changes them."""
        run = self.env["shopify.run"].create({"shop_id": self.shop.id, "job": "orders"})
        for user in (self.user, self.manager):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self.rpc(
                        user, "shopify.run", "create", {"shop_id": self.shop.id, "job": "match"}
                    )
                with self.assertRaises(AccessError):
                    self.rpc(user, "shopify.run", "write", [run.id], {"state": "queued"})
                with self.assertRaises(AccessError):
                    self.rpc(
                        user, "shopify.run.message", "create", {"run_id": run.id, "message": "x"}
                    )
                self.assertTrue(self.rpc(user, "shopify.run", "read", [run.id], ["state"]))
        with self.assertRaises(AccessError):
            self.rpc(self.user, "shopify.run", "unlink", [run.id])
        # a manager deletes finished runs, never one that is still running
        with self.assertRaises(UserError):
            self.rpc(self.manager, "shopify.run", "unlink", [run.id])
        run._finish("done")
        self.rpc(self.manager, "shopify.run", "unlink", [run.id])
        self.assertFalse(run.exists())

    def test_the_queue_checks_the_user_again_and_runs_only_known_jobs(self):
        self.rpc(self.user, "shopify.shop", "action_queue_job", [self.shop.id], "orders")
        run = self.queued()
        # the user loses the group before the queue gets to the run
        self.user.group_ids -= self.env.ref("shopify_connector.shopify_connector_group_user")
        with patch.object(self.env.cr, "commit"):
            self.env["shopify.run"]._cron_process_queue()
        self.assertEqual((run.state, run.failure_code), ("failed", "access"))
        self.assertIn("You may not start", run.message_ids[-1].message)
        self.assertFalse(self.sent_queries(), "nothing was sent to Shopify")
        # no stored string decides what runs: a run of a job without a method fails cleanly
        odd = self.env["shopify.run"].create(
            {"shop_id": self.shop.id, "job": "connection", "state": "queued", "trigger": "cron"}
        )
        with patch.object(self.env.cr, "commit"):
            self.env["shopify.run"]._cron_process_queue()
        self.assertEqual(odd.state, "failed")
        self.assertFalse("method_name" in self.env["shopify.run"]._fields)

    def test_refunds_are_written_by_the_import_only(self):
        partner = self.env["res.partner"].create({"name": "Customer"})
        sale = self.env["sale.order"].create({"partner_id": partner.id})
        for user in (self.user, self.manager):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.rpc(
                    user,
                    "shopify.refund",
                    "create",
                    {"sale_order_id": sale.id, "shopify_refund_gid": "gid://shopify/Refund/1"},
                )

    def test_a_mapping_links_only_a_product_of_the_shops_company(self):
        product_b = self.env["product.product"].create(
            {"name": "B only", "company_id": self.company_b.id}
        )
        variant = self.env["shopify.variant"].search([("shop_id", "=", self.shop.id)], limit=1)
        with self.assertRaises(UserError):
            variant.write({"product_id": product_b.id})
        variant.write({"product_id": self.tshirt.id})  # shared product: fine
        self.assertEqual(variant.product_id, self.tshirt)

    def test_a_shopify_administrator_runs_the_first_order_fetch(self):
        """Not a system, sales or inventory administrator: the first fetch
        creates the shop's Shipping, Tip and Rounding products all the same."""
        self.shop.write(
            {
                "order_shipping_product_id": False,
                "order_tip_product_id": False,
                "order_adjustment_product_id": False,
            }
        )
        self.assertFalse(self.manager.has_group("sales_team.group_sale_manager"))
        self.graphql(orders_page(order_node("simple_paid")))
        self.rpc(self.manager, "shopify.shop", "action_fetch_orders", [self.shop.id])
        run = self.shop.run_ids[:1]
        self.assertEqual(
            (run.state, run.count_created), ("done", 1), run.message_ids.mapped("message")
        )
        self.assertEqual(run.user_id, self.manager)
        self.assertTrue(self.shop.order_shipping_product_id)
        self.assertTrue(self.shop.order_adjustment_product_id)

    def test_a_shopify_administrator_tests_the_connection(self):
        """Legitimate use: a Shopify / Administrator who is no system
        administrator runs Test connection over RPC; the run is logged with
        them as its user."""
        from .test_shop import LOCATIONS, shop_info

        self.assertFalse(self.manager._is_system())
        self.graphql(shop_info(["read_orders"]), LOCATIONS)
        result = self.rpc(self.manager, "shopify.shop", "action_test_connection", [self.shop.id])
        self.assertEqual(result["params"]["type"], "warning")  # scopes are missing
        self.assertEqual(self.shop.state, "connected")
        run = self.env["shopify.run"].search(
            [("shop_id", "=", self.shop.id), ("job", "=", "connection")], limit=1
        )
        self.assertEqual((run.state, run.user_id), ("done", self.manager))
