from odoo import Command

from .common import ShopifyCase
from .order_fixtures import order_node, orders_page


class OrderCase(ShopifyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.company = env.company
        cls.eur = env.ref("base.EUR")
        cls.usd = env.ref("base.USD")
        (cls.eur | cls.usd).active = True
        cls.pricelist_eur = env["product.pricelist"].create(
            {"name": "Shopify EUR", "currency_id": cls.eur.id}
        )
        cls.pricelist_usd = env["product.pricelist"].create(
            {"name": "Shopify USD", "currency_id": cls.usd.id}
        )
        country = env.ref("base.de")
        group = env["account.tax.group"].create({"name": "VAT", "country_id": country.id})

        def tax(rate, included):
            return env["account.tax"].create(
                {
                    "name": f"{rate}% {'incl' if included else 'excl'}",
                    "amount": rate,
                    "amount_type": "percent",
                    "type_tax_use": "sale",
                    "price_include_override": "tax_included" if included else "tax_excluded",
                    "tax_group_id": group.id,
                    "country_id": country.id,
                    "company_id": cls.company.id,
                }
            )

        cls.tax19 = tax(19.0, True)
        cls.tax7 = tax(7.0, True)
        cls.us_taxes = tax(4.0, False) | tax(4.5, False) | tax(0.375, False)
        cls.shop.write({"order_pricelist_id": cls.pricelist_eur.id, "state": "connected"})
        cls.tshirt = env["product.product"].create(
            {"name": "T-Shirt", "default_code": "TS-ODOO", "is_storable": True}
        )
        env["shopify.variant"].create(
            {
                "shop_id": cls.shop.id,
                "shopify_variant_gid": "gid://shopify/ProductVariant/45000000000001",
                "sku": "TSHIRT-BLK-M",
                "product_id": cls.tshirt.id,
                "match_state": "matched",
            }
        )
        cls.mug = env["product.product"].create(
            {"name": "Mug", "default_code": "MUG-WHT", "is_storable": True}
        )

    def fetch(self, *nodes):
        self.graphql(orders_page(*nodes))
        self.shop.action_fetch_orders()
        return self.env["shopify.run"].search(
            [("shop_id", "=", self.shop.id), ("job", "=", "orders")], limit=1
        )

    def sale(self, name):
        return self.env["sale.order"].search(
            [("shopify_shop_id", "=", self.shop.id), ("shopify_order_name", "=", name)]
        )


class TestOrderImport(OrderCase):
    def test_paid_order_becomes_one_confirmed_sale_order(self):
        run = self.fetch(order_node("simple_paid"))
        self.assertEqual(run.state, "done", run.message_ids.mapped("message"))
        sale = self.sale("#1001")
        self.assertEqual(len(sale), 1)
        self.assertEqual(sale.name, "#1001")
        self.assertEqual(sale.client_order_ref, "#1001")
        self.assertEqual(sale.state, "sale")
        self.assertEqual(sale.currency_id, self.eur)
        self.assertAlmostEqual(sale.amount_total, 57.38, places=2)
        lines = sale.order_line
        self.assertEqual(lines[0].product_id, self.tshirt)
        self.assertEqual(lines[1].product_id, self.mug)
        self.assertEqual(lines[0].tax_ids, self.tax19)
        self.assertEqual(sale.partner_id.email, "anna.schmidt@example.de")
        self.assertEqual(sale.partner_invoice_id.type, "invoice")
        self.assertEqual(sale.partner_shipping_id.parent_id, sale.partner_id)
        self.assertTrue(sale.picking_ids)
        self.assertEqual(str(sale.date_order), "2026-03-02 09:15:27")
        self.assertEqual(run.count_created, 1)
        del Command
