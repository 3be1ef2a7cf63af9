"""Webhooks of a Shopify shop: its signing secret, its subscriptions, its health,
and what each stored event does.

An order event re-reads the order by ID and imports it with the importer of
the scheduled fetch (one code path for poll and push); the scheduled fetch
and the daily re-fetch stay the safety net for whatever a lost delivery
missed.
"""

import logging

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..shopify_api import errors as api_errors
from ..shopify_api import webhooks
from ..shopify_api.order_queries import complete_order
from .shopify_shop_orders import split_list

_logger = logging.getLogger(__name__)

COUNTS = ("created", "updated", "unchanged", "skipped", "failed")


class ShopifyRun(models.Model):
    _inherit = "shopify.run"  # pylint: disable=consider-merging-classes-inherited

    job = fields.Selection(
        selection_add=[("webhooks", "Register webhooks")], ondelete={"webhooks": "cascade"}
    )


class ShopifyShop(models.Model):
    # one file per concern of the shop, as the design asks
    _inherit = "shopify.shop"  # pylint: disable=consider-merging-classes-inherited

    state = fields.Selection(
        selection_add=[("disconnected", "App uninstalled")],
        ondelete={"disconnected": "set default"},
    )
    webhook_secret = fields.Char(
        "Webhook signing secret",
        groups="base.group_system",
        copy=False,
        help="Shopify signs every webhook delivery. Apps made in the Dev Dashboard sign "
        "with their client secret (leave this empty); apps made in the Shopify admin "
        "show their signing secret under Settings > Notifications > Webhooks.",
    )
    webhook_topics = fields.Char("Subscribed topics", readonly=True, copy=False)
    webhook_checked_at = fields.Datetime("Subscriptions checked", readonly=True, copy=False)
    webhook_callback_url = fields.Char("Webhook address", compute="_compute_webhook_callback_url")
    webhook_last_received_at = fields.Datetime(
        "Last delivery received", compute="_compute_webhook_health"
    )
    webhook_refused_count = fields.Integer(
        "Deliveries refused",
        compute="_compute_webhook_health",
        help="Deliveries refused because their signature was missing or wrong, or their "
        "body too large. Many of them: check the signing secret, or someone is sending "
        "forged deliveries.",
    )
    webhook_last_refused_at = fields.Datetime("Last refused", compute="_compute_webhook_health")
    webhook_waiting_count = fields.Integer("Events waiting", compute="_compute_webhook_health")
    webhook_failed_count = fields.Integer(
        "Events given up",
        compute="_compute_webhook_health",
        help="Events that failed every try; the scheduled order fetch catches their orders.",
    )
    webhook_last_error = fields.Text("Last processing error", compute="_compute_webhook_health")

    # ------------------------------------------------------------------
    # Secret
    # ------------------------------------------------------------------
    @api.model
    def _pop_secrets(self, vals):
        """The signing secret is stored like the other secrets (never logged)."""
        secrets = super()._pop_secrets(vals)
        if "webhook_secret" in vals:
            self._check_field_access(self._fields["webhook_secret"], "write")
            secrets["webhook_secret"] = vals.pop("webhook_secret")
        return secrets

    def _webhook_secret(self):
        """The key Shopify signs this shop's deliveries with."""
        self.ensure_one()
        shop = self.sudo()
        if shop.webhook_secret:
            return shop.webhook_secret
        if shop.auth_method == "client_credentials":
            return shop.client_secret
        return None

    def _webhook_refused(self, reason):
        self.ensure_one()
        self.env["shopify.webhook.counter"].sudo()._count(self, reason)

    # ------------------------------------------------------------------
    # Health
    # ------------------------------------------------------------------
    def _compute_webhook_callback_url(self):
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url")
        for shop in self:
            shop.webhook_callback_url = (
                webhooks.callback_url(base, shop.id) if shop.id and base else False
            )

    def _compute_webhook_health(self):
        Event = self.env["shopify.webhook.event"].sudo()
        received = dict(
            Event._read_group([("shop_id", "in", self.ids)], ["shop_id"], ["received_at:max"])
        )
        states = {
            (shop.id, state): count
            for shop, state, count in Event._read_group(
                [("shop_id", "in", self.ids), ("state", "in", ("new", "failed"))],
                ["shop_id", "state"],
                ["__count"],
            )
        }
        counters = {
            counter.shop_id.id: counter
            for counter in self.env["shopify.webhook.counter"]
            .sudo()
            .search([("shop_id", "in", self.ids)])
        }
        for shop in self:
            counter = counters.get(shop.id)
            shop.webhook_last_received_at = received.get(shop.sudo())
            shop.webhook_refused_count = counter.refused_count if counter else 0
            shop.webhook_last_refused_at = counter.last_refused_at if counter else False
            shop.webhook_waiting_count = states.get((shop.id, "new"), 0)
            shop.webhook_failed_count = states.get((shop.id, "failed"), 0)
            failing = Event.search(
                [
                    ("shop_id", "=", shop.id),
                    ("state", "in", ("new", "failed")),
                    ("last_error", "!=", False),
                ],
                limit=1,
            )
            shop.webhook_last_error = failing.last_error or False

    # ------------------------------------------------------------------
    # Subscriptions
    # ------------------------------------------------------------------
    def action_register_webhooks(self):
        """Subscribe the topics the connector needs, to this Odoo's address."""
        self.ensure_one()
        self._check_job_rights("connection")
        run = self._webhook_register()
        return self._run_result(run)

    def _webhook_register(self, trigger="manual"):
        self.ensure_one()
        run = (
            self.env["shopify.run"]
            .sudo()
            .create({"shop_id": self.id, "job": "webhooks", "trigger": trigger})
        )
        client = None
        try:
            client = self.sudo()._shopify_client()
            summary = self.sudo()._webhook_sync_subscriptions(client, run)
        except (api_errors.ShopifyError, UserError, ValidationError) as exc:
            if isinstance(exc, api_errors.ShopifyError):
                message = self._shopify_error_message(exc)
            else:
                message = str(exc.args[0]) if exc.args else str(exc)
            run._log(message)
            run.failure_code = getattr(exc, "code", None) or "error"
            run._finish("failed", api_calls=client.stats["calls"] if client else 0)
            return run
        run._finish(summary=summary, api_calls=client.stats["calls"])
        return run

    def _webhook_base_url(self):
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url")
        if not base:
            raise UserError(
                self.env._(
                    "Odoo's address (system parameter web.base.url) is not set: Shopify "
                    "would not know where to deliver webhooks."
                )
            )
        return base

    def _webhook_sync_subscriptions(self, client, run):
        """Read the app's subscriptions, create what is missing, fix wrong
        addresses, remove own stale ones; never touch other subscriptions."""
        self.ensure_one()
        uri = webhooks.callback_url(self._webhook_base_url(), self.id)
        existing = list(
            client.paginate(webhooks.WEBHOOK_SUBSCRIPTIONS, {}, ("webhookSubscriptions",))
        )
        plan = webhooks.plan_subscriptions(existing, list(webhooks.TOPICS.values()), uri)
        subscribed = set(plan["keep"])
        counts = dict.fromkeys(("created", "updated", "deleted", "failed"), 0)
        steps = [("created", topic, None) for topic in plan["create"]]
        steps += [("updated", topic, sub_id) for sub_id, topic in plan["update"]]
        steps += [("deleted", topic, sub_id) for sub_id, topic in plan["delete"]]
        for kind, topic, sub_id in steps:
            try:
                if kind == "created":
                    client.mutate(
                        webhooks.WEBHOOK_SUBSCRIPTION_CREATE,
                        {"topic": topic, "webhookSubscription": {"uri": uri, "format": "JSON"}},
                        "webhookSubscriptionCreate",
                    )
                elif kind == "updated":
                    client.mutate(
                        webhooks.WEBHOOK_SUBSCRIPTION_UPDATE,
                        {"id": sub_id, "webhookSubscription": {"uri": uri}},
                        "webhookSubscriptionUpdate",
                    )
                else:
                    client.mutate(
                        webhooks.WEBHOOK_SUBSCRIPTION_DELETE,
                        {"id": sub_id},
                        "webhookSubscriptionDelete",
                    )
            except api_errors.UserErrorsError as exc:
                counts["failed"] += 1
                run._log(
                    self.env._(
                        "Shopify refused the webhook subscription %(topic)s: %(reason)s",
                        topic=webhooks.TOPIC_OF_ENUM.get(topic, topic),
                        reason=exc.message,
                    ),
                    reference=topic,
                )
                continue
            counts[kind] += 1
            if kind != "deleted":
                subscribed.add(topic)
        topics = [
            topic for enum, topic in sorted(webhooks.TOPIC_OF_ENUM.items()) if enum in subscribed
        ]
        self.write(
            {"webhook_topics": ", ".join(topics), "webhook_checked_at": fields.Datetime.now()}
        )
        run.write(
            {
                "count_created": counts["created"],
                "count_updated": counts["updated"] + counts["deleted"],
                "count_unchanged": len(plan["keep"]),
                "count_failed": counts["failed"],
            }
        )
        return self.env._(
            "Webhooks to %(uri)s: %(created)s subscribed, %(updated)s addresses fixed, "
            "%(deleted)s stale ones removed, %(kept)s in place, %(failed)s refused.",
            uri=uri,
            kept=len(plan["keep"]),
            **counts,
        )

    @api.model
    def _cron_check_webhooks(self):
        """Daily: repair the subscriptions of the shops that registered webhooks
        (Shopify deletes a subscription whose deliveries failed for hours)."""
        shops = self.search([("state", "=", "connected"), ("webhook_checked_at", "!=", False)])
        for index, shop in enumerate(shops):
            shop._webhook_register(trigger="cron")
            # each shop's run is complete: keep it even if a later shop crashes
            self.env["ir.cron"]._commit_progress(1, remaining=len(shops) - index - 1)

    # ------------------------------------------------------------------
    # Processing of stored events
    # ------------------------------------------------------------------
    def _webhook_run(self):
        """The run of this shop's events in one batch of the processing cron."""
        self.ensure_one()
        return (
            self.env["shopify.run"]
            .sudo()
            .create({"shop_id": self.id, "job": "orders", "trigger": "webhook"})
        )

    def _webhook_process(self, events, run):
        """Process ``events`` (one order's, or one other event) into ``run``."""
        self.ensure_one()
        shop = self.sudo()
        order_gid = events[0].order_gid
        if order_gid:
            outcome = shop._webhook_process_order(events, run, order_gid)
        else:
            outcome = shop._webhook_process_other(events, run)
        if outcome in COUNTS:
            field = f"count_{outcome}"
            run[field] += 1
        run.summary = self.env._(
            "%(created)s orders created, %(updated)s updated, %(unchanged)s "
            "unchanged, %(skipped)s skipped, %(failed)s failed.",
            **{name: run[f"count_{name}"] for name in COUNTS},
        )

    def _webhook_process_other(self, event, run):
        if event.topic == "app/uninstalled":
            self._webhook_uninstalled(run)
            event._mark("done", run)
            return None
        note = self.env._(
            "Stored only: the product and stock jobs read these changes from Shopify."
        )
        if event.topic in webhooks.ORDER_TOPICS:
            note = self.env._("The event names no order.")
        event._mark("ignored", run, note)
        return None

    def _webhook_uninstalled(self, run):
        """The app was uninstalled from the shop: it is disconnected, its
        schedules stop and its access token is forgotten."""
        message = self.env._(
            "The Shopify app was uninstalled from this shop: the connector can no longer "
            "reach it and its schedules were switched off. Install the app again, run "
            "Test connection, then switch the schedules on."
        )
        self.write(
            {"state": "disconnected", "connection_message": message, "webhook_topics": False}
        )
        self.schedule_ids.write({"active": False})
        self.env["shopify.access.token"].sudo().search([("shop_id", "=", self.id)]).unlink()
        self.message_post(body=message)
        run._log(message, level="warning")

    def _webhook_sale(self, order_gid):
        return self.env["sale.order"].search(
            [("shopify_shop_id", "=", self.id), ("shopify_order_gid", "=", order_gid)], limit=1
        )

    def _webhook_process_order(self, events, run, order_gid):
        """Re-read the order by ID and import it like the scheduled fetch does.

        An older state never overwrites a newer one: events whose order
        changed before the imported state need no call, and an answer older
        than the sale order's ``shopify_updated_at`` is not applied.
        """
        sale = self._webhook_sale(order_gid)
        if not sale and self._shopify_order_committed(order_gid):
            # another worker imported it after this transaction began: this
            # transaction cannot see it, the next one does
            events._defer_busy()
            return None
        stamps = [event.resource_updated_at for event in events]
        if (
            sale.shopify_updated_at
            and all(stamps)
            and self._webhook_read_already(events, order_gid, max(stamps), sale.shopify_updated_at)
        ):
            events._mark("done", run, self.env._("The order is imported in this state or newer."))
            return "unchanged"
        read_at = self.env.cr.now()
        client = None
        try:
            with self.env.cr.savepoint():
                client = self._shopify_client()
                outcome, note = self._webhook_import(client, run, order_gid, sale)
        except Exception as exc:  # this order is tried again later, the others go on
            if isinstance(exc, api_errors.ShopifyError):
                message = self._shopify_error_message(exc)
            elif isinstance(exc, (UserError, ValidationError)):
                message = str(exc.args[0]) if exc.args else str(exc)
            else:
                _logger.exception(
                    "Shopify webhook of shop %s, order %s failed", self.id, order_gid
                )
                message = self.env._(
                    "Unexpected error (%(error)s); the event is tried again later.",
                    error=type(exc).__name__,
                )
            run._log(message, reference=order_gid)
            events._failed_attempt(message, run)
            outcome = "failed"
        else:
            if outcome == "failed":
                events._failed_attempt(self.env._("The import failed: see the run log."), run)
            else:
                events._mark("ignored" if outcome == "ignored" else "done", run, note)
                events.write({"order_read_at": read_at})
        if client is not None:
            run.api_calls += client.stats["calls"]
        if outcome in ("created", "updated"):
            self._webhook_stock_push_soon()
        return outcome

    def _webhook_read_already(self, events, order_gid, newest, imported):
        """Whether the imported state answers ``events`` without a new read.

        An event of a change older than the imported state does not need one.
        One of the same second may be newer (Shopify's timestamps have whole
        seconds), unless it was received before an earlier processing of the
        order began to read it: the change it reports was in that read.
        Compared in the database, to the microsecond.
        """
        if newest < imported:
            return True
        if newest > imported:
            return False
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT bool_and(event.received_at < last.read_at)
                  FROM shopify_webhook_event event,
                       (SELECT max(order_read_at) AS read_at FROM shopify_webhook_event
                         WHERE shop_id = %(shop)s AND order_gid = %(order)s
                           AND NOT id = ANY(%(ids)s)) last
                 WHERE event.id = ANY(%(ids)s)
                """,
                shop=self.id,
                order=order_gid,
                ids=list(events.ids),
            )
        )
        return bool(self.env.cr.fetchone()[0])

    def _webhook_import(self, client, run, order_gid, sale):
        """(outcome, note) of reading and importing one order."""
        node = client.execute(webhooks.ORDER_BY_ID, {"id": order_gid}).get("order")
        if not node:
            return "ignored", self.env._("The order no longer exists in Shopify.")
        node = complete_order(client, node)
        updated = webhooks.parse_timestamp(node.get("updatedAt"))
        if sale.shopify_updated_at and updated and updated < sale.shopify_updated_at:
            return "unchanged", self.env._("Shopify answered an older state than imported.")
        if not sale:
            refusal = webhooks.order_filter_refusal(
                node,
                split_list(self.order_tags_required),
                split_list(self.order_tags_excluded),
                self.order_include_test,
            )
            if refusal:
                return "ignored", self.env._("The order is not one the shop imports.")
            if split_list(self.order_fulfillment_statuses):
                # Shopify's search decides this filter: left to the scheduled fetch
                return "ignored", self.env._(
                    "The shop imports by fulfilment status: the scheduled fetch imports it."
                )
        self._ensure_order_service_products()
        importer = self.env["sale.order"]._shopify_importer(self, run, client)
        outcome = next(iter(importer.import_page([node])))[0]
        return outcome, None
