import logging
from datetime import datetime, time
from decimal import ROUND_HALF_UP, Decimal

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..shopify_api.orders import (
    OrderPayloadError,
    delivery_date_from_tags,
    expected_total,
    lines_to_import,
    normalize_order,
    should_confirm,
    total_difference,
)
from .shopify_shop_orders import split_list

_logger = logging.getLogger(__name__)

_CENT = Decimal("0.01")


class OrderImportError(Exception):
    """One order cannot be imported; the message is meant for the merchant."""


def _naive_utc(moment):
    return moment.replace(tzinfo=None) if moment else None


class SaleOrder(models.Model):
    _inherit = "sale.order"

    shopify_shop_id = fields.Many2one(
        "shopify.shop", "Shopify shop", index="btree_not_null", readonly=True, copy=False
    )
    shopify_order_gid = fields.Char("Shopify order ID", readonly=True, copy=False)
    shopify_order_name = fields.Char("Shopify order number", readonly=True, copy=False)
    shopify_updated_at = fields.Datetime("Changed in Shopify", readonly=True, copy=False)
    shopify_financial_status = fields.Char("Shopify payment status", readonly=True, copy=False)
    shopify_fulfillment_status = fields.Char(
        "Shopify fulfilment status", readonly=True, copy=False
    )
    shopify_total = fields.Monetary(
        "Total in Shopify",
        readonly=True,
        copy=False,
        help="The order's current total in Shopify, in the shop's currency.",
    )
    shopify_presentment_currency = fields.Char(
        "Customer's currency",
        readonly=True,
        copy=False,
        help="The currency the customer paid in, when it is not the shop's currency.",
    )
    shopify_presentment_total = fields.Float(
        "Total in the customer's currency", readonly=True, copy=False, digits=(16, 2)
    )
    shopify_note = fields.Text("Shopify order note", readonly=True, copy=False)

    _shopify_order_unique = models.Constraint(
        "UNIQUE(shopify_shop_id, shopify_order_gid)",
        "This Shopify order has been imported already.",
    )

    def _prepare_confirmation_values(self):
        values = super()._prepare_confirmation_values()
        if self and all(self.mapped("shopify_order_gid")):
            # Shopify's order date stays the order date (Odoo would take "now").
            values.pop("date_order", None)
        return values

    @api.model
    def _shopify_importer(self, shop, run):
        """An importer of orders for ``shop``, logging into ``run``."""
        return ShopifyOrderImporter(self.env, shop, run)


class ShopifyOrderImporter:
    """Turns Shopify order nodes into sale orders, a page at a time.

    What a page needs from the database (existing orders, variant mappings,
    products, partners, tags) is looked up once per page.  Each order is
    imported in its own savepoint; records created for an order that fails
    are rolled back with it and forgotten by the lookups (``_forget``).
    """

    def __init__(self, env, shop, run):
        self.env = env
        self.shop = shop
        self.run = run
        self.company = shop.company_id
        self.taxes = shop._shopify_sale_taxes()
        self.warehouse = shop._order_warehouse()
        self.confirm_statuses = [s.upper() for s in split_list(shop.order_confirm_statuses)]
        self.existing = {}
        # lookups filled by the models' _shopify_prefetch and extended on creation
        self.mappings = {}
        self.products_by_sku = {}
        self.products_by_barcode = {}
        self.products_by_name = {}
        self.partners_by_gid = {}
        self.partners_by_email = {}
        self.partners_by_phone = {}
        self.contacts = {}
        self.contacts_loaded = set()
        self.countries = {}
        self.states = {}
        self.tags = {}
        self.currencies = {}
        self.pricelists = {}
        self._added = []

    # -- lookups that survive only a successful order ----------------------
    def remember(self, cache, key, value):
        if key not in cache:
            cache[key] = value
            self._added.append((cache, key))

    def _forget(self):
        for cache, key in self._added:
            cache.pop(key, None)
        self._added = []

    # -- page ----------------------------------------------------------------
    def import_page(self, nodes):
        """Import ``nodes``; yield (outcome, updated_at) per node, in their order.

        Outcomes: created, updated, unchanged, skipped, failed.
        """
        orders = []
        for node in nodes:
            try:
                orders.append((node, normalize_order(node), None))
            except OrderPayloadError as exc:
                orders.append((node, None, exc))
        self._prefetch([order for __, order, __ in orders if order])
        for node, order, error in orders:
            if error is not None:
                self._log_failure(self._label(node), error)
                yield "failed", None
                continue
            try:
                with self.env.cr.savepoint():
                    outcome = self._import_order(order)
            except Exception as exc:
                self._forget()
                self._log_failure(order["name"], exc)
                yield "failed", _naive_utc(order["updated_at"])
            else:
                self._added = []
                yield outcome, _naive_utc(order["updated_at"])

    @staticmethod
    def _label(node):
        if isinstance(node, dict):
            for key in ("name", "id"):
                if isinstance(node.get(key), str) and node[key]:
                    return node[key]
        return "?"

    def _prefetch(self, orders):
        gids = [o["gid"] for o in orders if o["gid"] not in self.existing]
        if gids:
            for sale in self.env["sale.order"].search(
                [("shopify_shop_id", "=", self.shop.id), ("shopify_order_gid", "in", gids)]
            ):
                self.existing[sale.shopify_order_gid] = sale
        self.env["product.product"]._shopify_prefetch(self, orders)
        self.env["res.partner"]._shopify_prefetch(self, orders)
        names = {tag for o in orders for tag in o["tags"]} - set(self.tags)
        if names:
            for tag in self.env["crm.tag"].search([("name", "in", list(names))]):
                self.tags.setdefault(tag.name, tag)

    def _log_failure(self, name, exc):
        if isinstance(exc, OrderPayloadError):
            detail = exc.message.removeprefix(f"Order {exc.order}: ")
            message = self.env._(
                "Order %(order)s was not imported: Shopify sent data the connector cannot "
                "read safely (%(detail)s). It is tried again at the next fetch; if the "
                "problem stays, check the order in Shopify.",
                order=name,
                detail=detail,
            )
        elif isinstance(exc, OrderImportError):
            message = self.env._(
                "Order %(order)s was not imported: %(reason)s", order=name, reason=str(exc)
            )
        elif isinstance(exc, (UserError, ValidationError)):
            message = self.env._(
                "Order %(order)s was not imported, Odoo refused it: %(reason)s",
                order=name,
                reason=exc.args[0] if exc.args else str(exc),
            )
        else:
            _logger.exception("Shopify order %s of shop %s failed", name, self.shop.name)
            message = self.env._(
                "Order %(order)s was not imported because of an unexpected error "
                "(%(error)s). It is tried again at the next fetch; if it keeps failing, "
                "show this message to your administrator.",
                order=name,
                error=f"{type(exc).__name__}: {exc}",
            )
        self.run._log(message, level="error", reference=name)

    # -- one order -----------------------------------------------------------
    def _import_order(self, order):
        sale = self.existing.get(order["gid"])
        if sale:
            return self._update_order(sale, order)
        if order["cancelled"]:
            self.run._log(
                self.env._(
                    "Order %(order)s was cancelled in Shopify before it was imported: "
                    "no sale order is created.",
                    order=order["name"],
                ),
                level="info",
                reference=order["name"],
            )
            return "skipped"
        lines = [
            line
            for line in lines_to_import(order, self.shop.order_only_shipping)
            if line["quantity"] > 0
        ]
        if not lines:
            self.run._log(
                self.env._(
                    "Order %(order)s has nothing to ship (only gift cards, digital or "
                    "removed items): no sale order is created.",
                    order=order["name"],
                ),
                level="info",
                reference=order["name"],
            )
            return "skipped"
        pricelist, currency = self._pricelist(order)
        partner, invoice, delivery = self.env["res.partner"]._shopify_order_partners(self, order)
        order_lines, created_products = self._order_lines(order, lines)
        values = {
            "name": self.shop._order_reference(order["name"]),
            "client_order_ref": order["name"],
            "origin": self.shop.name,
            "company_id": self.company.id,
            "partner_id": partner.id,
            "partner_invoice_id": invoice.id,
            "partner_shipping_id": delivery.id,
            "date_order": _naive_utc(order["processed_at"] or order["created_at"]),
            "pricelist_id": pricelist.id,
            "fiscal_position_id": False,  # Shopify's taxes are the taxes of the order
            "warehouse_id": self.warehouse.id,
            "tag_ids": [Command.set(self._tags(order["tags"]))],
            "order_line": order_lines,
            "shopify_shop_id": self.shop.id,
            "shopify_order_gid": order["gid"],
            "shopify_order_name": order["name"],
            "shopify_updated_at": _naive_utc(order["updated_at"]),
            "shopify_financial_status": order["financial_status"],
            "shopify_fulfillment_status": order["fulfillment_status"],
            "shopify_total": float(order["totals"]["current_total"]),
            "shopify_note": order["note"] or False,
        }
        if self.shop.order_team_id:
            values["team_id"] = self.shop.order_team_id.id
        if order["presentment_currency"] and order["presentment_currency"] != order["currency"]:
            values["shopify_presentment_currency"] = order["presentment_currency"]
            values["shopify_presentment_total"] = float(order["totals"]["presentment_total"] or 0)
        if self.shop.order_delivery_tag_pattern:
            day = delivery_date_from_tags(order["tags"], self.shop.order_delivery_tag_pattern)
            if day:
                # noon UTC is the same calendar day from UTC-11 to UTC+11
                values["commitment_date"] = datetime.combine(day, time(12))
        sale = self.env["sale.order"].create(values)
        if currency != sale.currency_id:
            raise OrderImportError(
                self.env._(
                    "the order is in %(currency)s, but its sale order would be in "
                    "%(odoo)s. Set a pricelist in %(currency)s on the shop.",
                    currency=currency.name,
                    odoo=sale.currency_id.name,
                )
            )
        self._adjust_total(sale, order, lines, currency)
        self._report_created_products(sale, order, created_products)
        self._report_left_out_lines(sale, order, lines)
        if should_confirm(order, self.confirm_statuses):
            sale.action_confirm()
        self.existing[order["gid"]] = sale
        self._added.append((self.existing, order["gid"]))
        return "created"

    def _update_order(self, sale, order):
        """A known order: refresh its Shopify status, confirm it once it is paid.

        Lines, prices, customer and addresses are never changed here.
        """
        values = {}
        updated_at = _naive_utc(order["updated_at"])
        for field, value in (
            ("shopify_updated_at", updated_at),
            ("shopify_financial_status", order["financial_status"]),
            ("shopify_fulfillment_status", order["fulfillment_status"]),
        ):
            if (sale[field] or None) != value:
                values[field] = value
        confirm = sale.state in ("draft", "sent") and should_confirm(order, self.confirm_statuses)
        if not values and not confirm:
            return "unchanged"
        if values:
            sale.write(values)
        if confirm:
            sale.action_confirm()
        return "updated"

    def _pricelist(self, order):
        """(pricelist or empty, currency) for the order's currency."""
        code = order["currency"]
        if code not in self.currencies:
            self.currencies[code] = (
                self.env["res.currency"]
                .with_context(active_test=False)
                .search([("name", "=", code)], limit=1)
            )
        currency = self.currencies[code]
        if not currency:
            raise OrderImportError(
                self.env._("its currency %(code)s is unknown to Odoo.", code=code)
            )
        if not currency.active:
            raise OrderImportError(
                self.env._(
                    "its currency %(code)s is not active in Odoo. Activate it in "
                    "Accounting > Configuration > Currencies.",
                    code=code,
                )
            )
        pricelist = self.shop.order_pricelist_id
        if pricelist and pricelist.currency_id != currency:
            raise OrderImportError(
                self.env._(
                    "the order is in %(currency)s, but the shop's pricelist %(pricelist)s "
                    "is in %(other)s. Set a pricelist in %(currency)s on the shop.",
                    currency=code,
                    pricelist=pricelist.display_name,
                    other=pricelist.currency_id.name,
                )
            )
        if not pricelist:
            if code not in self.pricelists:
                self.pricelists[code] = self.env["product.pricelist"].search(
                    [
                        ("currency_id", "=", currency.id),
                        ("company_id", "in", [False, self.company.id]),
                    ],
                    limit=1,
                )
            pricelist = self.pricelists[code]
        if not pricelist and currency != self.company.currency_id:
            raise OrderImportError(
                self.env._(
                    "the order is in %(currency)s and Odoo has no pricelist in this "
                    "currency. Create one and set it on the shop.",
                    currency=code,
                )
            )
        return pricelist, currency

    def _tags(self, names):
        ids = []
        for name in names:
            tag = self.tags.get(name)
            if tag is None:
                tag = self.env["crm.tag"].create({"name": name})
                self.remember(self.tags, name, tag)
            ids.append(tag.id)
        return ids

    def _line_taxes(self, taxes, included, what):
        """account.tax records for Shopify's tax lines of one line."""
        result = self.env["account.tax"]
        for tax in taxes:
            rate = tax["rate"]
            record = self.taxes.get((rate, included)) if rate is not None else None
            if record is None:
                if rate is None:
                    raise OrderImportError(
                        self.env._(
                            "Shopify sent a tax (%(title)s) without rate for %(what)s.",
                            title=tax["title"] or "-",
                            what=what,
                        )
                    )
                raise OrderImportError(
                    self.env._(
                        "the company %(company)s has no sales tax of %(rate)s %% with "
                        "prices %(kind)s, which %(what)s needs (%(title)s). Create this "
                        "tax in Accounting > Configuration > Taxes, then fetch the orders "
                        "again.",
                        company=self.company.name,
                        rate=f"{rate.normalize():f}",
                        kind=self.env._("including tax")
                        if included
                        else self.env._("excluding tax"),
                        what=what,
                        title=tax["title"] or "-",
                    )
                )
            result |= record
        return result

    @staticmethod
    def _discount_percent(discount, gross):
        if not gross or not discount:
            return 0.0
        return float(discount * 100 / gross)

    def _order_lines(self, order, lines):
        included = order["taxes_included"]
        commands, created = [], []
        Product = self.env["product.product"]
        for line in lines:
            what = self.env._("the line %(line)s", line=line["name"])
            taxes = self._line_taxes(line["taxes"], included, what)
            product, is_new = Product._shopify_line_product(self, order, line, taxes)
            if is_new:
                created.append(product)
            commands.append(
                Command.create(
                    {
                        "product_id": product.id,
                        "name": line["name"],
                        "product_uom_qty": line["quantity"],
                        "price_unit": float(line["unit_price"]),
                        "discount": self._discount_percent(
                            line["discount"], line["unit_price"] * line["ordered_quantity"]
                        ),
                        "tax_ids": [Command.set(taxes.ids)],
                        "shopify_line_gid": line["gid"],
                    }
                )
            )
        for ship in order["shipping_lines"]:
            what = self.env._("the shipping %(title)s", title=ship["title"])
            taxes = self._line_taxes(ship["taxes"], included, what)
            commands.append(
                Command.create(
                    {
                        "product_id": self.shop.order_shipping_product_id.id,
                        "name": ship["title"] or self.shop.order_shipping_product_id.name,
                        "product_uom_qty": 1,
                        "price_unit": float(ship["price"]),
                        "discount": self._discount_percent(ship["discount"], ship["price"]),
                        "tax_ids": [Command.set(taxes.ids)],
                    }
                )
            )
        if order["tips"]:
            commands.append(
                Command.create(
                    {
                        "product_id": self.shop.order_tip_product_id.id,
                        "name": self.env._("Tip"),
                        "product_uom_qty": 1,
                        "price_unit": float(order["tips"]),
                        "tax_ids": [Command.clear()],
                    }
                )
            )
        return commands, created

    def _target_total(self, order, lines):
        """What the sale order must total, to the cent.

        Shopify's current total, recomputed from Shopify's own line amounts for
        the lines the sale order holds (sold quantities: units returned after
        delivery stay on the order and are credited by a return; lines left out
        by the shop's settings are not on it), corrected by any difference
        between Shopify's parts and Shopify's total.
        """
        imported = dict(order, lines=lines)
        target = expected_total(imported, sold=True) - total_difference(order)
        return target.quantize(_CENT, rounding=ROUND_HALF_UP)

    def _adjust_total(self, sale, order, lines, currency):
        target = float(self._target_total(order, lines))
        difference = currency.round(target - sale.amount_total)
        if currency.is_zero(difference):
            return
        product = self.shop.order_adjustment_product_id
        sale.write(
            {
                "order_line": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "name": self.env._(
                                "Rounding adjustment: Shopify's total is %(total)s %(currency)s",
                                total=f"{target:.2f}",
                                currency=currency.name,
                            ),
                            "product_uom_qty": 1,
                            "price_unit": difference,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ]
            }
        )
        if abs(difference) > 0.01 * (len(sale.order_line) or 1):
            self.run._log(
                self.env._(
                    "Order %(order)s: Odoo's total differed from Shopify's by %(amount)s "
                    "%(currency)s, more than rounding explains; an adjustment line makes "
                    "them equal. Check the order's taxes and discounts.",
                    order=order["name"],
                    amount=f"{difference:.2f}",
                    currency=currency.name,
                ),
                level="warning",
                reference=order["name"],
                record=sale,
            )

    def _report_created_products(self, sale, order, products):
        if not products:
            return
        names = ", ".join(product.display_name for product in products)
        sale.message_post(
            body=self.env._(
                "Products created from this Shopify order (they did not exist in Odoo): "
                "%(products)s. Check their price, taxes and stock settings.",
                products=names,
            )
        )
        for product in products:
            self.run._log(
                self.env._(
                    "Order %(order)s: product %(product)s created, Odoo had no product "
                    "for this order line.",
                    order=order["name"],
                    product=product.display_name,
                ),
                level="info",
                reference=order["name"],
                record=product,
            )

    def _report_left_out_lines(self, sale, order, lines):
        kept = {line["gid"] for line in lines}
        left_out = [
            line for line in order["lines"] if line["gid"] not in kept and line["quantity"] > 0
        ]
        if left_out:
            sale.message_post(
                body=self.env._(
                    "Shopify lines not on this sale order (no shipping needed): %(lines)s.",
                    lines=", ".join(f"{line['quantity']} x {line['name']}" for line in left_out),
                )
            )
