import logging

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import html_escape

from ..shopify_api import errors as api_errors
from ..shopify_api.auth import (
    ClientCredentialsTokenProvider,
    default_base_url,
    normalize_domain,
)
from ..shopify_api.client import ShopifyClient
from ..shopify_api.matching import variant_from_node
from ..shopify_api.shop_documents import (
    LOCATIONS,
    PRODUCT_VARIANTS,
    SHOP_INFO,
    missing_scopes,
)
from .shopify_access_token import ShopifyTokenStore

_logger = logging.getLogger(__name__)

DEFAULT_API_VERSION = "2026-10"


class ShopifyShop(models.Model):
    """A connected Shopify shop: the connection, its settings and its actions."""

    _name = "shopify.shop"
    _description = "Shopify shop"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "sequence, name"

    name = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    domain = fields.Char(
        "Shop domain",
        required=True,
        tracking=True,
        help="The shop's myshopify.com address, e.g. 'myshop.myshopify.com'. "
        "You may paste the shop's admin URL or just the shop name.",
    )
    base_url = fields.Char(
        "API base URL",
        compute="_compute_base_url",
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
        help="Where the connector sends its requests. Defaults to https://<shop domain>; "
        "change it only to point a test shop at a local Shopify simulator.",
    )
    api_version = fields.Char(
        "API version",
        required=True,
        default=DEFAULT_API_VERSION,
        help="Shopify Admin API version the connector speaks (quarterly releases).",
    )
    auth_method = fields.Selection(
        [
            ("token", "Admin API access token"),
            ("client_credentials", "Client ID and secret (Dev Dashboard app)"),
        ],
        string="Authentication",
        required=True,
        tracking=True,
        default="client_credentials",
        help="Apps created in the Shopify admin before 2026 have an Admin API access token "
        "(shpat_...). Apps made in Shopify's Dev Dashboard have a client ID and a client "
        "secret; the connector then obtains and renews its access token itself.",
    )
    access_token = fields.Char(
        "Admin API access token", groups="base.group_system", copy=False, tracking=False
    )
    client_id = fields.Char("Client ID", copy=False, tracking=True)
    client_secret = fields.Char("Client secret", groups="base.group_system", copy=False)

    # What "Test connection" found.
    state = fields.Selection(
        [("draft", "Not tested"), ("connected", "Connected"), ("error", "Connection failed")],
        string="Connection",
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
    )
    connection_message = fields.Text(readonly=True, copy=False)
    connection_checked_at = fields.Datetime("Last checked", readonly=True, copy=False)
    shopify_shop_name = fields.Char("Shop name in Shopify", readonly=True, copy=False)
    shopify_plan = fields.Char("Plan", readonly=True, copy=False)
    shopify_currency = fields.Char("Shop currency", readonly=True, copy=False)
    shopify_timezone = fields.Char("Shop time zone", readonly=True, copy=False)
    shopify_taxes_included = fields.Boolean("Prices include tax", readonly=True, copy=False)
    granted_scopes = fields.Char(readonly=True, copy=False)
    missing_scopes = fields.Char(readonly=True, copy=False)
    location_ids = fields.One2many("shopify.location", "shop_id", string="Locations")

    variant_ids = fields.One2many("shopify.variant", "shop_id", string="Variants")
    variant_count = fields.Integer(compute="_compute_counts")
    run_ids = fields.One2many("shopify.run", "shop_id", string="Runs")
    run_count = fields.Integer(compute="_compute_counts")
    # every schedule, on or off: switched off (archived) ones stay listed on the form
    schedule_ids = fields.One2many(
        "shopify.schedule", "shop_id", string="Schedules", context={"active_test": False}
    )
    run_retention_days = fields.Integer(
        "Keep runs (days)",
        default=30,
        help="Finished runs older than this are deleted every night. 0 keeps them forever.",
    )
    last_price_push_at = fields.Datetime("Last price push", compute="_compute_overview")
    last_failure_at = fields.Datetime("Last failure", compute="_compute_overview")
    last_failure_message = fields.Text(compute="_compute_overview")

    # Checked before with a message naming the shop (_check_domain_free); this
    # is the last line against two workers creating the same shop at once.
    _domain_unique = models.Constraint("UNIQUE(domain)", "This Shopify shop is connected already.")

    # ------------------------------------------------------------------
    # Domain
    # ------------------------------------------------------------------
    @api.depends("domain")
    def _compute_base_url(self):
        for shop in self:
            if shop.domain and not shop.base_url:
                shop.base_url = default_base_url(shop.domain)

    @api.model
    def _normalize_domain(self, value):
        try:
            return normalize_domain(value)
        except api_errors.InvalidDomainError as exc:
            raise ValidationError(
                self.env._(
                    "'%(value)s' is not a Shopify shop address. Enter the shop's "
                    "myshopify.com domain, for example 'myshop.myshopify.com' "
                    "(you find it in the Shopify admin under Settings > Domains).",
                    value=value or "",
                )
            ) from exc

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if "domain" in vals:
                vals["domain"] = self._normalize_domain(vals["domain"])
            self._check_credential_target(vals, creating=True)
        self._check_domain_free([vals.get("domain") for vals in vals_list])
        secrets = [self._pop_secrets(vals) for vals in vals_list]
        shops = super().create(vals_list)
        for shop, values in zip(shops, secrets, strict=True):
            shop._write_secrets(values)
        shops._create_default_schedules()
        return shops

    def write(self, vals):
        self._check_credential_target(vals)
        self._check_not_emptied(vals)
        moved = self.browse()
        if "domain" in vals:
            vals["domain"] = self._normalize_domain(vals["domain"])
            if "base_url" not in vals:
                vals["base_url"] = default_base_url(vals["domain"])
            self._check_domain_free([vals["domain"]] * len(self), exclude=self)
            moved = self.filtered(lambda shop: shop.domain != vals["domain"])
        if {"domain", "base_url", "auth_method", "client_id", "client_secret"} & set(vals):
            # Another shop or app: a cached token belongs to the former one.
            self.env["shopify.access.token"].sudo().search([("shop_id", "in", self.ids)]).unlink()
        if vals.get("active") is False:
            self._end_queued_runs()
        secrets = self._pop_secrets(vals)
        if vals:
            super().write(vals)
        # another shop now: its Shopify ID is read again by Test connection
        moved.filtered("shopify_shop_gid").sudo().shopify_shop_gid = False
        self._write_secrets(secrets)
        return True

    @api.depends("variant_ids", "run_ids")
    def _compute_counts(self):
        variants = dict(  # the smart button counts the variants linked to a product
            self.env["shopify.variant"]._read_group(
                [("shop_id", "in", self.ids), ("product_id", "!=", False)],
                ["shop_id"],
                ["__count"],
            )
        )
        runs = dict(
            self.env["shopify.run"]._read_group(
                [("shop_id", "in", self.ids)], ["shop_id"], ["__count"]
            )
        )
        for shop in self:
            shop.variant_count = variants.get(shop, 0)
            shop.run_count = runs.get(shop, 0)

    def _compute_overview(self):
        Run = self.env["shopify.run"]
        ended = Run._read_group(
            [("shop_id", "in", self.ids), ("state", "in", ("done", "partial"))],
            ["shop_id", "job"],
            ["ended_at:max"],
        )
        last = {(shop.id, job): when for shop, job, when in ended}

        def latest(shop, jobs):
            times = [last[shop.id, job] for job in jobs if last.get((shop.id, job))]
            return max(times) if times else False

        for shop in self:
            shop.last_price_push_at = latest(shop, ("prices", "prices_all"))
            failure = Run.search(
                [("shop_id", "=", shop.id), ("state", "in", ("failed", "partial"))], limit=1
            )
            shop.last_failure_at = failure.started_at
            shop.last_failure_message = (
                failure.message_ids[:1].message or failure.summary if failure else False
            )

    def action_open_runs(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "shopify_connector.shopify_run_action"
        )
        action["domain"] = [("shop_id", "=", self.id)]
        action["context"] = {"default_shop_id": self.id}
        return action

    def action_open_variants(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "shopify_connector.shopify_variant_action"
        )
        action["domain"] = [("shop_id", "=", self.id)]
        action["context"] = {"default_shop_id": self.id, "search_default_attention": 1}
        return action

    def _warn_administrators(self, run):
        """A scheduled job failed for a reason only a person can fix: say so on
        the shop (its followers are notified) and give the Shopify
        administrators a to-do."""
        self.ensure_one()
        message = run.message_ids[:1].message or run.summary or ""
        body = self.env._(
            "Scheduled runs of this shop fail and are slowed down until it is fixed: %(msg)s",
            msg=message,
        )
        self.message_post(body=body, subtype_xmlid="mail.mt_comment")
        managers = self.env.ref("shopify_connector.shopify_connector_group_manager").user_ids
        managers = managers.filtered(lambda u: not u.share and self.company_id in u.company_ids)
        for user in managers[:5]:
            self.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Shopify connection needs attention"),
                note=html_escape(body),  # plain text: it may quote Shopify
                user_id=user.id,
            )

    # ------------------------------------------------------------------
    # Client
    # ------------------------------------------------------------------
    def _shopify_client(self):
        """The Shopify client of this shop (the one HTTP seam)."""
        self.ensure_one()
        shop = self.sudo()  # secrets are readable by system administrators only
        kwargs = {
            "domain": shop.domain,
            "base_url": shop.base_url or default_base_url(shop.domain),
            "api_version": shop.api_version or DEFAULT_API_VERSION,
            **self._shopify_client_options(),
        }
        if shop.auth_method == "token":
            if not shop.access_token:
                raise UserError(
                    self.env._(
                        "The shop '%(shop)s' has no Admin API access token. Enter it on "
                        "the shop's form.",
                        shop=shop.name,
                    )
                )
            return ShopifyClient(access_token=shop.access_token, **kwargs)
        if not shop.client_id or not shop.client_secret:
            raise UserError(
                self.env._(
                    "The shop '%(shop)s' needs the client ID and the client secret of "
                    "its Shopify app. Enter both on the shop's form.",
                    shop=shop.name,
                )
            )
        provider = ClientCredentialsTokenProvider(
            shop.domain,
            shop.client_id,
            shop.client_secret,
            base_url=kwargs["base_url"],
            store=ShopifyTokenStore(self.env, shop.id),
        )
        return ShopifyClient(token_provider=provider, **kwargs)

    def _shopify_client_options(self):
        """Extra keyword arguments for the client (tests inject a fake sleep)."""
        return {}

    def _shopify_error_message(self, exc):
        """A merchant-facing, translated message for a client error."""
        self.ensure_one()
        if isinstance(exc, api_errors.AuthenticationError):
            if self.sudo().auth_method == "token":
                return self.env._(
                    "Shopify refused the access token of '%(shop)s'. It is wrong, or the "
                    "app was uninstalled or its token revoked. Enter a valid Admin API "
                    "access token.",
                    shop=self.name,
                )
            return self.env._(
                "Shopify refused the client ID or secret of '%(shop)s'. Check both in the "
                "Dev Dashboard, and that the app is installed on this shop.",
                shop=self.name,
            )
        if isinstance(exc, api_errors.AccessDeniedError):
            return self.env._(
                "The Shopify app of '%(shop)s' lacks a permission (scope) it needs%(scope)s. "
                "Grant it in the app's configuration and reinstall the app.",
                shop=self.name,
                scope=f": {exc.scope}" if exc.scope else "",
            )
        if isinstance(exc, api_errors.ShopNotFoundError):
            return self.env._(
                "No Shopify shop answers at %(domain)s. Check the shop domain.",
                domain=self.domain,
            )
        if isinstance(exc, api_errors.ShopUnavailableError):
            return self.env._(
                "The shop %(domain)s is not available (frozen, unpaid or locked in Shopify).",
                domain=self.domain,
            )
        if isinstance(exc, api_errors.ThrottledError):
            return self.env._(
                "Shopify's rate limit stayed exhausted for '%(shop)s' although the "
                "connector waited. The next run continues.",
                shop=self.name,
            )
        if isinstance(exc, api_errors.ServerError):
            return self.env._(
                "Shopify had an internal error and did not recover after several tries "
                "(%(detail)s). The next run continues.",
                detail=exc.message,
            )
        if isinstance(exc, api_errors.NetworkError):
            return self.env._(
                "Shopify could not be reached for '%(shop)s' (network failure: %(detail)s). "
                "Check the internet connection of the Odoo server; the next run continues.",
                shop=self.name,
                detail=exc.message,
            )
        if isinstance(exc, api_errors.UserErrorsError):
            return self.env._("Shopify refused the change: %(detail)s", detail=exc.message)
        return self.env._("Shopify answered with an error: %(detail)s", detail=exc.message)

    # ------------------------------------------------------------------
    # Test connection
    # ------------------------------------------------------------------
    def action_test_connection(self):
        self.ensure_one()
        self._check_job_rights("connection")
        run = (
            self.env["shopify.run"]
            .sudo()
            .create({"shop_id": self.id, "job": "connection", "user_id": self.env.uid})
        )
        client = None
        try:
            client = self._shopify_client()
            data = client.execute(SHOP_INFO)
            locations = list(client.paginate(LOCATIONS, {}, ("locations",)))
        except api_errors.ShopifyError as exc:
            message = self._shopify_error_message(exc)
            self.write(
                {
                    "state": "error",
                    "connection_message": message,
                    "connection_checked_at": fields.Datetime.now(),
                }
            )
            run._log(message)
            run.failure_code = exc.code
            run._finish("failed", api_calls=client.stats["calls"] if client else 0)
            return self._notify(message, "danger", sticky=True)

        shop = data.get("shop") or {}
        scopes = sorted(
            s["handle"]
            for s in ((data.get("currentAppInstallation") or {}).get("accessScopes") or [])
        )
        missing = missing_scopes(scopes)
        self._sync_locations(locations)
        self._set_shopify_identity(shop.get("id"))
        plan = shop.get("plan") or {}
        values = {
            "state": "connected",
            "connection_checked_at": fields.Datetime.now(),
            "shopify_shop_name": shop.get("name"),
            "shopify_plan": plan.get("publicDisplayName") or plan.get("displayName"),
            "shopify_currency": shop.get("currencyCode"),
            "shopify_timezone": shop.get("ianaTimezone"),
            "shopify_taxes_included": bool(shop.get("taxesIncluded")),
            "granted_scopes": ", ".join(scopes),
            "missing_scopes": ", ".join(missing),
        }
        summary = self.env._(
            "Connected to %(name)s (plan %(plan)s, currency %(currency)s). "
            "Locations: %(locations)s. Granted scopes: %(scopes)s.",
            name=values["shopify_shop_name"] or self.domain,
            plan=values["shopify_plan"] or "-",
            currency=values["shopify_currency"] or "-",
            locations=", ".join(loc["name"] for loc in locations) or "-",
            scopes=values["granted_scopes"] or "-",
        )
        if missing:
            summary += " " + self.env._(
                "Missing scopes the connector needs: %(missing)s. Add them to the app and "
                "reinstall it.",
                missing=", ".join(missing),
            )
        checks = self._shopify_check_order_money(values["shopify_taxes_included"])
        summary = " ".join([summary, *checks])
        values["connection_message"] = summary
        self.write(values)
        run._finish("done", summary=summary, api_calls=client.stats["calls"])
        return self._notify(summary, "warning" if missing else "success", sticky=bool(missing))

    def _sync_locations(self, locations):
        existing = {
            loc.shopify_gid: loc for loc in self.with_context(active_test=False).location_ids
        }
        seen = set()
        for node in locations:
            seen.add(node["id"])
            values = {
                "name": node.get("name") or node["id"],
                "active": node.get("isActive", True),
                "fulfills_online_orders": bool(node.get("fulfillsOnlineOrders")),
            }
            if node["id"] in existing:
                existing[node["id"]].write(values)
            else:
                self.env["shopify.location"].create(
                    dict(values, shop_id=self.id, shopify_gid=node["id"])
                )
        for gid, location in existing.items():
            if gid not in seen:
                location.active = False

    def _notify(self, message, kind="info", sticky=False):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Shopify: %(shop)s", shop=self.name)
                if len(self) == 1
                else self.env._("Shopify"),
                "message": message,
                "type": kind,
                "sticky": sticky,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    # ------------------------------------------------------------------
    # Match products
    # ------------------------------------------------------------------
    def action_match_products(self):
        self.ensure_one()
        run = self._run_job("match")
        return self._run_result(run)

    def _match_products(self, run, client):
        variants = [
            variant_from_node(node)
            for node in client.paginate(PRODUCT_VARIANTS, {}, ("productVariants",))
        ]
        self.env["shopify.variant"]._apply_match(self, variants, run)
