"""Mapping a Shopify order's money to Odoo: currency, pricelist, taxes, lines.

Part of the order importer (``sale_order_import.ShopifyOrderImporter``).
"""

from decimal import ROUND_HALF_UP, Decimal

from odoo import Command

from ..shopify_api.orders import expected_total, total_difference
from .sale_order_checks import OrderImportError

_CENT = Decimal("0.01")


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
