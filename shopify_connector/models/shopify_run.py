import hashlib
import logging
from contextlib import contextmanager

from odoo import api, fields, models, sql_db

_logger = logging.getLogger(__name__)

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
        [("manual", "Manual"), ("cron", "Scheduled"), ("webhook", "Webhook")],
        required=True,
        default="manual",
    )
    state = fields.Selection(
        [
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
    message_ids = fields.One2many("shopify.run.message", "run_id", string="Messages")
    message_count = fields.Integer(compute="_compute_message_count")

    @api.depends("job", "started_at")
    def _compute_name(self):
        jobs = dict(self._fields["job"]._description_selection(self.env))
        for run in self:
            run.name = f"{jobs.get(run.job, run.job)} {run.started_at or ''}".strip()

    @api.depends("message_ids")
    def _compute_message_count(self):
        for run in self:
            run.message_count = len(run.message_ids)

    def _log(self, message, level="error", reference=None, record=None):
        """Add a per-record message to the run (never a secret: callers pass
        merchant-facing text only)."""
        self.ensure_one()
        return self.env["shopify.run.message"].create(
            {
                "run_id": self.id,
                "level": level,
                "reference": reference,
                "res_model": record._name if record else False,
                "res_id": record.id if record else False,
                "message": message,
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
            yield
        finally:
            lock_cr.rollback()  # ends the transaction, which releases the lock
            lock_cr.close()


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
