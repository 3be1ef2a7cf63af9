"""Benchmark (not a test): import N orders of L lines from the simulator into
confirmed sale orders, beside the floor: plain Odoo creating and confirming
the same sale orders (same customers, products, quantities, prices, taxes)
without the connector.

    python3 bench/bench_orders.py --db DB [--config odoo.conf] [--orders 1000]

The database must have the addon installed; the benchmark commits into it
(the import runs as a background run, committing per page), so give it a
throwaway database (``make bench`` does).  The simulator runs in a child
process, so that the figures of this process are Odoo's and the connector's.
"""

import argparse
import math
import multiprocessing
import os
import random
import resource
import sys
import time
from unittest.mock import patch

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [REPO, os.path.join(REPO, "shopify_connector")]

import odoo  # noqa: E402
from odoo import SUPERUSER_ID, Command, api  # noqa: E402
from odoo.modules.registry import Registry  # noqa: E402

TAX_RATES = (19.0, 7.0, 20.0, 10.0, 8.1, 2.6)  # the simulator's shop: DE, AT, CH incl. VAT
FLOOR_COMMIT_EVERY = 50  # the import commits per page of 50 orders too


def serve(config, conn):
    """Child process: a simulator with ``orders`` placed orders, served over HTTP."""
    from shopify_simulator import Simulator, SimulatorServer

    sim = Simulator(
        seed=23,
        products=config["products"],
        variants_per_product=(1, 1),
        orders=0,
        customers=config["customers"],
        plan=config["plan"],
    )
    rng = random.Random(5)
    skus = [v["sku"] for v in sim.store.all("ProductVariant")]
    emails = [c["email"] for c in sim.store.all("Customer")]
    for _ in range(config["orders"]):
        sim.place_order(
            lines=[
                {"sku": sku, "quantity": rng.randint(1, 3)}
                for sku in rng.sample(skus, config["lines"])
            ],
            customer=rng.choice(emails),
        )
    variants = [
        {
            "id": v["id"],
            "product": v["product"],
            "sku": v["sku"],
            "item": v["inventoryItem"],
            "price": v["price"],
        }
        for v in sim.store.all("ProductVariant")
    ]
    with SimulatorServer(sim) as server:
        sim.reset_counters()
        conn.send((server.base_url, sim.shop_domain, sim.access_token, variants))
        while True:
            if conn.recv() == "counters":
                conn.send(sim.counters)
            else:
                break


def minimum_calls(orders, lines):
    """Fewest order pages that can carry ``orders`` orders of ``lines`` lines:
    the largest page whose requested cost stays within Shopify's 1000 points."""
    from graphql import parse

    from shopify_api.order_queries import ORDERS_PAGE
    from shopify_simulator.cost import requested_cost
    from shopify_simulator.schema import load_schema

    schema, document = load_schema(), parse(ORDERS_PAGE.text)
    best = 1
    for first in range(1, 251):
        variables = dict(
            ORDERS_PAGE.variables,
            first=first,
            lineItemsFirst=lines,
            shippingLinesFirst=1,
            refundLineItemsFirst=1,
            query="",
        )
        if requested_cost(schema, document, variables, None) > 1000:
            break
        best = first
    return math.ceil(orders / best), best


def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def set_up(env, variants, base_url, domain, token):
    eur = env.ref("base.EUR")
    eur.active = True
    pricelist = env["product.pricelist"].create({"name": "Bench EUR", "currency_id": eur.id})
    for rate in TAX_RATES:
        env["account.tax"].create(
            {
                "name": f"Bench {rate} % incl.",
                "amount": rate,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "price_include_override": "tax_included",
                "company_id": env.company.id,
            }
        )
    products = env["product.product"].create(
        [
            {
                "name": f"Bench {v['sku']}",
                "default_code": v["sku"],
                "is_storable": True,
                "list_price": float(v["price"]),
            }
            for v in variants
        ]
    )
    warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
    for product in products:
        env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, 100000)
    shop = env["shopify.shop"].create(
        {
            "name": "Bench orders",
            # the simulator answers any shop domain: a name of its own keeps it apart
            # from the other benchmarks' shops in the same database
            "domain": f"bench-orders-{os.getpid()}.myshopify.com",
            "auth_method": "token",
            "access_token": token,
            "order_pricelist_id": pricelist.id,
            "state": "connected",
        }
    )
    shop.base_url = base_url
    env["shopify.variant"].create(
        [
            {
                "shop_id": shop.id,
                "shopify_variant_gid": v["id"],
                "shopify_product_gid": v["product"],
                "inventory_item_gid": v["item"],
                "sku": v["sku"],
                "product_id": product.id,
                "match_state": "matched",
            }
            for v, product in zip(variants, products, strict=True)
        ]
    )
    shop._ensure_order_service_products()
    return shop


def floor_values(sales):
    """Values that create the same sale orders again, without the connector."""
    values = []
    for sale in sales:
        values.append(
            {
                "partner_id": sale.partner_id.id,
                "partner_invoice_id": sale.partner_invoice_id.id,
                "partner_shipping_id": sale.partner_shipping_id.id,
                "pricelist_id": sale.pricelist_id.id,
                "warehouse_id": sale.warehouse_id.id,
                "fiscal_position_id": False,
                "date_order": sale.date_order,
                "client_order_ref": f"floor {sale.name}",
                "order_line": [
                    Command.create(
                        {
                            "product_id": line.product_id.id,
                            "name": line.name,
                            "product_uom_qty": line.product_uom_qty,
                            "price_unit": line.price_unit,
                            "discount": line.discount,
                            "tax_ids": [Command.set(line.tax_ids.ids)],
                        }
                    )
                    for line in sale.order_line
                ],
            }
        )
    return values


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--config")
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--lines", type=int, default=3)
    parser.add_argument("--products", type=int, default=200)
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--plan", default="plus", help="simulated Shopify plan (bucket)")
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config] if args.config else [])

    print(
        f"\n== Order import: {args.orders} orders x {args.lines} lines "
        f"({args.products} products, {args.customers} customers, plan {args.plan})"
    )
    parent, child = multiprocessing.Pipe()
    config = vars(args).copy()
    process = multiprocessing.Process(target=serve, args=(config, child), daemon=True)
    started = time.perf_counter()
    process.start()
    base_url, domain, token, variants = parent.recv()
    print(f"   simulator: {args.orders} orders placed in {time.perf_counter() - started:.0f} s")

    registry = Registry(args.db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        shop = set_up(env, variants, base_url, domain, token)
        cr.commit()
        shop_id = shop.id

    clients = []
    original = type(shop)._shopify_client

    def keep_client(self):
        client = original(self)
        clients.append(client)
        return client

    with registry.cursor() as cr, patch.object(type(shop), "_shopify_client", keep_client):
        env = api.Environment(cr, SUPERUSER_ID, {"shopify_commit": True})
        shop = env["shopify.shop"].browse(shop_id)
        rss_before = rss_mb()
        started = time.perf_counter()
        run = shop._run_job("orders", trigger="cron")
        import_seconds = time.perf_counter() - started
        rss_after = rss_mb()
        cr.commit()
        created = run.count_created
        state = run.state
        api_calls = run.api_calls
        stats = clients[-1].stats if clients else {}
        sales = env["sale.order"].search([("shopify_shop_id", "=", shop_id)], order="id")
        confirmed = len(sales.filtered(lambda s: s.state == "sale"))
        lines = sum(len(s.order_line) for s in sales)
        values = floor_values(sales)
    parent.send("counters")
    counters = parent.recv()
    parent.send("stop")
    process.join(timeout=10)

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        SaleOrder = env["sale.order"]
        started = time.perf_counter()
        for start in range(0, len(values), FLOOR_COMMIT_EVERY):
            orders = SaleOrder.create(values[start : start + FLOOR_COMMIT_EVERY])
            orders.action_confirm()
            cr.commit()
        floor_seconds = time.perf_counter() - started

    minimum, per_page = minimum_calls(args.orders, args.lines)
    import_rate = created / import_seconds if import_seconds else 0.0
    floor_rate = len(values) / floor_seconds if floor_seconds else 0.0
    ratio = import_rate / floor_rate if floor_rate else 0.0
    print(
        f"   import: {created} sale orders created ({confirmed} confirmed, {lines} lines), "
        f"run {state}, in {import_seconds:.1f} s = {import_rate:.1f} orders/s"
    )
    print(
        f"   floor (plain Odoo, same orders created and confirmed): {len(values)} in "
        f"{floor_seconds:.1f} s = {floor_rate:.1f} orders/s"
    )
    print(
        f"   import rate / floor rate: {ratio:.0%} (target: at least 75%) -> "
        f"{'met' if ratio >= 0.75 else 'NOT met'}"
    )
    print(
        f"   API calls: {api_calls} by the run, {counters['calls']} answered by the simulator "
        f"({counters['points_actual']} points, {counters['throttled']} throttled, waited "
        f"{stats.get('waited_seconds', 0.0):.1f} s)"
    )
    print(
        f"   theoretical minimum: {minimum} calls ({per_page} orders of {args.lines} lines "
        f"per page within 1000 points); ratio {api_calls / minimum:.2f}"
    )
    print(
        f"   memory: max RSS {rss_after:.0f} MB (whole Odoo process), "
        f"+{rss_after - rss_before:.0f} MB during the import"
    )
    return 0 if created == args.orders else 1


if __name__ == "__main__":
    sys.exit(main())
