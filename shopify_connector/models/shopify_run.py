import hashlib
import logging
from contextlib import contextmanager

from odoo import api, fields, models, sql_db
from odoo.exceptions import AccessError, UserError

from ..shopify_api.text import clean_text

_logger = logging.getLogger(__name__)

# Longest message and reference a run stores (characters); longer ones are
# shortened (see shopify_api.text).
MESSAGE_MAX = 10_000
REFERENCE_MAX = 255

JOBS = [
    ("connection", "Test connection"),
    ("match", "Match products"),
    ("orders", "Fetch orders"),
    ("refetch", "Daily re-fetch of orders"),
    ("stock_changed", "Sync changed stock"),
    ("stock_all", "Sync all stock"),
    ("stock_import", "Import stock"),
    ("prices", "Update prices"),
    ("prices_all", "Push all prices"),
    ("product_export", "Export products"),
    ("product_import", "First import of products"),
    ("csv_export", "Export product CSV"),
    ("fulfillment", "Push fulfillments"),
]

# Jobs that must never run at the same time for the same shop share a lock.
LOCK_GROUPS = {
    "orders": "orders",
    "refetch": "orders",
    "fulfillment": "orders",
    "stock_changed": "stock",
    "stock_all": "stock",
    "stock_import": "stock",
    "prices": "catalog",
    "prices_all": "catalog",
    "product_export": "catalog",
    "product_import": "catalog",
    "match": "catalog",
}


class JobAlreadyRunning(Exception):
    """The same job (or one of its lock group) runs for this shop already."""


class ShopifyRun(models.Model):
    """One execution of a sync job: who started it, when, how it ended, what it did."""

    _name = "shopify.run"
    _description = "Shopify sync run"
    _order = "id desc"

    name = fields.Char(compute="_compute_name")
    shop_id = fields.Many2one("shopify.shop", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="shop_id.company_id", store=True, index=True)
    job = fields.Selection(JOBS, required=True, index=True)
    trigger = fields.Selection(
        [
            ("manual", "Manual"),
            ("auto", "Automatic"),
            ("cron", "Scheduled"),
            ("webhook", "Webhook"),
        ],
        required=True,
        default="manual",
    )
    state = fields.Selection(
        [
            ("queued", "Queued"),
            ("running", "Running"),
            ("done", "Finished"),
            ("partial", "Finished partially"),
            ("failed", "Failed"),
        ],
        required=True,
        default="running",
        index=True,
    )
    user_id = fields.Many2one("res.users", default=lambda self: self.env.user, readonly=True)
    started_at = fields.Datetime(default=fields.Datetime.now, readonly=True)
    ended_at = fields.Datetime(readonly=True)
    duration = fields.Float("Duration (s)", readonly=True, digits=(16, 1))
    count_created = fields.Integer("Created")
    count_updated = fields.Integer("Updated")
    count_unchanged = fields.Integer("Unchanged")
    count_skipped = fields.Integer("Skipped")
    count_failed = fields.Integer("Failed")
    api_calls = fields.Integer("API calls")
    summary = fields.Text()
    failure_code = fields.Char(
        readonly=True, help="Kind of the error that ended the run (e.g. authentication)."
    )
    progress_done = fields.Integer("Done", readonly=True)
    progress_total = fields.Integer("To do", readonly=True)
    progress = fields.Float(compute="_compute_progress")
    message_ids = fields.One2many("shopify.run.message", "run_id", string="Messages")
    message_count = fields.Integer(compute="_compute_message_count")

    @api.depends("job", "started_at")
    def _compute_name(self):
        jobs = dict(self._fields["job"]._description_selection(self.env))
        for run in self:
            run.name = f"{jobs.get(run.job, run.job)} {run.started_at or ''}".strip()

    @api.depends("progress_done", "progress_total", "state")
    def _compute_progress(self):
        for run in self:
            if run.state in ("done", "partial", "failed"):
                run.progress = 100.0
            elif run.progress_total:
                run.progress = min(100.0, 100.0 * run.progress_done / run.progress_total)
            else:
                run.progress = 0.0

    def _progress(self, done, total=None):
        """Record progress; in a background run, also commit the work done so far.

        Jobs call this between batches. A background run (queue or schedule)
        commits here: the work of each finished batch is complete in itself
        (every order in its own savepoint, every stock batch recorded with
        what Shopify was told), so a crash later loses nothing that was
        committed and a re-run continues from there.
        """
        self.ensure_one()
        values = {"progress_done": done}
        if total is not None:
            values["progress_total"] = total
        self.write(values)
        if self.env.context.get("shopify_commit"):
            self.env.cr.commit()  # pylint: disable=invalid-commit  # safe: see the docstring

    @api.depends("message_ids")
    def _compute_message_count(self):
        for run in self:
            run.message_count = len(run.message_ids)

    def _log(self, message, level="error", reference=None, record=None):
        """Add a per-record message to the run (never a secret: callers pass
        merchant-facing text only).

        Whatever the caller passes is stored: message and reference are made
        text PostgreSQL accepts (lone surrogates, NUL and control characters
        replaced) and bounded in length, so that logging a failure can never
        fail itself.
        """
        self.ensure_one()
        return self.env["shopify.run.message"].create(
            {
                "run_id": self.id,
                "level": level,
                "reference": clean_text(reference, REFERENCE_MAX) if reference else False,
                "res_model": record._name if record else False,
                "res_id": record.id if record else False,
                "message": (clean_text(message, MESSAGE_MAX) if message else "") or "-",
            }
        )

    def _finish(self, state=None, summary=None, api_calls=None):
        self.ensure_one()
        now = fields.Datetime.now()
        if state is None:
            if self.count_failed and (
                self.count_created or self.count_updated or self.count_unchanged
            ):
                state = "partial"
            elif self.count_failed:
                state = "failed"
            else:
                state = "done"
        values = {
            "state": state,
            "ended_at": now,
            "duration": (now - self.started_at).total_seconds() if self.started_at else 0.0,
        }
        if summary is not None:
            values["summary"] = summary
        if api_calls is not None:
            values["api_calls"] = api_calls
        self.write(values)

    # ------------------------------------------------------------------
    # Background queue, retry, clean-up
    # ------------------------------------------------------------------
    @api.model
    def _cron_process_queue(self, limit=20):
        """Do the queued runs (started from the web client), oldest first.

        Each queued run is claimed with ``FOR UPDATE SKIP LOCKED``, so that
        several cron workers share the queue without doing a run twice.
        """
        for _i in range(limit):
            self.env.flush_all()
            self.env.cr.execute(
                """
                SELECT id FROM shopify_run
                 WHERE state = 'queued'
                 ORDER BY id
                 LIMIT 1
                   FOR UPDATE SKIP LOCKED
                """
            )
            row = self.env.cr.fetchone()
            if not row:
                return
            run = self.browse(row[0])
            run._process_queued()
            # safe: the run is finished (or failed) and recorded; the next one
            # starts in a transaction of its own.
            self.env.cr.commit()  # pylint: disable=invalid-commit

    def _process_queued(self):
        """Do one queued run, as the queue's cron (superuser).

        The job's method comes from the table in the code; a run started by a
        person is checked again against that person's rights now (they may
        have lost them since, or the run may not come from the job machinery).
        """
        self.ensure_one()
        shop = self.shop_id.with_context(shopify_background=False, shopify_commit=True)
        try:
            if self.trigger == "manual":
                shop._check_job_rights(self.job, user=self.user_id)
            method = shop._job_method(self.job)
        except (AccessError, UserError) as exc:
            self._log(str(exc.args[0]) if exc.args else str(exc))
            self.failure_code = "access" if isinstance(exc, AccessError) else "error"
            self._finish("failed")
            self._notify_end()
            return
        try:
            with self._job_lock(shop.id, self.job):
                self.write({"state": "running", "started_at": fields.Datetime.now()})
                # safe: makes "running" visible in the run log before the work
                self.env.cr.commit()  # pylint: disable=invalid-commit
                shop._execute_run(self.with_env(shop.env), method)
        except JobAlreadyRunning:
            self._log(shop._already_running_message(self.job), level="warning")
            self._finish("failed")
        self._notify_end()

    # how the end of a run is told: notification type, and whether it stays
    NOTIFY_KINDS = {"done": ("success", False), "partial": ("warning", True)}

    def _notify_end(self):
        """Tell the user who started the run how it ended, with a button that
        opens it.

        A run a person started (trigger *manual*) is told however it ended; a
        run started by what a person did (a delivery's fulfilment) only when
        it failed. The text is in the language of that user. The
        notification is Odoo's ``account_notification`` (a simple
        notification with a button; ``account`` comes with ``sale``).
        """
        self.ensure_one()
        user = self.user_id
        if not user or user._is_public():
            return
        if self.trigger != "manual" and self.state != "failed":
            return
        run = self.with_context(lang=user.lang or self.env.lang)
        states = dict(run._fields["state"]._description_selection(run.env))
        kind, sticky = self.NOTIFY_KINDS.get(run.state, ("danger", True))
        detail = run.summary or ""
        if run.state != "done" and run.message_ids:
            detail = run.message_ids[0].message
        user._bus_send(
            "account_notification",
            {
                "type": kind,
                "sticky": sticky,
                "title": run.env._(
                    "%(shop)s: %(job)s - %(state)s",
                    shop=run.shop_id.name,
                    job=run.shop_id._job_label(run.job),
                    state=states[run.state],
                ),
                "message": detail or run.env._("The run ended without a summary."),
                "action_button": {
                    "name": run.env._("Open the run"),
                    "action_name": run.name,
                    "model": "shopify.run",
                    "res_ids": run.ids,
                },
            },
        )

    def action_retry(self):
        """Run again, in the background, the jobs of the selected runs that failed.

        Every job is safe to repeat: orders are never imported twice, stock
        and prices are recomputed and only what differs is sent.
        """
        runs = self.filtered(lambda r: r.state in ("failed", "partial"))
        if not runs:
            raise UserError(self.env._("Only failed or partially finished runs can be retried."))
        for run in runs:
            shop = run.shop_id.with_context(shopify_background=True)
            if run.job not in shop.JOB_METHODS:
                raise UserError(self.env._("This job cannot be run again from here."))
            shop._run_job(run.job)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "message": self.env._(
                    "%(count)s jobs queued again. Follow them in Shopify > Runs.",
                    count=len(runs),
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    @api.ondelete(at_uninstall=False)
    def _unlink_only_finished(self):
        if any(run.state in ("queued", "running") for run in self):
            raise UserError(
                self.env._("Queued or running runs cannot be deleted; wait until they end.")
            )

    @api.model
    def _cron_cleanup(self):
        """Delete finished runs older than each shop's retention period."""
        self.env.cr.execute(
            """
            DELETE FROM shopify_run r
             USING shopify_shop s
             WHERE r.shop_id = s.id
               AND r.state IN ('done', 'partial', 'failed')
               AND s.run_retention_days > 0
               AND r.started_at < (now() at time zone 'utc')
                                  - make_interval(days => s.run_retention_days)
            """
        )
        deleted = self.env.cr.rowcount
        if deleted:
            _logger.info("Deleted %s old Shopify runs", deleted)
        return deleted

    # ------------------------------------------------------------------
    # Job lock
    # ------------------------------------------------------------------
    @staticmethod
    def _lock_key(shop_id, job):
        group = LOCK_GROUPS.get(job, job)
        digest = hashlib.sha1(f"shopify:{shop_id}:{group}".encode()).digest()
        return int.from_bytes(digest[:8], "big", signed=True)

    @api.model
    @contextmanager
    def _job_lock(self, shop_id, job):
        """Hold an exclusive lock on (shop, job group) for the whole job.

        The lock is a transaction-level advisory lock taken on a connection of
        its own, which stays open while the job runs: the job itself commits
        in batches (which would release a lock held in its own transaction),
        and a worker that dies closes its connection and so frees the lock.
        ``pg_try_advisory_xact_lock`` never waits: a second worker (or user)
        is told at once that the job is already running.
        """
        lock_cr = sql_db.db_connect(self.env.cr.dbname).cursor()
        try:
            lock_cr.execute("SELECT pg_try_advisory_xact_lock(%s)", [self._lock_key(shop_id, job)])
            if not lock_cr.fetchone()[0]:
                raise JobAlreadyRunning(job)
            self._close_orphans(shop_id, job)
            yield
        finally:
            lock_cr.rollback()  # ends the transaction, which releases the lock
            lock_cr.close()

    @api.model
    def _close_orphans(self, shop_id, job):
        """End the runs of this lock group still marked running: holding the
        lock proves that the worker which ran them is gone (killed, restarted)."""
        group = LOCK_GROUPS.get(job, job)
        jobs = [name for name, grp in LOCK_GROUPS.items() if grp == group] or [job]
        orphans = self.search(
            [("shop_id", "=", shop_id), ("job", "in", jobs), ("state", "=", "running")]
        )
        for run in orphans:
            run._log(
                self.env._(
                    "The worker running this job stopped before the end (restart or crash). "
                    "What it had saved is kept; the next run continues from there."
                ),
                level="warning",
            )
            run._finish("failed")
        return orphans


class ShopifyRunMessage(models.Model):
    _name = "shopify.run.message"
    _description = "Shopify sync run message"
    _order = "id"

    run_id = fields.Many2one("shopify.run", required=True, ondelete="cascade", index=True)
    shop_id = fields.Many2one(related="run_id.shop_id", store=True)
    company_id = fields.Many2one(related="run_id.company_id", store=True)
    level = fields.Selection(
        [("info", "Info"), ("warning", "Warning"), ("error", "Error")],
        required=True,
        default="error",
    )
    reference = fields.Char(help="Order name, SKU or other reference the message is about.")
    res_model = fields.Char("Related model", readonly=True)
    res_id = fields.Many2oneReference("Related record", model_field="res_model", readonly=True)
    message = fields.Text(required=True)
