"""Which Shopify shop a record is, where its credentials go, and how it ends.

- One record per Shopify shop: its myshopify.com domain is unique across
  companies, archived shops included, checked before the database is asked
  (a violated constraint makes Odoo log the failing query with its values).
- The secrets are stored by a query of their own that never reaches the log;
  no other query of the shop carries them, and no write lets PostgreSQL quote
  the shop's row (secrets included) in an error.
- A shop that has imported orders is archived, never deleted.
- Its orders are recognised by the shop's identity key: Shopify's permanent
  shop ID once Test connection has read it, its myshopify.com domain until
  then. A shop connected again under a new record finds them by that key.
"""

import logging

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from ..shopify_api.auth import default_base_url

_logger = logging.getLogger(__name__)

# The fields that decide where the credentials are sent.
CREDENTIAL_TARGET_FIELDS = {"domain", "base_url", "auth_method", "client_id"}
# Stored with a query of their own that is never logged (see _write_secrets).
SECRET_FIELDS = ("access_token", "client_secret")


class ShopifyShop(models.Model):
    # one file per concern of the shop, as the design asks
    _inherit = "shopify.shop"  # pylint: disable=consider-merging-classes-inherited

    shopify_shop_gid = fields.Char(
        "Shopify shop ID",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Shopify's permanent ID of the shop, read by Test connection. Imported orders "
        "are recognised by it (or by the shop domain until it is known), so that the shop "
        "connected again under a new record finds its orders instead of importing them twice.",
    )

    # ------------------------------------------------------------------
    # Where the credentials go
    # ------------------------------------------------------------------
    def _check_credential_target(self, vals, creating=False):
        """Only system administrators decide where the shop's credentials are
        sent (domain, base URL, authentication, client ID), whatever the
        caller (form, RPC, import). Others may create a shop for its own
        myshopify.com address only."""
        if self.env.is_system():
            return
        if creating:
            wanted = vals.get("base_url")
            if wanted and wanted.rstrip("/") != default_base_url(vals.get("domain") or ""):
                raise AccessError(
                    self.env._("Only system administrators can change the API base URL.")
                )
            return
        if CREDENTIAL_TARGET_FIELDS & set(vals):
            raise AccessError(
                self.env._(
                    "Only system administrators can change where the shop's credentials are "
                    "sent (shop domain, API base URL, authentication, client ID)."
                )
            )

    @api.constrains("base_url")
    def _check_base_url(self):
        for shop in self:
            if shop.base_url and not shop.base_url.lower().startswith(("https://", "http://")):
                raise ValidationError(
                    self.env._("The API base URL must start with https:// (or http://).")
                )

    # ------------------------------------------------------------------
    # One record per Shopify shop
    # ------------------------------------------------------------------
    def _check_domain_free(self, domains, exclude=None):
        """Refuse ``domains`` (normalised) that another shop has, in any
        company, archived or not, naming that shop where the user may see it."""
        domains = [domain for domain in domains if domain]
        twice = sorted({domain for domain in domains if domains.count(domain) > 1})
        if twice:
            raise ValidationError(
                self.env._(
                    "The shop domain %(domain)s is given to several shops: a Shopify shop is "
                    "connected once.",
                    domain=twice[0],
                )
            )
        if not domains:
            return
        existing = (
            self.sudo()
            .with_context(active_test=False)
            .search(
                [("domain", "in", domains), ("id", "not in", exclude.ids if exclude else [])],
                limit=1,
            )
        )
        if not existing:
            return
        if not existing.with_env(self.env).has_access("read"):
            raise ValidationError(
                self.env._(
                    "The Shopify shop %(domain)s is connected already, in a company you have "
                    "no access to. Ask your administrator.",
                    domain=existing.domain,
                )
            )
        if existing.active:
            raise ValidationError(
                self.env._(
                    "The Shopify shop %(domain)s is connected already as '%(shop)s' "
                    "(company %(company)s). Open that shop instead of connecting it a "
                    "second time.",
                    domain=existing.domain,
                    shop=existing.name,
                    company=existing.company_id.name,
                )
            )
        raise ValidationError(
            self.env._(
                "The Shopify shop %(domain)s is connected already as '%(shop)s' (company "
                "%(company)s), which is archived. Restore that shop (filter 'Archived' in "
                "the list of shops) instead of connecting it a second time.",
                domain=existing.domain,
                shop=existing.name,
                company=existing.company_id.name,
            )
        )

    def _check_not_emptied(self, vals):
        """A required field written empty fails in PostgreSQL, whose message
        quotes the shop's whole row, secrets included, into the log: refuse
        it before."""
        for name, value in vals.items():
            field = self._fields.get(name)
            if not (field and field.required and field.store) or field.type == "boolean":
                continue
            if value is False or value is None or (isinstance(value, str) and not value.strip()):
                raise ValidationError(
                    self.env._(
                        "%(field)s of a Shopify shop cannot be empty.",
                        field=field.get_description(self.env)["string"],
                    )
                )

    # ------------------------------------------------------------------
    # Secrets: a query of their own, never logged
    # ------------------------------------------------------------------
    @api.model
    def _pop_secrets(self, vals):
        """Take the secrets out of ``vals`` (checking the user may write them):
        the INSERT or UPDATE of the other fields never carries them."""
        secrets = {name: vals.pop(name) for name in SECRET_FIELDS if name in vals}
        for name in secrets:
            self._check_field_access(self._fields[name], "write")
        return secrets

    def _write_secrets(self, secrets):
        """Store ``secrets`` (field name -> value) on these shops.

        Odoo's SQL layer logs a failing query with its values at ERROR level;
        this query is sent with ``log_exceptions=False`` and, should it fail
        (a concurrent update), only the error's code is logged. It sets no
        required column and no key, so no error can quote a row.
        """
        if not secrets or not self:
            return
        self.check_access("write")
        for name in secrets:
            self._check_field_access(self._fields[name], "write")
        self.flush_recordset()
        values = {
            name: self._fields[name].convert_to_cache(value, self) or None
            for name, value in secrets.items()
        }
        query = SQL(
            "UPDATE %s SET %s, write_uid = %s, write_date = %s WHERE id IN %s",
            SQL.identifier(self._table),
            SQL(", ").join(
                SQL("%s = %s", SQL.identifier(name), value) for name, value in values.items()
            ),
            self.env.uid,
            self.env.cr.now(),
            tuple(self.ids),
        )
        try:
            self.env.cr.execute(query, log_exceptions=False)
        except psycopg2.Error as exc:
            _logger.error(
                "Storing the credentials of Shopify shops %s failed (error code %s)",
                self.ids,
                exc.pgcode,
            )
            raise
        self.invalidate_recordset([*values, "write_uid", "write_date"])

    # ------------------------------------------------------------------
    # Archive, never delete
    # ------------------------------------------------------------------
    @api.ondelete(at_uninstall=False)
    def _unlink_except_imported_orders(self):
        order = (
            self.env["sale.order"].sudo().search([("shopify_shop_id", "in", self.ids)], limit=1)
        )
        if order:
            raise UserError(
                self.env._(
                    "The shop '%(shop)s' has imported orders and cannot be deleted: the orders "
                    "would lose their shop. Archive the shop instead: an archived shop runs no "
                    "jobs and keeps its orders, runs and settings.",
                    shop=order.shopify_shop_id.name,
                )
            )

    def _end_queued_runs(self):
        """Archiving a shop ends its runs that wait in the background queue (its
        schedules stop by themselves: the scheduler skips archived shops)."""
        runs = (
            self.env["shopify.run"]
            .sudo()
            .search([("shop_id", "in", self.ids), ("state", "=", "queued")])
        )
        for run in runs:
            run._log(
                self.env._("The shop was archived before this run started: it did not run."),
                level="warning",
            )
            run._finish("failed")

    # ------------------------------------------------------------------
    # Identity of the shop's orders
    # ------------------------------------------------------------------
    def _shopify_shop_key(self):
        """The key new orders of this shop are stored with (``sale.order.shopify_shop_key``)."""
        self.ensure_one()
        return self.sudo().shopify_shop_gid or self.domain

    def _shopify_shop_keys(self):
        """Every key the orders of this Shopify shop may carry."""
        self.ensure_one()
        return [key for key in (self.sudo().shopify_shop_gid, self.domain) if key]

    def _set_shopify_identity(self, gid):
        """Store Shopify's ID of the shop; its orders keyed by the domain (imported
        before the ID was known, or by a database before this key) take the ID."""
        self.ensure_one()
        if not gid or gid == self.sudo().shopify_shop_gid:
            return
        self.sudo().shopify_shop_gid = gid
        SaleOrder = self.env["sale.order"]
        SaleOrder.flush_model(["shopify_shop_key", "shopify_order_gid"])
        self.env.cr.execute(
            SQL(
                """
                UPDATE sale_order so
                   SET shopify_shop_key = %(gid)s
                 WHERE so.shopify_shop_key = %(domain)s
                   AND NOT EXISTS (
                       SELECT 1 FROM sale_order other
                        WHERE other.shopify_shop_key = %(gid)s
                          AND other.shopify_order_gid = so.shopify_order_gid)
                """,
                gid=gid,
                domain=self.domain,
            )
        )
        SaleOrder.invalidate_model(["shopify_shop_key"])
