from contextlib import contextmanager

from odoo import fields, models


class ShopifyAccessToken(models.Model):
    """Access token obtained with the client-credentials grant, cached per shop.

    Kept out of ``shopify.shop`` on purpose: it is renewed in a transaction of
    its own (see :class:`ShopifyTokenStore`), which must never wait on a lock
    that the running job holds on the shop row.
    """

    _name = "shopify.access.token"
    _description = "Shopify access token (cached)"

    shop_id = fields.Many2one("shopify.shop", required=True, ondelete="cascade", index=True)
    token = fields.Char(groups="base.group_system", copy=False)
    expires_at = fields.Datetime(groups="base.group_system", copy=False)
    scope = fields.Char(groups="base.group_system", copy=False)

    _shop_unique = models.Constraint("UNIQUE(shop_id)", "One cached token per shop.")


class ShopifyTokenStore:
    """The token store of ``shopify_api.auth.ClientCredentialsTokenProvider``.

    ``lock()`` opens a cursor of its own and takes a transaction-level advisory
    lock on the shop: when two workers need a new token at once, the second
    waits, then finds the token the first one saved (the provider re-reads it
    under the lock) instead of asking Shopify a second time. The new token is
    committed at once by that separate cursor, independent of the job's
    transaction, so a job that fails later does not lose it.
    """

    LOCK_NAMESPACE = 0x5309  # arbitrary, constant: "shopify token" advisory locks

    def __init__(self, env, shop_id):
        self.env = env
        self.shop_id = shop_id
        self._cr = None

    def _cursor(self):
        return self._cr or self.env.cr

    def load(self):
        cr = self._cursor()
        cr.execute(
            "SELECT token, expires_at FROM shopify_access_token WHERE shop_id = %s",
            [self.shop_id],
        )
        row = cr.fetchone()
        if not row or not row[0] or not row[1]:
            return None, None
        return row[0], fields.Datetime.to_datetime(row[1]).timestamp()

    def save(self, token, expires_at, scope=None):
        from datetime import datetime, timezone

        expires = datetime.fromtimestamp(expires_at, tz=timezone.utc).replace(tzinfo=None)
        self._cursor().execute(
            """
            INSERT INTO shopify_access_token (shop_id, token, expires_at, scope,
                                              create_date, write_date)
            VALUES (%s, %s, %s, %s, now() at time zone 'utc', now() at time zone 'utc')
            ON CONFLICT (shop_id) DO UPDATE
               SET token = EXCLUDED.token, expires_at = EXCLUDED.expires_at,
                   scope = EXCLUDED.scope, write_date = EXCLUDED.write_date
            """,
            [self.shop_id, token, expires, scope],
            log_exceptions=False,  # the query carries the token: never into the log
        )

    @contextmanager
    def lock(self):
        with self.env.registry.cursor() as cr:
            cr.execute("SELECT 1 FROM shopify_shop WHERE id = %s", [self.shop_id])
            if not cr.fetchone():
                # The shop was created in the caller's transaction and is not
                # committed yet (a script that creates and connects a shop in
                # one go): nobody else can see it, so nobody else can renew its
                # token; lock and save in the caller's transaction instead.
                self.env.cr.execute(
                    "SELECT pg_advisory_xact_lock(%s, %s)", [self.LOCK_NAMESPACE, self.shop_id]
                )
                yield
                return
            cr.execute("SELECT pg_advisory_xact_lock(%s, %s)", [self.LOCK_NAMESPACE, self.shop_id])
            self._cr = cr
            try:
                yield
            finally:
                self._cr = None
            # leaving the block commits: the saved token is visible to every
            # worker at once, whatever happens to the job's own transaction.
