"""One record per Shopify shop, secrets never in the log, archive instead of
delete, orders recognised by the shop's identity, a fetch mark that never
runs ahead of Shopify.

Calls a person makes go through ``odoo.service.model.call_kw`` (the function
behind the web client's JSON-RPC route), as the users concerned.
"""

import logging
import time
from contextlib import contextmanager
from datetime import datetime, timedelta
from unittest.mock import patch

import psycopg2
import responses

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.service.model import call_kw
from odoo.tests import new_test_user
from odoo.tools import mute_logger

from ..models.shopify_access_token import ShopifyTokenStore
from .common import GRAPHQL_URL, cost_extensions
from .order_fixtures import order_node, orders_page
from .test_order_import import OrderCase
from .test_shop import LOCATIONS, shop_info

SHOP_GID = "gid://shopify/Shop/4242"
ATTACK_TOKEN = "shpat_attack_token_never_logged"
STORED_TOKEN = "shpat_test_secret_token"  # the token of OrderCase's shop


def shop_answer(gid=SHOP_GID):
    info = shop_info(["read_orders"])
    info["shop"] = {**info["shop"], "id": gid}
    return info


class TestShopIdentity(OrderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.env.ref("base.user_admin")
        cls.company_b = cls.env["res.company"].create({"name": "Identity B"})
        cls.manager = new_test_user(
            cls.env,
            login="identity_manager",
            groups="shopify_connector.shopify_connector_group_manager",
            company_id=cls.shop.company_id.id,
            company_ids=[cls.shop.company_id.id],
        )

    def rpc(self, user, model, method, *args, **kwargs):
        return call_kw(self.env[model].with_user(user), method, list(args), kwargs)

    @contextmanager
    def sql_log(self):
        """What Odoo's SQL layer logs at INFO and above meanwhile (kept out of
        the test output)."""
        records = []
        capture = logging.Filter()
        capture.filter = lambda record: records.append(record) and False
        logger = logging.getLogger("odoo.sql_db")
        level = logger.level
        logger.addFilter(capture)
        logger.setLevel(logging.INFO)
        try:
            yield records
        finally:
            logger.removeFilter(capture)
            logger.setLevel(level)

    def assertNotLogged(self, records, *secrets):
        text = "\n".join(record.getMessage() for record in records)
        for secret in secrets:
            self.assertNotIn(secret, text)

    def connect(self, shop, gid=SHOP_GID):
        self.graphql(shop_answer(gid), LOCATIONS)
        shop.action_test_connection()
        self.assertEqual(shop.state, "connected", shop.connection_message)

    # ------------------------------------------------------------------
    # 1. One record per shop; no failing query logs a secret
    # ------------------------------------------------------------------
    def test_a_second_shop_with_a_known_domain_is_refused_and_its_token_not_logged(self):
        """The attack as tried: create a shop with an existing domain (written
        another way) and a token; the INSERT violated the unique constraint and
        Odoo logged it with the token ("bad query")."""
        with self.sql_log() as records, self.assertRaises(ValidationError) as ctx:
            self.rpc(
                self.admin,
                "shopify.shop",
                "create",
                {
                    "name": "Copy",
                    "domain": "https://TEST-SHOP.myshopify.com/admin",
                    "auth_method": "token",
                    "access_token": ATTACK_TOKEN,
                },
            )
        self.assertIn("'Test shop'", str(ctx.exception))
        self.assertNotLogged(records, ATTACK_TOKEN, STORED_TOKEN)
        # in another company, and archived: still the same Shopify shop
        self.shop.action_archive()
        with self.assertRaises(ValidationError) as ctx:
            self.rpc(
                self.admin,
                "shopify.shop",
                "create",
                {"name": "Copy B", "domain": "test-shop", "company_id": self.company_b.id},
            )
        self.assertIn("archived", str(ctx.exception))
        # a manager of company A only learns that the shop exists elsewhere
        self.shop.company_id = self.company_b
        with self.assertRaises(ValidationError) as ctx:
            self.rpc(self.manager, "shopify.shop", "create", {"name": "C", "domain": "test-shop"})
        self.assertIn("no access to", str(ctx.exception))
        self.assertNotIn("Test shop", str(ctx.exception))
        # writing the domain of one shop onto another is refused the same way
        other = self.env["shopify.shop"].create({"name": "Other", "domain": "other-shop"})
        with self.sql_log() as records, self.assertRaises(ValidationError):
            self.rpc(self.admin, "shopify.shop", "write", [other.id], {"domain": "test-shop"})
        self.assertNotLogged(records, STORED_TOKEN)
        self.assertEqual(other.domain, "other-shop.myshopify.com")

    def test_a_new_domain_is_connected_with_its_token(self):
        shop_id = self.rpc(
            self.admin,
            "shopify.shop",
            "create",
            {
                "name": "New",
                "domain": "New-Shop",
                "auth_method": "token",
                "access_token": "shpat_new_token",
            },
        )
        shop = self.env["shopify.shop"].browse(shop_id)
        self.assertEqual(shop.domain, "new-shop.myshopify.com")
        self.assertEqual(shop.access_token, "shpat_new_token")
        self.assertEqual(shop.write_uid, self.admin)
        self.rpc(self.admin, "shopify.shop", "write", [shop_id], {"client_secret": "s3cr3t"})
        self.assertEqual(shop.client_secret, "s3cr3t")
        self.rpc(self.admin, "shopify.shop", "write", [shop_id], {"access_token": False})
        self.assertFalse(shop.access_token)
        # secrets stay writable by system administrators only
        self.rpc(self.manager, "shopify.shop", "write", [self.shop.id], {"name": "Renamed"})
        self.assertEqual(self.shop.name, "Renamed")
        for vals in ({"access_token": "shpat_x"}, {"name": "Y", "client_secret": "x"}):
            with self.subTest(vals=vals), self.assertRaises(Exception) as ctx:
                self.rpc(self.manager, "shopify.shop", "write", [self.shop.id], vals)
            self.assertEqual(type(ctx.exception).__name__, "AccessError")
        self.assertEqual(self.shop.sudo().access_token, STORED_TOKEN)
        self.assertEqual(self.shop.name, "Renamed")

    def test_failing_queries_of_a_shop_never_log_its_secrets(self):
        """PostgreSQL quotes the failing row of a NOT NULL violation, and Odoo
        logs the failing INSERT with its values: neither may hold a secret."""
        with self.sql_log() as records:
            # an unknown company: the INSERT fails in the database
            with (
                self.assertRaises(psycopg2.IntegrityError),
                self.env.cr.savepoint(),
            ):
                self.env["shopify.shop"].create(
                    {
                        "name": "FK",
                        "domain": "fk-shop",
                        "company_id": 999999,
                        "auth_method": "token",
                        "access_token": ATTACK_TOKEN,
                    }
                )
            # a required field emptied: refused before the database sees it
            for vals in ({"name": False}, {"api_version": " "}, {"name": "", "access_token": "x"}):
                with self.subTest(vals=vals), self.assertRaises(ValidationError):
                    self.rpc(self.admin, "shopify.shop", "write", [self.shop.id], vals)
            # an unknown sales team, with a new token in the same write
            with (
                self.assertRaises(psycopg2.IntegrityError),
                self.env.cr.savepoint(),
            ):
                self.shop.write({"order_team_id": 999999, "access_token": ATTACK_TOKEN})
                self.env.flush_all()
        self.assertTrue(records, "the failing queries were logged")
        self.assertNotLogged(records, ATTACK_TOKEN, STORED_TOKEN)
        self.assertEqual(self.shop.sudo().access_token, STORED_TOKEN)

    def test_a_failing_save_of_a_cached_token_is_not_logged(self):
        store = ShopifyTokenStore(self.env, 999999)  # no such shop
        with (
            self.sql_log() as records,
            self.assertRaises(psycopg2.IntegrityError),
            self.env.cr.savepoint(),
        ):
            store.save("shpca_cached_secret", time.time() + 3600)
        self.assertNotLogged(records, "shpca_cached_secret")
        store = ShopifyTokenStore(self.env, self.shop.id)
        store.save("shpca_cached_secret", time.time() + 3600)
        self.assertEqual(store.load()[0], "shpca_cached_secret")

    # ------------------------------------------------------------------
    # 2. Archive, never delete; orders by the shop's identity
    # ------------------------------------------------------------------
    def test_a_shop_with_orders_is_archived_not_deleted(self):
        run = self.fetch(order_node("simple_paid"))
        self.assertEqual(run.count_created, 1)
        with self.assertRaises(UserError) as ctx:
            self.rpc(self.manager, "shopify.shop", "unlink", [self.shop.id])
        self.assertIn("Archive the shop instead", str(ctx.exception))
        self.assertTrue(self.shop.exists())
        # archiving ends its queued runs, and the scheduler leaves it alone
        queued = self.env["shopify.run"].create(
            {"shop_id": self.shop.id, "job": "orders", "state": "queued"}
        )
        schedule = self.shop.schedule_ids.filtered(lambda s: s.job == "orders")
        schedule.write({"active": True})
        schedule.with_context(shopify_planning=True).next_run_at = datetime(2020, 1, 1)
        self.rpc(self.manager, "shopify.shop", "action_archive", [self.shop.id])
        self.assertFalse(self.shop.active)
        self.assertEqual(queued.state, "failed")
        self.assertIn("archived", queued.message_ids[-1].message)
        runs = self.env["shopify.run"].search_count([("shop_id", "=", self.shop.id)])
        with patch.object(self.env.cr, "commit"):
            self.assertEqual(self.env["shopify.schedule"]._cron_run_due(), 0)
        self.assertEqual(
            self.env["shopify.run"].search_count([("shop_id", "=", self.shop.id)]), runs
        )
        # a shop without orders is deleted as before
        empty = self.env["shopify.shop"].create({"name": "Empty", "domain": "empty-shop"})
        self.rpc(self.manager, "shopify.shop", "unlink", [empty.id])
        self.assertFalse(empty.exists())

    def test_orders_carry_the_shop_identity_and_take_its_id_once_known(self):
        self.fetch(order_node("simple_paid"))
        sale = self.sale("#1001")
        self.assertEqual(sale.shopify_shop_key, "test-shop.myshopify.com")
        self.connect(self.shop)
        self.assertEqual(self.shop.shopify_shop_gid, SHOP_GID)
        self.assertEqual(sale.shopify_shop_key, SHOP_GID)
        self.fetch(order_node("percentage_discount"))
        self.assertEqual(self.sale("#1002").shopify_shop_key, SHOP_GID)
        # the same order twice for one Shopify shop: the database refuses it
        with (
            self.assertRaises(psycopg2.IntegrityError),
            self.env.cr.savepoint(),
            mute_logger("odoo.sql_db"),
        ):
            sale.copy({"shopify_order_gid": sale.shopify_order_gid, "shopify_shop_key": SHOP_GID})
            self.env.flush_all()

    def test_the_shop_connected_again_updates_its_orders_instead_of_duplicating(self):
        """The attack as tried: delete the shop (its orders keep no shop), create
        it again: every order was imported a second time."""
        self.fetch(order_node("simple_paid"))
        sale = self.sale("#1001")
        # a shop deleted before deletion was refused: its orders lost their shop
        self.env.cr.execute(
            "UPDATE sale_order SET shopify_shop_id = NULL WHERE id = %s", [sale.id]
        )
        sale.invalidate_recordset(["shopify_shop_id"])
        self.shop.unlink()
        again = self.env["shopify.shop"].create(
            {
                "name": "Again",
                "domain": "test-shop",
                "auth_method": "token",
                "access_token": STORED_TOKEN,
                "order_pricelist_id": self.pricelist_eur.id,
                "state": "connected",
            }
        )
        self.graphql(orders_page(order_node("simple_paid", updatedAt="2026-03-05T08:00:00Z")))
        self.rpc(self.manager, "shopify.shop", "action_fetch_orders", [again.id])
        run = again.run_ids.filtered(lambda r: r.job == "orders")
        self.assertEqual(
            (run.count_created, run.count_updated), (0, 1), run.message_ids.mapped("message")
        )
        self.assertEqual(sale.shopify_shop_id, again)
        self.assertEqual(str(sale.shopify_updated_at), "2026-03-05 08:00:00")
        self.assertEqual(
            self.env["sale.order"].search_count(
                [("shopify_order_gid", "=", sale.shopify_order_gid)]
            ),
            1,
        )
        self.assertIn("same Shopify shop", " ".join(run.message_ids.mapped("message")))

    def test_a_renamed_shop_finds_its_orders_by_shopifys_id(self):
        """Shopify gave the shop a new myshopify domain; a new record with the
        new domain is the same shop once Test connection reads its ID."""
        self.connect(self.shop)
        self.fetch(order_node("simple_paid"))
        sale = self.sale("#1001")
        self.shop.action_archive()
        renamed = self.env["shopify.shop"].create(
            {
                "name": "Renamed",
                "domain": "renamed-shop",
                "base_url": "https://test-shop.myshopify.com",  # where responses answers
                "auth_method": "token",
                "access_token": STORED_TOKEN,
                "order_pricelist_id": self.pricelist_eur.id,
            }
        )
        self.connect(renamed)
        self.graphql(orders_page(order_node("simple_paid"), order_node("percentage_discount")))
        renamed.action_fetch_orders()
        run = renamed.run_ids.filtered(lambda r: r.job == "orders")
        self.assertEqual(
            (run.count_created, run.count_unchanged), (1, 1), run.message_ids.mapped("message")
        )
        self.assertEqual(sale.shopify_shop_id, renamed)
        # another Shopify shop is another shop: its orders are its own
        other = self.env["shopify.shop"].create(
            {
                "name": "Other",
                "domain": "other-shop",
                "base_url": "https://test-shop.myshopify.com",
                "auth_method": "token",
                "access_token": STORED_TOKEN,
                "order_pricelist_id": self.pricelist_eur.id,
            }
        )
        self.connect(other, gid="gid://shopify/Shop/777")
        self.graphql(orders_page(order_node("simple_paid")))
        other.action_fetch_orders()
        self.assertEqual(other.run_ids.filtered(lambda r: r.job == "orders").count_created, 1)
        self.assertEqual(sale.shopify_shop_id, renamed)

    # ------------------------------------------------------------------
    # 3. The fetch mark never runs ahead of Shopify
    # ------------------------------------------------------------------
    def answer(self, data, date=None):
        self.mock.add(
            responses.POST,
            GRAPHQL_URL,
            json={"data": data, "extensions": cost_extensions()},
            headers={"Date": date} if date else {},
        )

    def test_an_order_from_the_future_is_imported_but_holds_the_mark_at_shopifys_time(self):
        """The attack as tried: an order with ``updatedAt`` in 2031 moved the
        mark to 2031; orders changed after the fetch were then missed."""
        future = order_node("simple_paid", updatedAt="2031-01-01T00:00:00Z")
        self.answer(orders_page(future), date="Wed, 02 Dec 2026 10:00:00 GMT")
        self.shop.action_fetch_orders()
        self.assertEqual(self.sale("#1001").state, "sale")
        self.assertEqual(str(self.shop.order_fetched_until), "2026-12-02 10:00:00")
        # the next fetch reads what changed since then (minus the overlap)
        later = order_node("percentage_discount", updatedAt="2026-12-02T10:30:00Z")
        self.answer(orders_page(later, future), date="Wed, 02 Dec 2026 11:00:00 GMT")
        self.shop.action_fetch_orders()
        self.assertIn(
            "updated_at:>='2026-12-02T09:58:00Z'", self.sent_queries()[-1]["variables"]["query"]
        )
        self.assertTrue(self.sale("#1002"))
        self.assertEqual(str(self.shop.order_fetched_until), "2026-12-02 11:00:00")

    def test_the_mark_stops_at_the_first_pages_answer_and_the_local_clock(self):
        # an order changed while the pages were read: not past the first page's answer
        first = order_node("simple_paid", updatedAt="2026-12-02T09:59:00Z")
        second = order_node("percentage_discount", updatedAt="2026-12-02T10:03:00Z")
        self.answer(orders_page(first, has_next=True), date="Wed, 02 Dec 2026 10:00:00 GMT")
        self.answer(orders_page(second), date="Wed, 02 Dec 2026 10:05:00 GMT")
        self.shop.action_fetch_orders()
        self.assertTrue(self.sale("#1001") and self.sale("#1002"))
        self.assertEqual(str(self.shop.order_fetched_until), "2026-12-02 10:00:00")
        # no Date header: the local clock when the request was sent
        before = fields.Datetime.now().replace(microsecond=0)
        self.answer(orders_page(order_node("simple_paid", updatedAt="2031-01-01T00:00:00Z")))
        self.shop.action_fetch_orders()
        mark = self.shop.order_fetched_until
        self.assertGreaterEqual(mark, before)
        self.assertLessEqual(mark, fields.Datetime.now())
        # a mark stored ahead (before it was limited) reads from now on
        self.shop.order_fetched_until = datetime(2031, 1, 1)
        self.answer(orders_page())
        self.shop.action_fetch_orders()
        since = self.sent_queries()[-1]["variables"]["query"].split("'")[1]
        since = datetime.strptime(since, "%Y-%m-%dT%H:%M:%SZ")
        self.assertLessEqual(since, fields.Datetime.now() - timedelta(seconds=100))
