"""One order imported by one worker at a time, whether the webhook processing
or the scheduled fetch imports it.

Both take the same per-order lock: a transaction-level PostgreSQL advisory
lock on a key derived from the shop and the Shopify order ID, held until the
transaction that imports the order commits. Neither ever waits for it:

- the webhook processing tries the lock when it claims an order's events
  (``shopify.webhook.event._claim``); a busy order is left for a few seconds;
- the scheduled fetch tries it at the start of each order
  (``_shopify_order_lock``). Waiting would not help it: Odoo's transactions
  see the database as it was when they began (REPEATABLE READ), so an order
  another worker commits while the fetch waits would stay invisible to the
  fetch, which would then try to create it a second time. Instead the fetch
  hands such an order to the webhook queue (an event of its own, processed
  in a fresh transaction once the other worker is done) and goes on: the
  order is read again by ID and nothing is lost or imported twice.

The same holds for an order another worker imported (committed) after the
fetch's transaction began: the fetch does not see it, finds it with a
short query on a connection of its own, and hands it over likewise.
"""

import hashlib

from odoo import models, sql_db
from odoo.tools import SQL


class ShopifyShop(models.Model):
    # one file per concern of the shop, as the design asks
    _inherit = "shopify.shop"  # pylint: disable=consider-merging-classes-inherited

    def _shopify_order_lock_key(self, order_gid):
        self.ensure_one()
        return self.env["shopify.run"]._lock_key(self.id, f"order:{order_gid}")

    def _shopify_try_order_lock(self, order_gid):
        """Take this order's lock for the current transaction, without
        waiting; whether it was free (a worker holding it already gets it
        again)."""
        self.ensure_one()
        self.env.cr.execute(
            "SELECT pg_try_advisory_xact_lock(%s)", [self._shopify_order_lock_key(order_gid)]
        )
        return bool(self.env.cr.fetchone()[0])

    def _shopify_order_committed(self, order_gid):
        """Whether a sale order of this Shopify order is committed, as seen by
        a transaction beginning now (the current one may be older)."""
        self.ensure_one()
        keys = self._shopify_shop_keys()
        with sql_db.db_connect(self.env.cr.dbname).cursor() as cr:
            cr.execute(
                SQL(
                    """
                    SELECT 1 FROM sale_order
                     WHERE shopify_order_gid = %s
                       AND (shopify_shop_id = %s OR shopify_shop_key = ANY(%s))
                     LIMIT 1
                    """,
                    order_gid,
                    self.id,
                    list(keys),
                )
            )
            return bool(cr.fetchone())

    def _shopify_order_lock(self, importer, order):
        """Called by the importer before it imports ``order`` (normalised):
        whether to go on. False when another worker imports the order now,
        or has just imported it: the order is then handed to the webhook
        queue and reported in the run."""
        self.ensure_one()
        gid = order["gid"]
        busy = not self._shopify_try_order_lock(gid)
        if not busy and gid not in importer.existing:
            busy = self._shopify_order_committed(gid)
        if not busy:
            return True
        self.env["shopify.webhook.event"].sudo()._defer_order(self, order)
        importer.run._log(
            self.env._(
                "Order %(order)s is being imported by another worker (a webhook) right now: "
                "it is read again by ID once that worker is done.",
                order=order["name"],
            ),
            level="info",
            reference=order["name"],
        )
        return False

    def _shopify_deferral_id(self, order):
        """The event ID of a deferred order (one per order and state)."""
        text = f"{order['gid']}|{order.get('updated_at') or ''}"
        return "deferred:" + hashlib.sha256(text.encode()).hexdigest()[:32]
