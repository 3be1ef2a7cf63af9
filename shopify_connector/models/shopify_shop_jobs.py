"""Jobs of a shop: who may start them, how they run, how they end.

Every way of starting a job (form button, list action, ``action_queue_job``,
*Synchronize shop*, retry, the background queue) goes through ``_run_job``,
which checks the requesting user's rights on the server before anything is
queued or run. The method that does a job's work comes from ``JOB_METHODS``,
a table in the code: never from a stored string.
"""

import logging

from odoo import models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..shopify_api import errors as api_errors
from .shopify_run import JobAlreadyRunning

_logger = logging.getLogger(__name__)

USER = "shopify_connector.shopify_connector_group_user"
MANAGER = "shopify_connector.shopify_connector_group_manager"

# The shop's method that does each job's work: ``method(run, client)``.
JOB_METHODS = {
    "match": "_match_products",
    "orders": "_fetch_orders",
    "refetch": "_refetch_orders",
    "stock_changed": "_stock_push_changed",
    "stock_all": "_stock_push_all",
    "stock_import": "_stock_import",
    "prices": "_push_prices_changed",
    "prices_all": "_push_prices_all",
    "product_export": "_export_products",
    "product_import": "_import_products",
    "fulfillment": "_push_fulfillments",
    "payouts": "_import_payouts",
}

# The groups a user needs, all of them, to start each job. Jobs not named
# here need Shopify / User.
JOB_GROUPS = {
    "connection": (MANAGER,),
    # overwrites Odoo's on-hand quantities: inventory administrators only
    "stock_import": (MANAGER, "stock.group_stock_manager"),
    # creates products in Odoo
    "product_import": (MANAGER,),
    # books bank statement lines and reconciles payments: accounting users only
    "payouts": (USER, "account.group_account_invoice"),
}


class ShopifyShop(models.Model):
    _inherit = "shopify.shop"  # pylint: disable=consider-merging-classes-inherited

    JOB_METHODS = JOB_METHODS

    # ------------------------------------------------------------------
    # Rights
    # ------------------------------------------------------------------
    def _check_job_rights(self, job, user=None):
        """Raise ``AccessError`` unless ``user`` (default: the current user)
        may start ``job`` for every shop of ``self``.

        The connector's own machinery (``sudo``, the scheduler) is not
        checked; a person is, whatever the way the call came (form, list
        action, RPC): the groups of the job, and read access to each shop
        (its company).
        """
        if user is None:
            if self.env.su:
                return
            user = self.env.user
        groups = JOB_GROUPS.get(job, (USER,))
        if not all(user.has_group(group) for group in groups):
            names = ", ".join(self.env.ref(group).sudo().full_name or group for group in groups)
            raise AccessError(
                self.env._(
                    "You may not start '%(job)s': it needs the groups %(groups)s.",
                    job=self._job_label(job),
                    groups=names,
                )
            )
        self.with_user(user).check_access("read")

    def _job_label(self, job):
        jobs = dict(self.env["shopify.run"]._fields["job"]._description_selection(self.env))
        return jobs.get(job, job)

    def _job_method(self, job):
        """The bound method doing ``job``'s work, from the table in the code."""
        if job not in JOB_METHODS:
            raise UserError(
                self.env._("'%(job)s' cannot be run from here.", job=self._job_label(job))
            )
        return getattr(self, JOB_METHODS[job])

    # ------------------------------------------------------------------
    # Runs
    # ------------------------------------------------------------------
    def _run_job(self, job, trigger="manual"):
        """Run ``job`` as a logged run, exclusive per shop and lock group.

        A person's call is checked first (``_check_job_rights``). Started from
        the web client (context ``shopify_background``), the run is queued and
        done in the background by the run queue's cron, so that the browser
        does not wait; the user sees it in the run log. Otherwise (scheduler,
        scripts, tests) it runs at once.

        Once the check has passed, the job does its work with the
        connector's rights (``sudo``, the requesting user stays the author of
        what it creates), as a queued run does in the queue's cron: the job's
        group is the gate, not the many models a job touches (contacts,
        products, deliveries). Runs are the machinery's records: users read
        them, only this code creates and changes them.
        """
        self.ensure_one()
        if trigger == "manual":
            self._check_job_rights(job)
        method = self.sudo()._job_method(job)
        Run = self.env["shopify.run"].sudo()
        values = {"shop_id": self.id, "job": job, "trigger": trigger, "user_id": self.env.uid}
        if self.env.context.get("shopify_background") and trigger in ("manual", "auto"):
            run = Run.create(dict(values, state="queued"))
            self.env.ref("shopify_connector.shopify_run_queue_cron").sudo()._trigger()
            return run
        try:
            with Run._job_lock(self.id, job):
                run = Run.create(values)
                self.sudo()._execute_run(run, method)
                return run
        except JobAlreadyRunning as exc:
            raise UserError(self._already_running_message(job)) from exc

    def _already_running_message(self, job):
        return self.env._(
            "'%(job)s' is already running for the shop '%(shop)s'. Wait until it has "
            "finished; its result appears in the run log.",
            job=self._job_label(job),
            shop=self.name,
        )

    def _execute_run(self, run, method):
        """Do the work of ``run`` and end it with the right status.

        In a background run (context ``shopify_commit``) the job may commit
        between batches (``run._progress``); a failure then rolls back only the
        batch under way. Otherwise the job's work is done inside a savepoint:
        an error rolls back what it did, while the run record with its
        messages stays.
        """
        client = None
        committing = bool(self.env.context.get("shopify_commit"))
        try:
            if committing:
                client = self._shopify_client()
                method(run, client)
            else:
                with self.env.cr.savepoint():
                    client = self._shopify_client()
                    method(run, client)
        except Exception as exc:  # one crashed job never stops the others
            if committing:
                self.env.cr.rollback()
            code = getattr(exc, "code", None) or "error"
            if isinstance(exc, api_errors.ShopifyError):
                message = self._shopify_error_message(exc)
            elif isinstance(exc, (UserError, ValidationError)):
                message = str(exc.args[0]) if exc.args else str(exc)
            else:
                _logger.exception(
                    "Shopify run %s (%s) of shop %s crashed", run.id, run.job, self.id
                )
                code = "crash"
                message = self.env._(
                    "The job stopped on an unexpected error (%(error)s). Nothing of the "
                    "unfinished part was saved; the next run tries again. If it keeps "
                    "happening, show the server log to your Odoo administrator.",
                    error=type(exc).__name__,
                )
            run._log(message)
            run.failure_code = code
            run._finish("failed", api_calls=client.stats["calls"] if client else 0)
        else:
            run._finish(api_calls=client.stats["calls"])
        return run

    def _run_result(self, run):
        """Notification for a manual run."""
        if run.state == "queued":
            return self._notify(
                self.env._(
                    "%(run)s started in the background. Its progress and result appear in "
                    "Shopify > Runs; you are notified if it fails.",
                    run=run.name,
                ),
                "info",
            )
        kinds = {"done": "success", "partial": "warning", "failed": "danger"}
        text = run.summary or ""
        if run.state == "failed" and run.message_ids:
            text = run.message_ids[0].message
        states = dict(run._fields["state"]._description_selection(self.env))
        return self._notify(
            f"{run.name}: {states[run.state]}" + (f" - {text}" if text else ""),
            kinds.get(run.state, "info"),
            sticky=run.state != "done",
        )

    # ------------------------------------------------------------------
    # List actions, Synchronize shop
    # ------------------------------------------------------------------
    # desk4's order: orders first (so that Odoo reserves their stock and the
    # stock push publishes what is really left), then stock, then prices.
    SYNC_JOBS = ("orders", "stock_changed", "prices")

    def action_queue_job(self, job):
        """Start ``job`` in the background for every selected shop (list action)."""
        if job not in JOB_METHODS:
            raise UserError(self.env._("'%(job)s' cannot be run from here.", job=job))
        self._check_job_rights(job)  # all shops, before anything is queued
        runs = self.env["shopify.run"]
        for shop in self.with_context(shopify_background=True):
            runs |= shop._run_job(job)
        return self._notify(
            self.env._(
                "%(job)s started in the background for %(count)s shops. Follow the runs in "
                "Shopify > Runs.",
                job=self._job_label(job),
                count=len(self),
            ),
            "info",
        )

    def _job_configured(self, job):
        """Whether the shop is set up for ``job`` (the stock and price settings
        extend this); Synchronize shop and the scheduler skip the others."""
        self.ensure_one()
        return True

    def action_synchronize_shop(self):
        """Run order fetch, changed stock and price update, in this order."""
        for job in self.SYNC_JOBS:
            self._check_job_rights(job)
        runs = self.env["shopify.run"]
        for shop in self:
            for job in self.SYNC_JOBS:
                if shop._job_configured(job):
                    runs |= shop._run_job(job)
        if self.env.context.get("shopify_background"):
            return self._notify(
                self.env._(
                    "Synchronization started in the background: %(count)s runs queued. "
                    "Follow them in Shopify > Runs.",
                    count=len(runs),
                ),
                "info",
            )
        failed = runs.filtered(lambda r: r.state in ("failed", "partial"))
        jobs = dict(runs._fields["job"]._description_selection(self.env))
        states = dict(runs._fields["state"]._description_selection(self.env))
        lines = [f"{run.shop_id.name}: {jobs[run.job]}: {states[run.state]}" for run in runs]
        return self._notify(
            "\n".join(lines), "warning" if failed else "success", sticky=bool(failed)
        )
