"""The stock push after orders a webhook imported, debounced: the orders of a
burst share one changed-stock push, which publishes what they reserved."""

import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)

# Seconds between the first order a webhook imported and the changed-stock
# push that publishes what it reserved: the orders of a burst share one push.
STOCK_PUSH_DELAY = 30


class ShopifyShop(models.Model):
    # one file per concern of the shop, as the design asks
    _inherit = "shopify.shop"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # Stock push after imported orders (debounced)
    # ------------------------------------------------------------------
    def _webhook_stock_push_soon(self):
        """Ask for one changed-stock push ``STOCK_PUSH_DELAY`` seconds from now,
        unless one is asked for already: the orders of a burst share it.

        Only for a shop whose changed-stock schedule is on (the push that would
        otherwise wait for its next run). Which shops to push is decided when
        the cron runs, from the run log, so a trigger too many costs nothing.
        """
        self.ensure_one()
        if not self._webhook_pushes_stock():
            return
        cron = self.env.ref("shopify_connector.shopify_webhook_stock_cron").sudo()
        waiting = (
            self.env["ir.cron.trigger"]
            .sudo()
            .search_count(
                [("cron_id", "=", cron.id), ("call_at", ">=", fields.Datetime.now())], limit=1
            )
        )
        if not waiting:
            cron._trigger(fields.Datetime.now() + timedelta(seconds=STOCK_PUSH_DELAY))

    def _webhook_pushes_stock(self):
        """Whether the shop publishes changed stock on its own (set up, and its
        changed-stock schedule on)."""
        self.ensure_one()
        return self._job_configured("stock_changed") and bool(
            self.schedule_ids.filtered(
                lambda schedule: schedule.job == "stock_changed" and schedule.active
            )
        )

    def _webhook_stock_push_due(self):
        """Whether a webhook imported or changed an order since the shop's last
        stock push began."""
        self.ensure_one()
        Run = self.env["shopify.run"].sudo()
        last = Run.search(
            [("shop_id", "=", self.id), ("job", "in", ("stock_changed", "stock_all"))],
            order="started_at desc, id desc",
            limit=1,
        )
        domain = [
            ("shop_id", "=", self.id),
            ("job", "=", "orders"),
            ("trigger", "=", "webhook"),
            "|",
            ("count_created", ">", 0),
            ("count_updated", ">", 0),
        ]
        if last:
            # a run begun after the push, or still counting orders after it began
            domain += ["|", ("id", ">", last.id), ("write_date", ">=", last.started_at)]
        return bool(Run.search_count(domain, limit=1))

    @api.model
    def _cron_stock_after_webhooks(self):
        """The debounced push: one changed-stock run per shop whose orders came
        by webhook since its last push."""
        shops = self.search([("state", "=", "connected")])
        for shop in shops:
            if not (shop._webhook_pushes_stock() and shop._webhook_stock_push_due()):
                continue
            try:
                shop._run_job("stock_changed", trigger="webhook")
            except UserError as exc:  # pushing right now: that push or the next catches up
                _logger.info("Stock push of %s after webhook orders skipped: %s", shop.name, exc)
                shop._webhook_stock_push_soon()
