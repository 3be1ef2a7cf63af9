import logging
from datetime import timedelta, timezone
from zoneinfo import ZoneInfo

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..shopify_api import schedule as schedule_rules

_logger = logging.getLogger(__name__)

SCHEDULED_JOBS = [
    ("orders", "Fetch orders"),
    ("refetch", "Daily re-fetch of orders"),
    ("stock_changed", "Sync changed stock"),
    ("stock_all", "Sync all stock"),
    ("prices", "Update prices"),
    ("payouts", "Import payouts"),
]
# job: (on after "Switch schedules on", interval in minutes, start time in hours).
# A new shop's schedules start off (see shopify.shop._create_default_schedules).
DEFAULTS = {
    "orders": (True, 10, 0.0),
    "refetch": (True, 1440, 2.0),
    "stock_changed": (True, 15, 0.0),
    "stock_all": (False, 1440, 3.0),
    "prices": (True, 60, 0.0),
    "payouts": (False, 1440, 6.0),
}
# failures that retrying soon cannot fix: back off and tell an administrator
PERSISTENT_FAILURES = {"authentication", "access_denied", "shop_not_found", "shop_unavailable"}
# other failures (a network fault, a crash) back off after this many in a row
TRANSIENT_GRACE = 2


class ShopifySchedule(models.Model):
    """When a job runs unattended for a shop."""

    _name = "shopify.schedule"
    _description = "Shopify job schedule"
    _order = "shop_id, id"

    shop_id = fields.Many2one("shopify.shop", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="shop_id.company_id", store=True)
    job = fields.Selection(SCHEDULED_JOBS, required=True)
    active = fields.Boolean(
        "Automatic",
        default=True,
        help="Run this job by itself on the schedule below. Switch it off to run it by hand only.",
    )
    interval_minutes = fields.Integer(
        "Every (minutes)",
        required=True,
        default=10,
        help="Minutes between two runs. Orders: 1 to 60 (default 10). A value of 1440 "
        "runs the job once a day at the start time.",
    )
    start_time = fields.Float(
        "Start time",
        default=0.0,
        help="Time of day (in the shop's time zone) from which the runs are counted; "
        "the daily re-fetch runs at this time.",
    )
    offset_seconds = fields.Integer(
        "Gap to the daily re-fetch (s)",
        default=60,
        help="A regular order fetch due within this many seconds of the daily re-fetch "
        "is moved to this many seconds after it, so the two never collide.",
    )
    next_run_at = fields.Datetime("Next run", readonly=True, copy=False)
    last_run_at = fields.Datetime("Last run", readonly=True, copy=False)
    last_run_id = fields.Many2one("shopify.run", readonly=True, copy=False)
    failure_count = fields.Integer(
        "Failures in a row",
        readonly=True,
        copy=False,
        help="Scheduled runs that failed in a row. After a failure a retry cannot fix "
        "(refused credentials, missing permission, shop gone) the schedule waits longer "
        "after each; after other failures (network, unexpected errors) from the third "
        "in a row on. Administrators get a to-do when a schedule starts failing.",
    )

    _job_unique = models.Constraint("UNIQUE(shop_id, job)", "One schedule per shop and job.")

    @api.constrains("job", "interval_minutes")
    def _check_interval(self):
        for schedule in self:
            if schedule.job == "orders" and not 1 <= schedule.interval_minutes <= 60:
                raise ValidationError(self.env._("Orders are fetched every 1 to 60 minutes."))
            if not 1 <= schedule.interval_minutes <= 1440:
                raise ValidationError(
                    self.env._("A schedule runs every 1 to 1440 minutes (once a day).")
                )

    @api.constrains("start_time")
    def _check_start_time(self):
        for schedule in self:
            if not 0 <= schedule.start_time < 24:
                raise ValidationError(self.env._("The start time is a time of day (0:00-23:59)."))

    @api.model_create_multi
    def create(self, vals_list):
        schedules = super().create(vals_list)
        schedules._plan_next()
        return schedules

    def write(self, vals):
        result = super().write(vals)
        replan = {"interval_minutes", "start_time", "active", "offset_seconds", "failure_count"}
        if replan & set(vals) and not self.env.context.get("shopify_planning"):
            self._plan_next()
        return result

    # ------------------------------------------------------------------
    def _tz(self):
        name = self.shop_id.shopify_timezone or self.env.user.tz or "UTC"
        try:
            return ZoneInfo(name)
        except (KeyError, ValueError):
            return timezone.utc

    def _next_slot(self, now):
        """The next run after ``now`` (aware UTC), honouring the daily re-fetch gap."""
        self.ensure_one()
        slot = schedule_rules.next_run(now, self.start_time, self.interval_minutes, self._tz())
        if self.job == "orders":
            daily = self.shop_id.schedule_ids.filtered(lambda s: s.job == "refetch" and s.active)
            if daily:
                refetch = schedule_rules.next_run(
                    now, daily.start_time, daily.interval_minutes, daily._tz()
                )
                slot = schedule_rules.avoid(slot, refetch, daily.offset_seconds)
        return slot

    def _plan_next(self, now=None):
        now = now or fields.Datetime.now().replace(tzinfo=timezone.utc)
        for schedule in self:
            slot = schedule._next_slot(now)
            failures = schedule.failure_count
            if schedule.last_run_id.failure_code not in PERSISTENT_FAILURES:
                failures = max(0, failures - TRANSIENT_GRACE)
            pause = schedule_rules.backoff(schedule.interval_minutes, failures)
            if pause:
                slot = max(slot, now + timedelta(minutes=pause))
            schedule.with_context(shopify_planning=True).write(
                {"next_run_at": slot.astimezone(timezone.utc).replace(tzinfo=None)}
            )

    @api.model
    def _cron_run_due(self, limit=50):
        """Run the schedules that are due (the scheduler's one cron).

        A due schedule is claimed with ``FOR UPDATE SKIP LOCKED`` and its next
        run planned before the job starts, so that several cron workers never
        pick the same schedule; the job itself is exclusive per shop and job
        (see ``shopify.run._job_lock``). Archived shops and shops never
        connected are left alone. One schedule's failure, whatever it is, is
        recorded on that schedule (which backs off) and the next due schedule
        runs: no exception reaches Odoo's scheduler.
        """
        done = 0
        while done < limit:
            self.env.flush_all()
            self.env.cr.execute(
                """
                SELECT sch.id
                  FROM shopify_schedule sch
                  JOIN shopify_shop shop ON shop.id = sch.shop_id
                 WHERE sch.active AND shop.active AND shop.state != 'draft'
                   AND sch.next_run_at <= %s
                 ORDER BY sch.next_run_at
                 LIMIT 1
                   FOR UPDATE OF sch SKIP LOCKED
                """,
                [fields.Datetime.now()],
            )
            row = self.env.cr.fetchone()
            if not row:
                break
            if not self.browse(row[0])._run_contained():
                break
            done += 1
            # safe: the schedule's run is finished and recorded, its next run
            # planned; the next schedule starts in a transaction of its own.
            self.env["ir.cron"]._commit_progress(1)
        return done

    def _run_contained(self):
        """Run this due schedule; any exception ends as a failed run of its own.

        The job commits as it goes (context ``shopify_commit``), so there is
        no savepoint to roll back to: the transaction under way is rolled
        back, and the failure recorded in a fresh one. Returns False only when
        even that fails (the database is unusable): the caller stops then.
        """
        self.ensure_one()
        schedule_id = self.id
        try:
            self._run_now()
            return True
        except Exception:  # one schedule never stops the others
            _logger.exception("Shopify schedule %s crashed outside its run", schedule_id)
            self.env.cr.rollback()
            self.env.invalidate_all(flush=False)
        try:
            self.browse(schedule_id).exists()._record_crash()
            return True
        except Exception:  # the failure cannot even be recorded: stop this cron run
            _logger.exception("Shopify schedule %s: the crash could not be recorded", schedule_id)
            self.env.cr.rollback()
            return False

    def _record_crash(self):
        """A failed run for a job that could not even start or end cleanly."""
        for schedule in self:
            run = (
                self.env["shopify.run"]
                .sudo()
                .create(
                    {
                        "shop_id": schedule.shop_id.id,
                        "job": schedule.job,
                        "trigger": "cron",
                        "user_id": self.env.uid,
                    }
                )
            )
            run._log(
                self.env._(
                    "The scheduled job could not run because of an unexpected error. It "
                    "is tried again later, less often while it keeps failing; the server "
                    "log has the details for your Odoo administrator."
                )
            )
            run.failure_code = "crash"
            run._finish("failed")
            schedule._record_result(run, fields.Datetime.now())

    def _record_result(self, run, started):
        self.ensure_one()
        values = {"last_run_at": started, "last_run_id": run.id}
        if run.state == "failed":
            values["failure_count"] = self.failure_count + 1
            persistent = run.failure_code in PERSISTENT_FAILURES
            if (persistent and self.failure_count == 0) or (
                not persistent and self.failure_count == TRANSIENT_GRACE
            ):
                self.shop_id._warn_administrators(run)
        else:
            values["failure_count"] = 0
        self.write(values)  # failure_count changes plan the next run

    def _run_now(self):
        self.ensure_one()
        shop = self.shop_id.with_context(shopify_commit=True)
        now = fields.Datetime.now()
        if not shop._job_configured(self.job):
            # not set up for this job (e.g. no pricelist yet): nothing to run
            self._plan_next()
            return
        try:
            run = shop._run_job(self.job, trigger="cron")
        except UserError as exc:  # the same job runs already (started by hand)
            _logger.info("Shopify schedule %s skipped: %s", self.id, exc)
            self._plan_next()
            return
        self._record_result(run, now)


class ShopifyShop(models.Model):
    """The shop's side of its schedules: creating them (off), whether any is on,
    switching them on."""

    _inherit = "shopify.shop"  # pylint: disable=consider-merging-classes-inherited

    schedules_on = fields.Boolean(
        "Schedules on",
        compute="_compute_schedules_on",
        help="Whether at least one of the shop's jobs runs by itself on its schedule.",
    )

    def _create_default_schedules(self):
        """One schedule per job for each shop that lacks it; all start off."""
        values = []
        for shop in self:
            existing = set(shop.schedule_ids.mapped("job"))
            for job, (_on, interval, start) in DEFAULTS.items():
                if job not in existing:
                    values.append(
                        {
                            "shop_id": shop.id,
                            "job": job,
                            # a new shop's schedules start off: switched on by
                            # action_switch_schedules_on once the mapping is checked
                            "active": False,
                            "interval_minutes": interval,
                            "start_time": start,
                        }
                    )
        self.env["shopify.schedule"].create(values)

    @api.depends("schedule_ids.active")
    def _compute_schedules_on(self):
        for shop in self:
            shop.schedules_on = any(shop.schedule_ids.mapped("active"))

    def action_switch_schedules_on(self):
        """Switch on the schedules a shop runs by default.

        *Sync all stock* and *Import payouts* stay as they are (off unless
        switched on one by one): the changed-stock push keeps Shopify up to
        date, and payouts need the accounting set up first.
        """
        self.check_access("write")
        wanted = {job for job, (on, _interval, _start) in DEFAULTS.items() if on}
        self.schedule_ids.filtered(lambda s: s.job in wanted and not s.active).write(
            {"active": True}
        )
        return True
