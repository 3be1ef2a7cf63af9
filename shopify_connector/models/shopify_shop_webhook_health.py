"""Webhooks in operation: registered by *Test connection*, their health shown
on the shop, and the scheduled order fetch relaxed while they work.

While every topic is subscribed, the subscriptions were checked within the
last two days, no event waits in error and the last scheduled fetch found no
order the webhooks had not brought, the shop is *healthy*: the orders fetch,
the safety net, runs every ``webhook_fetch_interval`` minutes instead of its
schedule's interval. As soon as one of these fails, the schedule's own
interval applies again and the shop says why.
"""

from datetime import timedelta
from urllib.parse import urlparse

from odoo import api, fields, models

from ..shopify_api import webhooks

# the daily check repairs the subscriptions; two days without it is a fault
CHECK_MAX_AGE = timedelta(days=2)


class ShopifyShop(models.Model):
    # one file per concern of the shop, as the design asks
    _inherit = "shopify.shop"  # pylint: disable=consider-merging-classes-inherited

    webhook_fetch_interval = fields.Integer(
        "Fetch orders every (minutes) while webhooks work",
        default=60,
        help="While the webhooks work, orders arrive within seconds and the scheduled fetch "
        "is only the safety net: it then runs this often (0: always at the schedule's "
        "interval). When the webhooks fail, the schedule's interval applies again.",
    )
    webhook_healthy = fields.Boolean("Webhooks work", compute="_compute_webhook_state")
    webhook_state_note = fields.Char("Webhook state", compute="_compute_webhook_state")

    @api.depends("webhook_topics", "webhook_checked_at", "webhook_fetch_interval")
    def _compute_webhook_state(self):
        for shop in self:
            reason = shop._webhook_fault()
            shop.webhook_healthy = not reason
            if reason:
                shop.webhook_state_note = self.env._(
                    "Webhooks do not work (%(reason)s): the orders fetch runs at its "
                    "schedule's interval.",
                    reason=reason,
                )
            elif shop.webhook_fetch_interval:
                shop.webhook_state_note = self.env._(
                    "Webhooks work: orders arrive within seconds; the scheduled fetch, the "
                    "safety net, runs every %(minutes)s minutes.",
                    minutes=max(shop.webhook_fetch_interval, shop._orders_interval()),
                )
            else:
                shop.webhook_state_note = self.env._(
                    "Webhooks work: orders arrive within seconds."
                )

    def _orders_interval(self):
        schedule = self.with_context(active_test=False).schedule_ids.filtered(
            lambda s: s.job == "orders"
        )
        return schedule[:1].interval_minutes or 0

    def _webhook_fault(self):
        """Why this shop's webhooks cannot be relied on, or None."""
        self.ensure_one()
        shop = self.sudo()
        subscribed = {topic.strip() for topic in (shop.webhook_topics or "").split(",")}
        missing = sorted(set(webhooks.TOPICS) - subscribed)
        if not shop.webhook_topics:
            return self.env._("not registered")
        if missing:
            return self.env._("not subscribed: %(topics)s", topics=", ".join(missing))
        if not shop.webhook_checked_at or (
            fields.Datetime.now() - shop.webhook_checked_at > CHECK_MAX_AGE
        ):
            return self.env._("the subscriptions were not checked for two days")
        if shop.webhook_failed_count:
            return self.env._(
                "%(count)s events could not be processed", count=shop.webhook_failed_count
            )
        last = self.env["shopify.run"].search(
            [
                ("shop_id", "=", shop.id),
                ("job", "=", "orders"),
                ("trigger", "=", "cron"),
                ("state", "in", ("done", "failed")),
            ],
            order="started_at desc, id desc",
            limit=1,
        )
        if last.count_created:
            return self.env._(
                "the last scheduled fetch found %(count)s orders the webhooks had not brought",
                count=last.count_created,
            )
        return None

    def _webhook_relaxed_interval(self):
        """Minutes between scheduled order fetches while the webhooks work, or 0."""
        self.ensure_one()
        if self.webhook_fetch_interval <= 0 or self._webhook_fault():
            return 0
        return self.webhook_fetch_interval

    # -- Test connection registers the webhooks ------------------------------
    def action_test_connection(self):
        result = super().action_test_connection()
        shop = self.sudo()
        if shop.state != "connected" or not shop._webhook_secret():
            return result
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url") or ""
        if urlparse(base).scheme != "https":
            # Shopify delivers to HTTPS addresses only: the scheduled fetch brings the orders
            return result
        run = self._webhook_register()
        if run.state == "failed":
            message = self.env._(
                "Connected, but the webhooks could not be registered: %(reason)s Orders "
                "arrive with the scheduled fetch; see the run %(run)s.",
                reason=run.message_ids[:1].message or "",
                run=run.display_name,
            )
            return self._notify(message, "warning", sticky=True)
        return result


class ShopifySchedule(models.Model):
    _inherit = "shopify.schedule"

    def _run_now(self):
        """While the shop's webhooks work, the orders fetch, the safety net,
        runs only every ``webhook_fetch_interval`` minutes: a slot sooner than
        that after the last fetch is passed (the webhooks' state is looked at
        each slot, so a fault brings the schedule's interval back at once)."""
        self.ensure_one()
        if self.job == "orders" and self.last_run_at:
            relaxed = self.shop_id._webhook_relaxed_interval()
            since = fields.Datetime.now() - self.last_run_at
            if relaxed > self.interval_minutes and since < timedelta(minutes=relaxed):
                self._plan_next()
                return None
        return super()._run_now()
