"""What a merchant sees on the forms: schedules with their switches, a new
shop's schedules off, the end of a run told to the user who started it, the
mapping opened on what needs attention, a readable Shopify tab on the order."""

from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import Form, new_test_user

from .common import ShopifyCase
from .test_shop import ALL_SCOPES, LOCATIONS, shop_info

MANAGER = "shopify_connector.shopify_connector_group_manager"
DEFAULT_ON = {"orders", "refetch", "stock_changed", "prices"}


class MerchantCase(ShopifyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            login="shopify_merchant",
            groups=f"base.group_user,{MANAGER}",
            lang="en_US",
        )

    def schedules(self, shop=None):
        return (shop or self.shop).schedule_ids

    def states(self, shop=None):
        return {s.job: s.active for s in self.schedules(shop)}


class TestSchedulesOnTheForm(MerchantCase):
    def test_every_schedule_is_listed_on_the_form_with_its_switch(self):
        shop = self.shop.with_user(self.manager)
        with Form(shop) as form:
            jobs = {form.schedule_ids.edit(i).job for i in range(len(form.schedule_ids))}
        self.assertEqual(
            jobs, {"orders", "refetch", "stock_changed", "stock_all", "prices", "payouts"}
        )

    def test_each_schedule_is_switched_on_and_off_from_the_form(self):
        shop = self.shop.with_user(self.manager)
        for on in (True, False):
            with Form(shop) as form:
                self.assertEqual(len(form.schedule_ids), 6, "switched-off schedules stay listed")
                for index in range(len(form.schedule_ids)):
                    with form.schedule_ids.edit(index) as line:
                        line.active = on
            self.assertEqual(set(self.states().values()), {on})
            self.assertEqual(self.shop.schedules_on, on)

    def test_sync_all_stock_can_be_switched_on_from_the_form(self):
        self.shop.action_switch_schedules_on()
        self.assertFalse(self.states()["stock_all"], "off by default")
        with Form(self.shop.with_user(self.manager)) as form:
            for index in range(len(form.schedule_ids)):
                with form.schedule_ids.edit(index) as line:
                    if line.job == "stock_all":
                        line.active = True
        stock_all = self.schedules().filtered(lambda s: s.job == "stock_all")
        self.assertTrue(stock_all.active)
        self.assertTrue(stock_all.next_run_at, "switched on, it is planned")


class TestNewShopSchedules(MerchantCase):
    def test_a_new_shop_starts_with_its_schedules_off_and_says_so(self):
        self.assertEqual(set(self.states().values()), {False})
        self.assertFalse(self.shop.schedules_on)
        arch = self.env["shopify.shop"].with_user(self.manager).get_views([(False, "form")])
        form_arch = arch["views"]["form"]["arch"]
        self.assertIn('name="schedules_off"', form_arch)
        self.assertIn('name="action_switch_schedules_on"', form_arch)

    def test_test_connection_leaves_the_schedules_off(self):
        self.graphql(shop_info(ALL_SCOPES), LOCATIONS)
        self.shop.with_user(self.manager).action_test_connection()
        self.assertEqual(self.shop.state, "connected")
        self.assertEqual(set(self.states().values()), {False})
        for schedule in self.schedules():
            schedule.with_context(shopify_planning=True).next_run_at = fields.Datetime.now() - (
                timedelta(minutes=1)
            )
        with patch.object(self.env.cr, "commit"):
            self.assertEqual(self.env["shopify.schedule"]._cron_run_due(), 0)

    def test_switch_schedules_on_starts_the_default_jobs_only(self):
        self.shop.with_user(self.manager).action_switch_schedules_on()
        on = {job for job, active in self.states().items() if active}
        self.assertEqual(on, DEFAULT_ON, "Sync all stock and Import payouts stay off")
        self.assertTrue(self.shop.schedules_on)
        self.assertTrue(all(self.schedules().filtered("active").mapped("next_run_at")))

    def test_switching_on_keeps_what_the_merchant_set(self):
        """An existing shop's schedules stay as they are: neither adding a missing
        job's schedule nor the button switches anything off or changes an interval."""
        self.shop.action_switch_schedules_on()
        stock_all = self.schedules().filtered(lambda s: s.job == "stock_all")
        stock_all.active = True
        orders = self.schedules().filtered(lambda s: s.job == "orders")
        orders.interval_minutes = 5
        self.shop._create_default_schedules()  # as an upgrade adding a job would
        self.assertEqual(len(self.schedules()), 6)
        self.assertTrue(stock_all.active)
        self.assertEqual(orders.interval_minutes, 5)
        self.shop.action_switch_schedules_on()
        self.assertTrue(stock_all.active, "switching on never switches anything off")


class TestEndOfRunNotification(MerchantCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("de_DE")
        cls.env["ir.module.module"]._load_module_terms(
            ["shopify_connector"], ["de_DE"], overwrite=True
        )
        cls.manager.lang = "de_DE"

    def setUp(self):
        super().setUp()
        self.startPatcher(patch.object(type(self.env["ir.cron"]), "_trigger"))
        self.startPatcher(patch.object(self.env.cr, "commit"))
        self.startPatcher(patch.object(self.env.cr, "rollback"))
        self.sent = []
        self.startPatcher(
            patch.object(
                type(self.env["res.users"]),
                "_bus_send",
                lambda user, kind, payload: self.sent.append((user, kind, payload)),
            )
        )

    def start_match(self):
        shop = self.shop.with_user(self.manager).with_context(shopify_background=True)
        shop.action_match_products()
        run = self.shop.run_ids[:1]
        self.assertEqual(run.state, "queued")
        self.env["shopify.run"]._cron_process_queue()
        return run

    def german_state(self, state):
        Run = self.env["shopify.run"].with_context(lang="de_DE")
        return dict(Run._fields["state"]._description_selection(Run.env))[state]

    def test_the_user_is_told_when_the_run_ends_with_a_button_to_it(self):
        self.graphql(
            {
                "productVariants": {
                    "nodes": [],
                    "pageInfo": {"hasNextPage": False, "endCursor": None},
                }
            }
        )
        run = self.start_match()
        self.assertEqual(run.state, "done")
        self.assertEqual(len(self.sent), 1)
        user, kind, payload = self.sent[0]
        self.assertEqual(user, self.manager)
        self.assertEqual(kind, "account_notification")
        self.assertEqual((payload["type"], payload["sticky"]), ("success", False))
        self.assertIn(self.german_state("done"), payload["title"])
        self.assertIn(self.shop.name, payload["title"])
        self.assertEqual(payload["message"], run.summary)
        button = payload["action_button"]
        self.assertEqual((button["model"], button["res_ids"]), ("shopify.run", [run.id]))

    def test_a_failed_run_is_told_and_stays_on_screen(self):
        self.graphql({"errors": "[API] Invalid API key or access token"}, status=401)
        run = self.start_match()
        self.assertEqual(run.state, "failed")
        self.assertEqual(len(self.sent), 1)
        payload = self.sent[0][2]
        self.assertEqual((payload["type"], payload["sticky"]), ("danger", True))
        self.assertIn(self.german_state("failed"), payload["title"])
        self.assertEqual(payload["message"], run.message_ids[0].message)

    def test_a_scheduled_run_tells_nobody(self):
        self.shop.state = "connected"
        self.shop.action_switch_schedules_on()
        schedule = self.schedules().filtered(lambda s: s.job == "orders")
        (self.schedules() - schedule).active = False
        schedule.next_run_at = fields.Datetime.now() - timedelta(minutes=1)
        with patch.object(
            type(self.shop), "_fetch_orders", lambda shop, run, client: None, create=True
        ):
            self.assertEqual(self.env["shopify.schedule"]._cron_run_due(), 1)
        self.assertEqual(schedule.last_run_id.state, "done")
        self.assertFalse(self.sent)


class TestMappingAndOrderTab(MerchantCase):
    def variant(self, number, **values):
        return self.env["shopify.variant"].create(
            {
                "shop_id": self.shop.id,
                "shopify_variant_gid": f"gid://shopify/ProductVariant/{number}",
                "sku": f"SKU-{number}",
                **values,
            }
        )

    def test_the_mapping_opens_on_what_needs_attention(self):
        product = self.env["product.product"].create({"name": "Shirt"})
        linked = self.variant(1, product_id=product.id, match_state="matched")
        unmatched = self.variant(2)
        ambiguous = self.variant(3, match_state="ambiguous")
        stock_problem = self.variant(
            4, product_id=product.id, match_state="matched", stock_note="Not stocked"
        )
        self.assertEqual(self.shop.variant_count, 2, "the smart button counts linked variants")
        action = self.shop.action_open_variants()
        self.assertEqual(action["context"]["search_default_attention"], 1)
        menu = self.env["ir.actions.act_window"]._for_xml_id(
            "shopify_connector.shopify_variant_action"
        )
        self.assertIn("search_default_attention", menu["context"])
        search = self.env["shopify.variant"].get_views([(False, "search")])
        arch = search["views"]["search"]["arch"]
        self.assertIn('name="attention"', arch)
        attention = [
            "|",
            "|",
            ("product_id", "=", False),
            ("match_state", "=", "ambiguous"),
            ("stock_note", "!=", False),
        ]
        shown = self.env["shopify.variant"].search(action["domain"] + attention)
        self.assertEqual(shown, unmatched | ambiguous | stock_problem)
        self.assertNotIn(linked, shown)

    def test_the_order_tab_links_to_shopify_and_reads_the_statuses(self):
        partner = self.env["res.partner"].create({"name": "Kundin"})
        order = self.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "shopify_shop_id": self.shop.id,
                "shopify_order_gid": "gid://shopify/Order/5001",
                "shopify_order_name": "#1001",
                "shopify_financial_status": "PARTIALLY_REFUNDED",
                "shopify_fulfillment_status": "UNFULFILLED",
            }
        )
        self.assertEqual(
            order.shopify_admin_url, "https://admin.shopify.com/store/test-shop/orders/5001"
        )
        self.assertEqual(order.shopify_payment_status, "PARTIALLY_REFUNDED")
        self.assertEqual(order.shopify_delivery_status, "UNFULFILLED")
        labels = dict(order._fields["shopify_payment_status"]._description_selection(order.env))
        self.assertEqual(labels["PARTIALLY_REFUNDED"], "Partially refunded")
        order.shopify_fulfillment_status = "SOMETHING_NEW"
        self.assertFalse(order.shopify_delivery_status, "an unknown code shows as it is")
        views = self.env["sale.order"].get_views([(False, "form")])
        arch = views["views"]["form"]["arch"]
        self.assertIn('name="shopify_admin_url"', arch)
        self.assertIn('name="shopify_payment_status"', arch)
