"""Order import settings and actions of a Shopify shop (the fetch itself:
shopify_shop_order_fetch.py)."""

import logging
from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..shopify_api import errors as api_errors

_logger = logging.getLogger(__name__)

# Seconds read again before the high-water mark, for orders updated while the
# previous run read its last page.
ORDER_FETCH_OVERLAP = 120
# Orders prepared together: one database lookup per page for mappings,
# products, partners and tags.
ORDER_IMPORT_PAGE = 50

FINANCIAL_STATUSES = (
    "authorized",
    "expired",
    "paid",
    "partially_paid",
    "partially_refunded",
    "pending",
    "refunded",
    "voided",
)
FULFILLMENT_STATUSES = (
    "fulfilled",
    "in_progress",
    "on_hold",
    "partial",
    "request_declined",
    "restocked",
    "scheduled",
    "unfulfilled",
    "unshipped",
)


# Statuses an imported order takes when it is refunded or cancelled in Shopify.
LIFECYCLE_FINANCIAL_STATUSES = ("partially_refunded", "refunded", "voided")


def split_list(value):
    """Comma-separated setting -> list of stripped, non-empty items."""
    return [item.strip() for item in (value or "").split(",") if item.strip()]


class ShopifyShop(models.Model):
    # one file per feature of the shop (orders, stock, catalogue), as the design asks
    _inherit = "shopify.shop"  # pylint: disable=consider-merging-classes-inherited

    # -- what is fetched ------------------------------------------------
    order_financial_statuses = fields.Char(
        "Payment statuses to import",
        default="paid, partially_refunded",
        help="Only orders with one of these Shopify payment statuses are imported "
        "(comma-separated): " + ", ".join(FINANCIAL_STATUSES) + ". Default: paid, "
        "partially_refunded (every order the customer paid for, refunded in part or not). "
        "Leave empty to import orders whatever their payment status.",
    )
    order_fulfillment_statuses = fields.Char(
        "Fulfilment statuses to import",
        help="Only orders with one of these Shopify fulfilment statuses are imported "
        "(comma-separated): " + ", ".join(FULFILLMENT_STATUSES) + ". "
        "Leave empty to import orders whatever their fulfilment status.",
    )
    order_tags_required = fields.Char(
        "Import only orders tagged",
        help="Comma-separated Shopify order tags. When set, only orders with at least "
        "one of these tags are imported.",
    )
    order_tags_excluded = fields.Char(
        "Never import orders tagged",
        help="Comma-separated Shopify order tags. Orders with any of these tags are not imported.",
    )
    order_only_shipping = fields.Boolean(
        "Only lines that need shipping",
        default=True,
        help="Leave out order lines that need no shipping, such as gift cards and "
        "digital products: the sale order then holds only what the warehouse ships. "
        "The order's total in Odoo is then lower than in Shopify by these lines.",
    )
    order_include_test = fields.Boolean(
        "Import test orders",
        help="Also import orders placed with Shopify's test payment gateway.",
    )
    order_fetched_until = fields.Datetime(
        "Orders fetched up to",
        copy=False,
        help="The next fetch reads the orders changed in Shopify since this moment "
        "(with a two-minute overlap). It moves forward after each fetch, but never past "
        "an order that failed, so that such an order is tried again. Leave empty to "
        "read every order Shopify gives access to (the last 60 days without the "
        "read_all_orders permission).",
    )
    order_refetch_days = fields.Integer(
        "Daily re-fetch: days",
        default=3,
        help="Once a day the orders changed in this many past days are read again, to "
        "catch any order a regular fetch missed. 0 disables the daily re-fetch.",
    )
    # -- what is created ------------------------------------------------
    order_name_prefix = fields.Char(
        "Order number prefix",
        help="Put before Shopify's order number to form the sale order's reference, "
        "e.g. 'SHOP-' gives 'SHOP-#1001'.",
    )
    order_name_suffix = fields.Char(
        "Order number suffix",
        help="Put after Shopify's order number to form the sale order's reference.",
    )
    order_team_id = fields.Many2one(
        "crm.team",
        "Sales team",
        check_company=True,
        help="Sales team of the imported orders. Empty: Odoo's default team.",
    )
    order_warehouse_id = fields.Many2one(
        "stock.warehouse",
        "Warehouse",
        check_company=True,
        help="Warehouse that delivers the imported orders and reserves their stock. "
        "Empty: the company's first warehouse.",
    )
    order_pricelist_id = fields.Many2one(
        "product.pricelist",
        "Order pricelist",
        check_company=True,
        help="Pricelist of the imported orders; its currency must be the shop's currency. "
        "Empty: the first pricelist in the order's currency (none is needed when the "
        "shop sells in the company's currency). Prices always come from Shopify.",
    )
    order_fallback_partner_id = fields.Many2one(
        "res.partner",
        "Fallback customer",
        help="Customer of orders that have no customer in Shopify (guest checkouts, "
        "orders created without customer). The order's billing and shipping addresses "
        "become contacts of this customer. Empty: a customer is found or created from "
        "the order's e-mail and address.",
    )
    order_shipping_product_id = fields.Many2one(
        "product.product",
        "Shipping product",
        help="Service product of the shipping lines. Created ('Shipping') at the first "
        "import when empty.",
    )
    order_tip_product_id = fields.Many2one(
        "product.product",
        "Tip product",
        help="Service product of tips and other charges. Created ('Tip') when empty.",
    )
    order_adjustment_product_id = fields.Many2one(
        "product.product",
        "Rounding adjustment product",
        help="Service product of the line that makes an order's total equal Shopify's "
        "where Odoo rounds taxes or discounts differently. Created when empty.",
    )
    order_adjustment_units_per_line = fields.Integer(
        "Rounding allowed per line",
        default=1,
        help="The largest difference between an order's total in Odoo and in Shopify "
        "that a rounding adjustment line may make up: this many of the currency's "
        "smallest units (cents for euros) per order line, plus one. Default 1: an "
        "order of 3 lines may differ by 4 cents. A larger difference is not rounding: "
        "the order gets no adjustment line, stays a quotation and is flagged for a "
        "person, with both totals.",
    )
    order_delivery_tag_pattern = fields.Char(
        "Delivery date tag",
        default="Lieferung: YYYY-MM-DD",
        help="An order tag of this form sets the sale order's delivery date, e.g. "
        "'Lieferung: 2026-12-01'. YYYY, MM and DD stand for year, month and day. "
        "Empty: tags never set the delivery date.",
    )
    order_confirm_statuses = fields.Char(
        "Confirm orders with payment status",
        default="paid, partially_refunded",
        help="Imported orders with one of these payment statuses (comma-separated) are "
        "confirmed at once, which reserves their stock. Other orders stay quotations "
        "and are confirmed when a later fetch finds them in such a status. Empty: "
        "never confirm automatically.",
    )
    # -- after the import --------------------------------------------------
    order_return_validate = fields.Boolean(
        "Validate returns at once",
        help="Refunds restocked in Shopify create a return of the refunded units into the "
        "order's warehouse. When set, the return is validated at once; otherwise it waits "
        "for the warehouse to receive the goods.",
    )
    order_refund_credit_note = fields.Boolean(
        "Credit note for refunds",
        default=True,
        help="A refund in Shopify of an order that is invoiced in Odoo creates a draft "
        "credit note of the refunded lines.",
    )
    order_fulfillment_validate = fields.Boolean(
        "Validate deliveries shipped in Shopify",
        help="When an imported order is fulfilled in Shopify (by hand or by another app), "
        "its open delivery in Odoo is validated for the shipped quantities. Otherwise the "
        "order is flagged for a person.",
    )
    fulfillment_notify_customer = fields.Boolean(
        "Shipping confirmation from Shopify",
        default=True,
        help="When a delivery validated in Odoo is fulfilled in Shopify, Shopify sends the "
        "customer its shipping confirmation with the tracking number.",
    )
    # -- what the shop shows ----------------------------------------------
    order_last_fetch_at = fields.Datetime("Last order fetch", compute="_compute_order_stats")
    shopify_order_count = fields.Integer("Orders from the shop", compute="_compute_order_stats")
    company_currency_id = fields.Many2one(related="company_id.currency_id")
    shopify_revenue = fields.Monetary(
        "Revenue from the shop",
        compute="_compute_order_stats",
        currency_field="company_currency_id",
        help="Untaxed amount of the confirmed sale orders imported from this shop, in "
        "the company's currency.",
    )

    @api.constrains("order_financial_statuses", "order_confirm_statuses")
    def _check_order_financial_statuses(self):
        self._check_status_list(
            ("order_financial_statuses", "order_confirm_statuses"), FINANCIAL_STATUSES
        )

    @api.constrains("order_fulfillment_statuses")
    def _check_order_fulfillment_statuses(self):
        self._check_status_list(("order_fulfillment_statuses",), FULFILLMENT_STATUSES)

    def _check_status_list(self, field_names, allowed):
        for shop in self:
            for name in field_names:
                unknown = [s for s in split_list(shop[name]) if s.lower() not in allowed]
                if unknown:
                    raise ValidationError(
                        self.env._(
                            "%(field)s: '%(values)s' is not a Shopify status. Possible "
                            "values: %(allowed)s.",
                            field=self._fields[name].get_description(self.env)["string"],
                            values=", ".join(unknown),
                            allowed=", ".join(allowed),
                        )
                    )

    @api.constrains("order_delivery_tag_pattern")
    def _check_order_delivery_tag_pattern(self):
        for shop in self:
            pattern = shop.order_delivery_tag_pattern
            if pattern and not all(pattern.count(p) == 1 for p in ("YYYY", "MM", "DD")):
                raise ValidationError(
                    self.env._(
                        "The delivery date tag needs YYYY, MM and DD once each, "
                        "e.g. 'Lieferung: YYYY-MM-DD'."
                    )
                )

    @api.constrains("order_refetch_days")
    def _check_order_refetch_days(self):
        for shop in self:
            if not 0 <= shop.order_refetch_days <= 60:
                raise ValidationError(
                    self.env._("The daily re-fetch reads between 0 and 60 days.")
                )

    @api.constrains("order_adjustment_units_per_line")
    def _check_order_adjustment_units_per_line(self):
        for shop in self:
            if not 0 <= shop.order_adjustment_units_per_line <= 100:
                raise ValidationError(
                    self.env._(
                        "The rounding allowed per line is between 0 and 100 of the "
                        "currency's smallest units."
                    )
                )

    def _compute_order_stats(self):
        runs = dict(
            self.env["shopify.run"]._read_group(
                [("shop_id", "in", self.ids), ("job", "in", ("orders", "refetch"))],
                ["shop_id"],
                ["started_at:max"],
            )
        )
        counts = dict(
            self.env["sale.order"]._read_group(
                [("shopify_shop_id", "in", self.ids)], ["shopify_shop_id"], ["__count"]
            )
        )
        revenue = {}
        groups = self.env["sale.order"]._read_group(
            [("shopify_shop_id", "in", self.ids), ("state", "=", "sale")],
            ["shopify_shop_id", "currency_id"],
            ["amount_untaxed:sum"],
        )
        today = fields.Date.context_today(self)
        for shop, currency, amount in groups:
            revenue[shop] = revenue.get(shop, 0.0) + currency._convert(
                amount, shop.company_id.currency_id, shop.company_id, today
            )
        for shop in self:
            shop.order_last_fetch_at = runs.get(shop)
            shop.shopify_order_count = counts.get(shop, 0)
            shop.shopify_revenue = revenue.get(shop, 0.0)

    # ------------------------------------------------------------------
    # Actions and crons
    # ------------------------------------------------------------------
    def action_fetch_orders(self):
        self.ensure_one()
        run = self._run_job("orders")
        return self._run_result(run)

    def action_view_sale_orders(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("sale.action_orders")
        action["domain"] = [("shopify_shop_id", "=", self.id)]
        action["context"] = {"default_shopify_shop_id": self.id, "create": False}
        return action

    @api.model
    def _cron_fetch_orders(self):
        """Fetch the new and changed orders of every active shop."""
        self._cron_order_job("orders", "_fetch_orders")

    @api.model
    def _cron_refetch_orders(self):
        """Read again the orders of the last N days (shop setting) of every shop."""
        self._cron_order_job("refetch", "_refetch_orders", [("order_refetch_days", ">", 0)])

    @api.model
    def _cron_order_job(self, job, method_name, domain=()):
        # Every active shop, also one whose last connection test failed: its run
        # then fails with the reason, visible in the run log.
        shops = self.search(list(domain))
        for index, shop in enumerate(shops):
            try:
                shop._run_job(job, trigger="cron")
            except UserError as exc:
                # Another worker runs this job for this shop: it does the work.
                _logger.info("Shopify shop %s: %s", shop.name, exc)
            # Each shop's run is complete (its own savepoint ended): keep it even
            # if a later shop's run crashes the worker.
            self.env["ir.cron"]._commit_progress(1, remaining=len(shops) - index - 1)

    # ------------------------------------------------------------------
    # Fetching
    # ------------------------------------------------------------------
    # ------------------------------------------------------------------
    # Fulfilments: Odoo -> Shopify
    # ------------------------------------------------------------------
    def action_push_fulfillments(self):
        self.ensure_one()
        run = self._run_job("fulfillment")
        return self._run_result(run)

    def _push_fulfillments(self, run, client):
        """Job "fulfillment": fulfil in Shopify the deliveries validated in Odoo."""
        self.ensure_one()
        counts = self._push_pending_fulfillments(run, client)
        run.write(
            {
                "count_updated": counts["updated"],
                "count_unchanged": counts["unchanged"],
                "count_failed": counts["failed"],
                "summary": self.env._(
                    "%(updated)s deliveries fulfilled in Shopify, %(unchanged)s known there "
                    "already, %(failed)s refused or failed.",
                    **counts,
                ),
            }
        )

    def _push_pending_fulfillments(self, run, client):
        """Push the deliveries "to fulfil" (and those refused before); one
        savepoint per order, so that one order's failure keeps the others'."""
        self.ensure_one()
        counts = dict.fromkeys(("updated", "unchanged", "failed"), 0)
        pickings = self.env["stock.picking"].search(
            [
                ("shopify_fulfillment_state", "in", ("to_push", "error")),
                ("sale_id.shopify_shop_id", "=", self.id),
                ("state", "=", "done"),
            ],
            order="date_done, id",
        )
        sales = pickings.sale_id
        for index, sale in enumerate(sales):
            mine = pickings.filtered(lambda p, sale=sale: p.sale_id == sale)
            try:
                with self.env.cr.savepoint():
                    for outcome in sale._shopify_push_fulfillments(mine, run, client):
                        counts[outcome] += 1
            except (api_errors.ShopifyError, UserError, ValidationError) as exc:
                counts["failed"] += len(mine)
                if isinstance(exc, api_errors.ShopifyError):
                    reason = self._shopify_error_message(exc)
                else:
                    reason = str(exc.args[0]) if exc.args else str(exc)
                run._log(
                    self.env._(
                        "Order %(order)s: its deliveries could not be fulfilled in Shopify "
                        "(%(reason)s). They are tried again at the next run.",
                        order=sale.shopify_order_name,
                        reason=reason,
                    ),
                    reference=sale.shopify_order_name,
                    record=sale,
                )
            if run.job == "fulfillment":  # an order fetch reports its own progress
                run._progress(index + 1, len(sales))
        return counts

    # ------------------------------------------------------------------
    # Helpers of the import
    # ------------------------------------------------------------------
    def _ensure_order_service_products(self):
        """Create the shop's shipping, tip and adjustment products where missing."""
        self.ensure_one()
        names = {
            "order_shipping_product_id": self.env._("Shipping"),
            "order_tip_product_id": self.env._("Tip"),
            "order_adjustment_product_id": self.env._("Rounding adjustment"),
        }
        missing = [field for field in names if not self[field]]
        if not missing:
            return
        # The import's own bookkeeping: whoever runs the first fetch (a
        # Shopify / Administrator needs no product rights for it).
        products = (
            self.env["product.product"]
            .sudo()
            .create(
                [
                    {
                        "name": names[field],
                        "type": "service",
                        "sale_ok": True,
                        "purchase_ok": False,
                        "list_price": 0.0,
                        "taxes_id": False,
                        "invoice_policy": "order",
                        "company_id": self.company_id.id,
                    }
                    for field in missing
                ]
            )
        )
        self.sudo().write(dict(zip(missing, products.ids, strict=True)))

    def _shopify_sale_taxes(self):
        """{(rate, price included): account.tax} of the shop's company's sales taxes.

        Rates are percentages as Decimal with 4 decimals (19.0 -> 19.0000), as
        the order normaliser gives them.  Where several taxes share a key, the
        first by sequence wins.
        """
        self.ensure_one()
        taxes = self.env["account.tax"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("type_tax_use", "=", "sale"),
                ("amount_type", "=", "percent"),
            ],
            order="sequence, id",
        )
        result = {}
        for tax in taxes:
            rate = Decimal(str(round(tax.amount, 4))).quantize(Decimal("0.0001"))
            result.setdefault((rate, tax.price_include), tax)
        return result

    def _order_reference(self, shopify_name):
        self.ensure_one()
        return f"{self.order_name_prefix or ''}{shopify_name}{self.order_name_suffix or ''}"

    def _order_warehouse(self):
        self.ensure_one()
        return self.order_warehouse_id or self.env["stock.warehouse"].search(
            [("company_id", "=", self.company_id.id)], limit=1
        )
