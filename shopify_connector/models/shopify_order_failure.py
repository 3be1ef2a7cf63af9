"""Orders the fetch could not import, remembered by their Shopify ID.

A failed order does not hold the fetch's mark back: it is remembered here and
read again by ID (the document of the webhook processing) at the next fetches,
with growing waits (10 minutes, doubled after each failure, at most a day),
until it is imported, gone from Shopify, or dismissed by a Shopify
administrator. Each record says what went wrong the last time; the shop form
counts them.
"""

from datetime import timedelta

from odoo import api, fields, models

from ..shopify_api import errors as api_errors
from ..shopify_api import webhooks
from ..shopify_api.order_queries import complete_order

FIRST_WAIT = timedelta(minutes=10)
LONGEST_WAIT = timedelta(days=1)
# orders read again by ID per fetch: the rest wait for the next fetch
RETRIES_PER_FETCH = 20
ERROR_MAX = 2000


class ShopifyOrderFailure(models.Model):
    _name = "shopify.order.failure"
    _description = "Shopify order not imported yet"
    _order = "first_failed_at, id"
    _rec_name = "name"

    shop_id = fields.Many2one("shopify.shop", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="shop_id.company_id", store=True, index=True)
    order_gid = fields.Char("Shopify order ID", required=True, readonly=True)
    name = fields.Char("Order", readonly=True)
    error = fields.Text("Last error", readonly=True)
    attempts = fields.Integer("Failed reads", readonly=True, default=1)
    first_failed_at = fields.Datetime("First failed", readonly=True)
    next_try_at = fields.Datetime("Next try", readonly=True)

    _shopify_order_failure_unique = models.Constraint(
        "UNIQUE(shop_id, order_gid)", "A Shopify order is remembered once per shop."
    )

    @api.model
    def _wait(self, attempts):
        return min(FIRST_WAIT * (2 ** max(attempts - 1, 0)), LONGEST_WAIT)


class ShopifyShop(models.Model):
    # one file per concern of the shop, as the design asks
    _inherit = "shopify.shop"  # pylint: disable=consider-merging-classes-inherited

    order_failure_ids = fields.One2many(
        "shopify.order.failure", "shop_id", "Orders not imported", readonly=True
    )
    order_failure_count = fields.Integer(
        "Orders not imported yet", compute="_compute_order_failure_count"
    )

    def _compute_order_failure_count(self):
        counts = dict(
            self.env["shopify.order.failure"]
            .sudo()
            ._read_group([("shop_id", "in", self.ids)], ["shop_id"], ["__count"])
        )
        for shop in self:
            shop.order_failure_count = counts.get(shop.sudo(), 0)

    def action_view_order_failures(self):
        self.ensure_one()
        name = self.env._("Orders not imported")
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": "shopify.order.failure",
            "view_mode": "list",
            "domain": [("shop_id", "=", self.id)],
        }

    # -- during the fetch --------------------------------------------------------
    def _order_failure_error(self, run, name):
        messages = run.message_ids.filtered(lambda m: m.reference == name and m.level == "error")
        return (messages[:1].message or "")[:ERROR_MAX] or False

    def _order_failures_note(self, run, nodes, outcomes):
        """Remember the page's failed orders, forget its imported ones; the
        Shopify IDs remembered (the others hold the mark back)."""
        self.ensure_one()
        Failure = self.env["shopify.order.failure"].sudo()
        now = fields.Datetime.now()
        failed, done = {}, set()
        for node, (outcome, __) in zip(nodes, outcomes, strict=True):
            gid = node.get("id") if isinstance(node, dict) else None
            if not isinstance(gid, str) or not gid.startswith("gid://shopify/Order/"):
                continue
            if outcome == "failed":
                name = node.get("name") if isinstance(node.get("name"), str) else gid
                failed[gid] = name[:255]
            else:
                done.add(gid)
        known = {
            rec.order_gid: rec
            for rec in Failure.search(
                [("shop_id", "=", self.id), ("order_gid", "in", list(failed) + list(done))]
            )
        }
        for gid in done:
            if gid in known:
                known[gid].unlink()
        for gid, name in failed.items():
            record = known.get(gid)
            attempts = record.attempts + 1 if record else 1
            values = {
                "name": name,
                "error": self._order_failure_error(run, name),
                "attempts": attempts,
                "next_try_at": now + Failure._wait(attempts),
            }
            if record:
                record.write(values)
            else:
                Failure.create(dict(values, shop_id=self.id, order_gid=gid, first_failed_at=now))
        return set(failed)

    def _order_failures_retry(self, run, client, importer, counts):
        """Read the remembered orders that are due again by ID and import them."""
        self.ensure_one()
        Failure = self.env["shopify.order.failure"].sudo()
        due = Failure.search(
            [("shop_id", "=", self.id), ("next_try_at", "<=", fields.Datetime.now())],
            limit=RETRIES_PER_FETCH,
        )
        for failure in due:
            try:
                node = client.execute(webhooks.ORDER_BY_ID, {"id": failure.order_gid}).get("order")
                node = complete_order(client, node) if node else None
            except api_errors.ShopifyError as exc:
                # Shopify cannot be read now: the next fetch tries again
                failure.write(
                    {
                        "error": self._shopify_error_message(exc)[:ERROR_MAX],
                        "next_try_at": fields.Datetime.now() + FIRST_WAIT,
                    }
                )
                break
            if not node:
                run._log(
                    self.env._(
                        "Order %(order)s no longer exists in Shopify: it is no longer tried.",
                        order=failure.name,
                    ),
                    level="info",
                    reference=failure.name,
                )
                failure.unlink()
                continue
            outcome, __ = next(iter(importer.import_page([node])))
            counts[outcome] += 1
            self._order_failures_note(run, [node], [(outcome, None)])
