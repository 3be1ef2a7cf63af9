from decimal import Decimal

from odoo.tests import HttpCase, tagged
from odoo.tests.common import _super_send

from shopify_simulator import Simulator, SimulatorServer


@tagged("post_install", "-at_install", "shopify_tour")
class TestSynchronizeTour(HttpCase):
    """In a real browser: open a shop connected to the simulator, click
    "Synchronize shop", and see the runs finish with the expected counts."""

    @classmethod
    def _request_handler(cls, s, r, /, **kw):
        # Only the local simulator is called (127.0.0.1); the client's
        # (connect, read) timeout tuple is passed on as it is.
        return _super_send(s, r, **kw)

    def test_synchronize_shop_in_the_browser(self):
        sim = Simulator(
            seed=3,
            products=20,
            orders=12,
            client_id="tour",
            client_secret="tour-s",
            currency=self.env.company.currency_id.name,
        )
        server = SimulatorServer(sim)
        server.start()
        self.addCleanup(server.stop)
        env = self.env
        for rate in (19.0, 7.0, 20.0, 10.0, 8.1, 2.6):  # the simulator's VAT rates
            env["account.tax"].create(
                {
                    "name": f"{rate:g} % incl.",
                    "amount": rate,
                    "type_tax_use": "sale",
                    "price_include_override": "tax_included",
                }
            )
        warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
        for variant in sim.store.all("ProductVariant")[:15]:
            product = env["product.product"].create(
                {
                    "name": variant["displayName"],
                    "default_code": variant["sku"],
                    "is_storable": True,
                }
            )
            env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, 5)
        shop = env["shopify.shop"].create(
            {
                "name": "Tour shop",
                "domain": sim.shop_domain,
                "base_url": server.base_url,
                "auth_method": "client_credentials",
                "client_id": "tour",
                "client_secret": "tour-s",
            }
        )
        pricelist = env["product.pricelist"].create({"name": "Shopify"})
        env["product.pricelist.item"].create(
            {
                "pricelist_id": pricelist.id,
                "applied_on": "0_product_variant",
                "product_id": product.id,
                "compute_price": "fixed",
                "fixed_price": 12.5,
            }
        )
        shop.pricelist_id = pricelist
        shop.action_test_connection()
        shop.action_match_products()
        self.assertEqual(shop.state, "connected")

        self.start_tour(f"/odoo/shopify.shop/{shop.id}", "shopify_synchronize_tour", login="admin")

        runs = env["shopify.run"].search([("shop_id", "=", shop.id)])
        by_job = {run.job: run for run in runs}
        self.assertEqual(by_job["orders"].state, "done")
        imported = env["sale.order"].search_count([("shopify_shop_id", "=", shop.id)])
        self.assertEqual(by_job["orders"].count_created, imported)
        self.assertGreater(imported, 0)
        self.assertIn(by_job["stock_changed"].state, ("done", "partial"))
        self.assertGreater(by_job["stock_changed"].count_updated, 0)
        self.assertEqual(by_job["prices"].state, "done")
        self.assertEqual(by_job["prices"].count_updated, 1)
        self.assertEqual(Decimal(sim.variant(product.default_code)["price"]), Decimal("12.5"))
