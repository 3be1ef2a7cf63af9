"""Benchmark: push 10,000 variant prices of 2,000 Shopify products to the simulator.

Prints the number of requests, points and the time of a full push, of a
"changed only" push right after it (nothing to send) and of a push after 100
prices changed.  Everything it creates in the database is rolled back.

Usage (a database with the addon installed, e.g. made by scripts/env.sh)::

    python3 bench/bench_prices.py --db DB [--config odoo.conf] [--plan plus]
"""

import argparse
import os
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

import odoo  # noqa: E402
from odoo import SUPERUSER_ID, api  # noqa: E402
from odoo.modules.registry import Registry  # noqa: E402

from shopify_simulator import Simulator, SimulatorServer  # noqa: E402

PRODUCTS = 2000
VARIANTS_PER_PRODUCT = 5


def measure(label, shop, action, sim):
    sim.reset_counters()
    started = time.perf_counter()
    action()
    elapsed = time.perf_counter() - started
    run = shop.env["shopify.run"].search([("shop_id", "=", shop.id)], limit=1)
    counters = sim.counters
    print(
        f"{label:<32} {elapsed:7.2f} s  requests {counters['calls']:5d}  "
        f"points {counters['points_requested']:6d}  throttled {counters['throttled']:3d}  "
        f"pushed {run.count_updated:6d}  unchanged {run.count_unchanged:6d}  "
        f"failed {run.count_failed}  state {run.state}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--config")
    parser.add_argument("--plan", default="plus", help="simulated Shopify plan (bucket)")
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config] if args.config else [])

    print(f"Seeding the simulator: {PRODUCTS} products x {VARIANTS_PER_PRODUCT} variants")
    sim = Simulator(
        seed=3,
        products=PRODUCTS,
        variants_per_product=(VARIANTS_PER_PRODUCT, VARIANTS_PER_PRODUCT),
        orders=0,
        plan=args.plan,
    )
    variants = sim.store.all("ProductVariant")
    with SimulatorServer(sim) as server, Registry(args.db).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        started = time.perf_counter()
        currency = env.company.currency_id
        pricelist = env["product.pricelist"].create({"name": "Bench", "currency_id": currency.id})
        templates = env["product.template"].create(
            [
                {"name": f"Bench {n}", "default_code": v["sku"], "list_price": 10.0}
                for n, v in enumerate(variants)
            ]
        )
        env["product.pricelist.item"].create(
            [
                {
                    "pricelist_id": pricelist.id,
                    "applied_on": "1_product",
                    "product_tmpl_id": t.id,
                    "compute_price": "fixed",
                    "fixed_price": 10 + n % 50,
                }
                for n, t in enumerate(templates)
            ]
        )
        shop = env["shopify.shop"].create(
            {
                "name": "Bench",
                "domain": sim.shop_domain,
                "auth_method": "token",
                "access_token": sim.access_token,
                "pricelist_id": pricelist.id,
            }
        )
        shop.write({"base_url": server.base_url, "shopify_currency": currency.name})
        env["shopify.variant"].create(
            [
                {
                    "shop_id": shop.id,
                    "shopify_variant_gid": v["id"],
                    "shopify_product_gid": v["product"],
                    "sku": v["sku"],
                    "product_id": t.product_variant_id.id,
                    "match_state": "matched",
                }
                for v, t in zip(variants, templates, strict=True)
            ]
        )
        env.flush_all()
        print(
            f"Odoo set-up: {len(templates)} products, mappings and pricelist items in "
            f"{time.perf_counter() - started:.1f} s; simulated plan {args.plan}"
        )
        measure("full push (all prices)", shop, shop.action_push_all_prices, sim)
        measure("update prices, nothing changed", shop, shop.action_update_prices, sim)
        pricelist.item_ids[:100].write({"fixed_price": 99.0})
        measure("update prices, 100 changed", shop, shop.action_update_prices, sim)
        sample = variants[0]["sku"]
        print(f"check: {sample} costs {sim.variant(sample)['price']} in the simulator")
        cr.rollback()


if __name__ == "__main__":
    main()
