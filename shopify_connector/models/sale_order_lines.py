"""Mapping a Shopify order's money to Odoo: currency, pricelist, taxes, lines.

Part of the order importer (``sale_order_import.ShopifyOrderImporter``).
"""

from decimal import ROUND_HALF_UP, Decimal

from odoo import Command
from odoo.tools import float_round

from ..shopify_api.order_money import discount_percent, line_amounts, shipping_amounts
from ..shopify_api.orders import expected_total, total_difference
from .sale_order_checks import OrderImportError

_CENT = Decimal("0.01")
# Key of the manual tax amounts of a line without tax (see ``_money_values``)
_NO_TAX = "none"


class ShopifyOrderLines:
    """The pricelist, tags, taxes and sale order lines of a Shopify order."""

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

    # -- Shopify's money on a sale order line ------------------------------------
    def _money_values(self, amounts, price_unit, quantity, tax_lines, included, currency):
        """Sale order line values that carry Shopify's ``amounts`` exactly.

        The line shows Shopify's unit price and its discounts as Odoo's
        discount (percent of the original total); its untaxed amount and
        taxes are Shopify's, given to Odoo's tax engine as manual tax amounts
        (``extra_tax_data``): Odoo takes them whatever the company's tax
        rounding (per line or per tax), the invoice of the line inherits them,
        and Odoo drops them by itself as soon as someone changes the line's
        price, discount, quantity or taxes. ``tax_lines``: Shopify's tax lines
        of the line (their rates), ``amounts["taxes"]`` their amounts.
        """
        price_unit = float(price_unit)
        discount = float_round(
            discount_percent(amounts["discount"], amounts["gross"]),
            precision_digits=self.env["decimal.precision"].precision_get("Discount"),
        )
        values = {"price_unit": price_unit, "discount": discount, "extra_tax_data": False}
        manual = {}
        for tax_line, amount in zip(tax_lines, amounts["taxes"]):
            tax = self.taxes.get((tax_line["rate"], included))
            if tax is None:
                return values  # Odoo computes the taxes itself
            key = str(tax.id)
            manual[key] = manual.get(key, Decimal(0)) + amount
        untaxed = float(amounts["untaxed"])
        manual = {
            key: {"base_amount_currency": untaxed, "tax_amount_currency": float(amount)}
            for key, amount in manual.items()
        }
        # Odoo applies manual amounts only when every tax of the line has one:
        # a line without tax says so with an entry for no tax
        values["extra_tax_data"] = {
            "manual_total_excluded_currency": untaxed,
            "manual_tax_amounts": manual or {_NO_TAX: {}},
            "currency_id": currency.id,
            "price_unit": price_unit,
            "discount": discount,
            "quantity": float(quantity),
        }
        return values

    def _line_money(self, order, line, quantity, currency):
        """Values for ``quantity`` units of Shopify's order ``line`` (see ``_money_values``)."""
        included = order["taxes_included"]
        amounts = line_amounts(line, quantity, included)
        return self._money_values(
            amounts, line["unit_price"], quantity, line["taxes"], included, currency
        )

    def _order_lines(self, order, lines, currency=None):
        currency = currency or self._pricelist(order)[1]
        included = order["taxes_included"]
        commands, created = [], []
        Product = self.env["product.product"]
        for line in lines:
            what = self.env._("the line %(line)s", line=line["name"])
            taxes = self._line_taxes(line["taxes"], included, what)
            product, is_new = Product._shopify_line_product(self, order, line, taxes)
            if is_new:
                created.append(product)
            values = {
                "product_id": product.id,
                "name": line["name"],
                "product_uom_qty": line["quantity"],
                "tax_ids": [Command.set(taxes.ids)],
                "shopify_line_gid": line["gid"],
                **self._line_money(order, line, line["quantity"], currency),
            }
            if line.get("unfulfilled_quantity") is not None:
                values["shopify_unfulfilled_qty"] = line["unfulfilled_quantity"]
            commands.append(Command.create(values))
        for ship in order["shipping_lines"]:
            what = self.env._("the shipping %(title)s", title=ship["title"])
            taxes = self._line_taxes(ship["taxes"], included, what)
            amounts = shipping_amounts(ship, included)
            commands.append(
                Command.create(
                    {
                        "product_id": self.shop.order_shipping_product_id.id,
                        "name": ship["title"] or self.shop.order_shipping_product_id.name,
                        "product_uom_qty": 1,
                        "tax_ids": [Command.set(taxes.ids)],
                        **self._money_values(
                            amounts, ship["price"], 1, ship["taxes"], included, currency
                        ),
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

    def _sync_line_money(self, sale, order):
        """After an edit in Shopify: the lines of ``sale`` that follow a Shopify
        line carry Shopify's amounts for their quantity now."""
        by_gid = {line["gid"]: line for line in order["lines"]}
        for sol in sale.order_line.filtered("shopify_line_gid"):
            line = by_gid.get(sol.shopify_line_gid)
            if line is None:
                continue
            quantity = Decimal(str(sol.product_uom_qty))
            values = self._line_money(order, line, quantity, sale.currency_id)
            changed = {key: value for key, value in values.items() if sol[key] != value}
            if changed:
                sol.write(changed)

    def _sync_unfulfilled(self, sale, order):
        """Store Shopify's unfulfilled units per line (the stock push subtracts
        what Shopify still holds for the order)."""
        by_gid = {line["gid"]: line for line in order["lines"]}
        for sol in sale.order_line.filtered("shopify_line_gid"):
            line = by_gid.get(sol.shopify_line_gid)
            quantity = line and line.get("unfulfilled_quantity")
            if quantity is not None and sol.shopify_unfulfilled_qty != quantity:
                sol.shopify_unfulfilled_qty = quantity

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
