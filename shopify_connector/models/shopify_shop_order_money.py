"""Test connection: what Shopify's order amounts need from Odoo's setup.

Shopify's tax, untaxed amount and total of an order reach the sale order to
the cent whatever the company's tax rounding (see
``ShopifyOrderLines._money_values``); discounts arrive as line discounts,
which Odoo shows only when its discount setting is on.
"""

from odoo import models

DISCOUNT_GROUP = "sale.group_discount_per_so_line"


class ShopifyShop(models.Model):
    _inherit = "shopify.shop"  # pylint: disable=consider-merging-classes-inherited

    def _shopify_check_order_money(self, included):
        """Sentences for the connection summary (``included``: Shopify's prices
        include tax); switches Odoo's discount column on, which Shopify's
        discounted orders need to read right."""
        self.ensure_one()
        notes = []
        if not self.env["res.groups"]._is_feature_enabled(DISCOUNT_GROUP):
            # the setting of Sales > Configuration > Settings > Discounts
            self.env.ref("base.group_user").sudo()._apply_group(self.env.ref(DISCOUNT_GROUP))
            notes.append(
                self.env._(
                    "Odoo now shows discounts on sale order lines (Sales > Configuration > "
                    "Settings > Discounts): Shopify's discounts arrive as line discounts."
                )
            )
        if not any(key[1] == included for key in self._shopify_sale_taxes()):
            notes.append(
                self.env._(
                    "The company %(company)s has no sales tax with prices %(kind)s, as "
                    "Shopify's prices are: create the taxes Shopify charges in Accounting > "
                    "Configuration > Taxes before fetching orders.",
                    company=self.company_id.name,
                    kind=self.env._("including tax") if included else self.env._("excluding tax"),
                )
            )
        return notes
