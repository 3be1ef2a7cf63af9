"""Webhook events: what Shopify delivered, stored at once, processed in the background.

The route only checks and stores (``_receive``): one row per event, inserted
with ``ON CONFLICT DO NOTHING`` on the database key (shop, event ID), so that
a repeated or concurrent delivery of the same event is acknowledged and
dropped without an error. The processing cron (``_cron_process``) takes the
due events one order at a time, coalesces the events of that order, and
commits after each.
"""

import logging
from datetime import UTC, timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..shopify_api import webhooks

_logger = logging.getLogger(__name__)

# Events processed by one run of the cron before it hands over (it is
# triggered again while events are due).
BATCH_SIZE = 50
ERROR_MAX = 2000
# Seconds before the processing looks again at an order another worker was
# importing (the webhook processing or the scheduled fetch, see
# shopify_shop_order_lock.py).
BUSY_RETRY = 2


class ShopifyWebhookEvent(models.Model):
    _name = "shopify.webhook.event"
    _description = "Shopify webhook event"
    _order = "id desc"
    _rec_name = "topic"

    shop_id = fields.Many2one("shopify.shop", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="shop_id.company_id", store=True, index=True)
    topic = fields.Char(required=True, readonly=True)
    event_id = fields.Char(
        "Event ID", required=True, readonly=True, help="Shopify's X-Shopify-Event-Id."
    )
    webhook_id = fields.Char("Delivery ID", readonly=True, help="Shopify's X-Shopify-Webhook-Id.")
    api_version = fields.Char("API version", readonly=True)
    resource_gid = fields.Char("Shopify resource", readonly=True, index=True)
    order_gid = fields.Char("Shopify order", readonly=True, index=True)
    resource_updated_at = fields.Datetime("Changed in Shopify", readonly=True)
    triggered_at = fields.Datetime("Triggered at", readonly=True)
    received_at = fields.Datetime("Received at", readonly=True, index=True)
    payload = fields.Text(readonly=True)
    state = fields.Selection(
        [
            ("new", "To process"),
            ("done", "Processed"),
            ("failed", "Failed"),
            ("ignored", "Ignored"),
        ],
        required=True,
        default="new",
        readonly=True,
        index=True,
    )
    attempts = fields.Integer(readonly=True)
    next_attempt_at = fields.Datetime("Next attempt", readonly=True)
    processed_at = fields.Datetime(readonly=True)
    order_read_at = fields.Datetime(
        "Order read at",
        readonly=True,
        help="When the processing began that read the order from Shopify for this event: "
        "a later event of the order received before then is answered by that read.",
    )
    last_error = fields.Text(readonly=True)
    note = fields.Char(readonly=True)
    run_id = fields.Many2one("shopify.run", readonly=True, ondelete="set null", index=True)

    _event_unique = models.Constraint(
        "UNIQUE(shop_id, event_id)", "This Shopify event is stored already."
    )

    # ------------------------------------------------------------------
    # Receiving (called by the route, as superuser)
    # ------------------------------------------------------------------
    @api.model
    def _receive(self, shop_id, headers, body):
        """Check and store one delivery; return the HTTP status to answer.

        401 (signature missing or wrong), 404 (no such active shop), 413 (body
        too large) change nothing but the shop's count of refused deliveries;
        200 stores the event (once per event ID) and triggers the processing.
        Never logs the body, the signature or the secret.
        """
        shop = self.env["shopify.shop"].sudo().browse(shop_id).exists()
        if not shop or not shop.active:
            return 404
        if body is None or len(body) > webhooks.MAX_BODY:
            shop._webhook_refused("too_large")
            return 413
        secret = shop._webhook_secret()
        if not webhooks.verify(body, secret, headers.get("X-Shopify-Hmac-Sha256")):
            shop._webhook_refused("signature")
            return 401
        values = webhooks.parse_delivery(headers, body)
        event_id = self._insert(shop, values)
        if event_id:
            self.env.ref("shopify_connector.shopify_webhook_cron").sudo()._trigger()
        return 200

    @api.model
    def _insert(self, shop, values):
        """INSERT the event unless its ID is stored already; its id or None."""
        state, note = "new", None
        if values["error"]:
            state, note = "ignored", values["error"]
        elif values["topic"] not in webhooks.TOPICS:
            state, note = "ignored", "topic not handled"
        now = self.env.cr.now()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO shopify_webhook_event
                    (shop_id, company_id, topic, event_id, webhook_id, api_version,
                     resource_gid, order_gid, resource_updated_at, triggered_at,
                     received_at, payload, state, note, attempts,
                     create_uid, create_date, write_uid, write_date)
                VALUES (%(shop)s, %(company)s, %(topic)s, %(event_id)s, %(webhook_id)s,
                        %(api_version)s, %(resource_gid)s, %(order_gid)s, %(updated_at)s,
                        %(triggered_at)s, %(now)s, %(payload)s, %(state)s, %(note)s, 0,
                        %(uid)s, %(now)s, %(uid)s, %(now)s)
                ON CONFLICT (shop_id, event_id) DO NOTHING
                RETURNING id
                """,
                shop=shop.id,
                company=shop.company_id.id,
                topic=values["topic"][:255],
                event_id=values["event_id"],
                webhook_id=values["webhook_id"],
                api_version=values["api_version"],
                resource_gid=values["resource_gid"],
                order_gid=values["order_gid"],
                updated_at=values["resource_updated_at"],
                triggered_at=values["triggered_at"],
                now=now,
                payload=values["payload"],
                state=state,
                note=note,
                uid=self.env.uid,
            )
        )
        row = self.env.cr.fetchone()
        return row[0] if row else None

    # ------------------------------------------------------------------
    # Processing
    # ------------------------------------------------------------------
    @api.model
    def _cron_process(self, limit=BATCH_SIZE):
        """Process the due events, one order (or one other event) at a time.

        Each unit is claimed with ``FOR UPDATE SKIP LOCKED`` and, for an
        order, a per-order advisory lock held until its commit, so that
        several workers (and servers) share the events without two of them
        importing the same order at once, and without waiting for each other
        or for the scheduled jobs. One run per shop and batch logs the work.
        """
        runs = {}
        busy = []
        done = 0
        exhausted = False
        while done < limit:
            events = self._claim(busy)
            if events is None:
                exhausted = True
                break
            if not events:
                continue
            shop = events.shop_id.with_context(shopify_commit=False)
            run = runs.get(shop.id)
            if run is None:
                run = runs[shop.id] = shop._webhook_run()
            shop._webhook_process(events, run)
            run._finish()
            done += len(events)
            remaining = self._due_count()
            # safe: this unit (events, sale order, run counts) is complete;
            # the next one starts in a transaction of its own.
            time_left = self.env["ir.cron"]._commit_progress(len(events), remaining=remaining)
            if time_left <= 0:
                # the cron's time is used up: it runs again at once for the rest,
                # and a worker never runs into its time limit
                break
        if busy:
            # left to the worker importing them: looked at again shortly
            cron = self.env.ref("shopify_connector.shopify_webhook_cron").sudo()
            cron._trigger(fields.Datetime.now() + timedelta(seconds=BUSY_RETRY))
        if self._due_count(later=True):
            # every due event claimed but the busy ones: no need to run at once
            self._schedule_next(busy=bool(busy) and exhausted)
        return done

    def _due_domain_sql(self):
        return SQL(
            "state = 'new' AND (next_attempt_at IS NULL OR next_attempt_at <= %s)",
            self.env.cr.now(),
        )

    @api.model
    def _due_count(self, later=False):
        self.env.flush_all()
        where = SQL("state = 'new'") if later else self._due_domain_sql()
        self.env.cr.execute(SQL("SELECT count(*) FROM shopify_webhook_event WHERE %s", where))
        return self.env.cr.fetchone()[0]

    @api.model
    def _claim(self, busy):
        """Lock the next unit of due events: the oldest due event and, for an
        order, every due event of the same order. None when nothing is due;
        an empty recordset when the order is busy in another worker (it is
        then left out of this batch)."""
        self.env.flush_all()
        skip = SQL("")
        if busy:
            skip = SQL("AND (order_gid IS NULL OR (shop_id, order_gid) NOT IN %s)", tuple(busy))
        self.env.cr.execute(
            SQL(
                """
                SELECT id, shop_id, order_gid FROM shopify_webhook_event
                 WHERE %s %s
                 ORDER BY id LIMIT 1
                   FOR UPDATE SKIP LOCKED
                """,
                self._due_domain_sql(),
                skip,
            )
        )
        row = self.env.cr.fetchone()
        if not row:
            return None
        event_id, shop_id, order_gid = row
        if not order_gid:
            return self.browse(event_id)
        key = self.env["shopify.run"]._lock_key(shop_id, f"order:{order_gid}")
        self.env.cr.execute("SELECT pg_try_advisory_xact_lock(%s)", [key])
        if not self.env.cr.fetchone()[0]:
            # another worker imports this order: leave its events to it (the
            # row lock taken above ends with this unit's commit)
            busy.append((shop_id, order_gid))
            return self.browse()
        self.env.cr.execute(
            SQL(
                """
                SELECT id FROM shopify_webhook_event
                 WHERE %s AND shop_id = %s AND order_gid = %s
                 ORDER BY id
                   FOR UPDATE SKIP LOCKED
                """,
                self._due_domain_sql(),
                shop_id,
                order_gid,
            )
        )
        ids = {event_id} | {r[0] for r in self.env.cr.fetchall()}
        return self.browse(sorted(ids))

    @api.model
    def _schedule_next(self, busy=False):
        """Trigger the cron again when the first retry is due.

        With ``busy``, the due events left are those of orders other workers
        import: triggered for them already, a little later (no busy loop).
        """
        self.env.cr.execute(
            "SELECT min(next_attempt_at) FROM shopify_webhook_event "
            "WHERE state = 'new' AND next_attempt_at > (now() at time zone 'utc')"
        )
        when = self.env.cr.fetchone()[0]
        cron = self.env.ref("shopify_connector.shopify_webhook_cron").sudo()
        if when:
            cron._trigger(max(when, fields.Datetime.now()))
        elif not busy:
            cron._trigger()

    @api.model
    def _defer_order(self, shop, order):
        """Queue ``order`` (normalised, read by the scheduled fetch) for the
        webhook processing: another worker imports it now. Read again by ID
        once that worker is done; one such event per order and state."""
        updated_at = order.get("updated_at")
        if updated_at is not None and updated_at.tzinfo is not None:
            updated_at = updated_at.astimezone(UTC).replace(tzinfo=None)
        values = {
            "topic": "orders/updated",
            "event_id": shop._shopify_deferral_id(order),
            "webhook_id": None,
            "api_version": None,
            "triggered_at": None,
            "resource_gid": order["gid"],
            "order_gid": order["gid"],
            "resource_updated_at": updated_at,
            "payload": None,
            "error": None,
        }
        if self._insert(shop, values):
            self.env.ref("shopify_connector.shopify_webhook_cron").sudo()._trigger(
                fields.Datetime.now() + timedelta(seconds=BUSY_RETRY)
            )

    def _mark(self, state, run=None, note=None):
        values = {
            "state": state,
            "processed_at": fields.Datetime.now(),
            "next_attempt_at": False,
            "note": (note or "")[:255] or False,
        }
        if state == "done":
            values["last_error"] = False
        if run is not None:
            values["run_id"] = run.id
        self.write(values)

    def _defer_busy(self):
        """Look at these events again shortly, without counting a try."""
        when = fields.Datetime.now() + timedelta(seconds=BUSY_RETRY)
        self.write({"next_attempt_at": when})
        self.env.ref("shopify_connector.shopify_webhook_cron").sudo()._trigger(when)

    def _failed_attempt(self, message, run=None):
        """Count a failed try; schedule the next one, or give the events up."""
        for event in self:
            attempts = event.attempts + 1
            values = {"attempts": attempts, "last_error": (message or "")[:ERROR_MAX]}
            if run is not None:
                values["run_id"] = run.id
            if attempts >= webhooks.MAX_ATTEMPTS:
                values.update(state="failed", next_attempt_at=False)
            else:
                delay = webhooks.retry_delay(attempts)
                values["next_attempt_at"] = fields.Datetime.now() + timedelta(seconds=delay)
            event.write(values)

    @api.model
    def _cron_cleanup(self, days=30):
        """Delete the processed and ignored events older than ``days``."""
        self.env.cr.execute(
            """
            DELETE FROM shopify_webhook_event
             WHERE state IN ('done', 'ignored', 'failed')
               AND received_at < (now() at time zone 'utc') - make_interval(days => %s)
            """,
            [days],
        )
        return self.env.cr.rowcount


class ShopifyWebhookCounter(models.Model):
    """Refused deliveries of a shop, counted apart from the shop's own row so
    that a flood of forged deliveries never waits for (or blocks) a job
    holding that row."""

    _name = "shopify.webhook.counter"
    _description = "Shopify refused webhook deliveries"

    shop_id = fields.Many2one("shopify.shop", required=True, ondelete="cascade")
    refused_count = fields.Integer(readonly=True)
    last_refused_at = fields.Datetime(readonly=True)
    last_reason = fields.Char(readonly=True)

    _shop_unique = models.Constraint("UNIQUE(shop_id)", "One counter per shop.")

    @api.model
    def _count(self, shop, reason):
        now = self.env.cr.now()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO shopify_webhook_counter
                    (shop_id, refused_count, last_refused_at, last_reason,
                     create_uid, create_date, write_uid, write_date)
                VALUES (%(shop)s, 1, %(now)s, %(reason)s, %(uid)s, %(now)s, %(uid)s, %(now)s)
                ON CONFLICT (shop_id) DO UPDATE
                   SET refused_count = shopify_webhook_counter.refused_count + 1,
                       last_refused_at = EXCLUDED.last_refused_at,
                       last_reason = EXCLUDED.last_reason,
                       write_date = EXCLUDED.write_date
                """,
                shop=shop.id,
                now=now,
                reason=reason,
                uid=self.env.uid,
            )
        )
        self.invalidate_model()
