"""Latency of the push path: an order placed in the simulator until its sale
order is confirmed in Odoo, delivered by webhook.

    python3 bench/bench_webhooks.py --db DB --config odoo.conf [--orders 200] [--rate 2]

Odoo runs as a real server (``--workers 2`` and one cron worker) on a free
port, with the shop's schedules off, so only webhooks bring the orders in.
The simulator runs in this process (real clock) and delivers to Odoo's
route. Orders are placed at ``--rate`` per second; each order's latency is
the time from placing it to the first moment this process sees its sale
order confirmed (polled every 50 ms). Prints p50 / p95 / p99 / max, and
checks that every order is in Odoo exactly once. Exits 1 when one is missing
or doubled.

The database must have the addon installed; this commits into it (use a
throwaway database, as ``make bench`` does).
"""

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [REPO, os.path.join(REPO, "shopify_connector")]

TAX_RATES = (19.0, 7.0, 20.0, 10.0, 8.1, 2.6)
WAIT_AFTER_LAST = 120  # seconds an order may take before it counts as missing


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def odoo_env(args):
    import odoo
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["-c", args.config])
    registry = Registry(args.db)
    cr = registry.cursor()
    return api.Environment(cr, SUPERUSER_ID, {}), cr


def set_up_shop(env, sim, odoo_url, products):
    """A shop on ``sim`` with mapped, stocked products and its schedules off."""
    eur = env.ref("base.EUR")
    eur.active = True
    pricelist = env["product.pricelist"].create({"name": "Webhook EUR", "currency_id": eur.id})
    for rate in TAX_RATES:
        env["account.tax"].create(
            {
                "name": f"Webhook {rate} % incl.",
                "amount": rate,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "price_include_override": "tax_included",
                "company_id": env.company.id,
            }
        )
    shop = env["shopify.shop"].create(
        {
            "name": "Webhook benchmark",
            "domain": sim.shop_domain,
            "auth_method": "token",
            "access_token": sim.access_token,
            "webhook_secret": sim.client_secret,
            "order_pricelist_id": pricelist.id,
            "base_url": sim.base_url,
            "state": "connected",
        }
    )
    shop.with_context(active_test=False).schedule_ids.write({"active": False})
    warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
    variants = sim.store.all("ProductVariant")[:products]
    records = env["product.product"].create(
        [
            {"name": f"Webhook {v['sku']}", "default_code": v["sku"], "is_storable": True}
            for v in variants
        ]
    )
    for product in records:
        env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, 10000)
    env["shopify.variant"].create(
        [
            {
                "shop_id": shop.id,
                "shopify_variant_gid": v["id"],
                "shopify_product_gid": v["product"],
                "inventory_item_gid": v["inventoryItem"],
                "sku": v["sku"],
                "product_id": product.id,
                "match_state": "matched",
            }
            for v, product in zip(variants, records, strict=True)
        ]
    )
    shop._ensure_order_service_products()
    env["ir.config_parameter"].set_param("web.base.url", odoo_url)
    return shop


def start_odoo(args, port):
    command = [
        sys.executable,
        "-m",
        "odoo",
        "server",
        "-c",
        args.config,
        "-d",
        args.db,
        f"--db-filter=^{args.db}$",
        "--http-interface=127.0.0.1",
        f"--http-port={port}",
        "--workers=2",
        "--max-cron-threads=1",
        "--log-level=warn",
    ]
    # The prefork server restarts its long-polling process as
    # ``python odoo/__main__.py gevent``, which cannot start that way: a cheap
    # failure (an import error), where a start script would load all of Odoo
    # again each time and take the CPU from the workers. Its output goes to
    # the log file, not between the figures.
    log = open(args.log, "ab")  # noqa: SIM115  (closed with the process)
    process = subprocess.Popen(
        command, cwd=REPO, start_new_session=True, stdout=log, stderr=subprocess.STDOUT
    )
    process.log = log
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/web/health", timeout=2):
                return process
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"Odoo did not start: see {args.log}") from None
            time.sleep(0.3)
    stop_odoo(process)
    raise RuntimeError("Odoo did not answer within 90 s")


def stop_odoo(process):
    if process.poll() is None:
        os.killpg(process.pid, 15)  # the server's own process group: its workers
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()
    process.log.close()


def confirmed(cr, shop_id, gids):
    """Gids of ``gids`` whose sale order is confirmed (a fresh snapshot)."""
    cr.rollback()
    cr.execute(
        """SELECT shopify_order_gid FROM sale_order
            WHERE shopify_shop_id = %s AND state = 'sale' AND shopify_order_gid = ANY(%s)""",
        [shop_id, list(gids)],
    )
    return {row[0] for row in cr.fetchall()}


def warm_up(sim, cr, shop_id, skus):
    """One order before the measure: the workers load the registry first."""
    gid = sim.place_order(lines=[{"sku": skus[0], "quantity": 1}])
    deadline = time.monotonic() + 120
    while not confirmed(cr, shop_id, {gid}):
        if time.monotonic() > deadline:
            raise RuntimeError("the warm-up order did not arrive in Odoo")
        time.sleep(0.2)


def percentile(values, share):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--rate", type=float, default=2.0, help="orders placed per second")
    parser.add_argument("--products", type=int, default=30)
    parser.add_argument("--log", default="/tmp/bench_webhooks_odoo.log", help="Odoo's output")
    args = parser.parse_args()

    from shopify_simulator import Simulator, SimulatorServer

    sim = Simulator(
        seed=41, products=args.products, variants_per_product=(1, 1), orders=0, plan="plus"
    )
    server = SimulatorServer(sim).start()
    sim.base_url = server.base_url
    port = free_port()
    env, cr = odoo_env(args)
    shop = set_up_shop(env, sim, f"http://127.0.0.1:{port}", args.products)
    run = shop._webhook_register(trigger="cron")
    if run.state != "done":
        raise SystemExit(f"webhooks not registered: {run.summary}")
    shop_id = shop.id
    cr.commit()
    odoo = start_odoo(args, port)
    rng = random.Random(41)
    skus = [v["sku"] for v in sim.store.all("ProductVariant")[: args.products]]
    warm_up(sim, cr, shop_id, skus)
    placed, seen = {}, {}
    started = time.perf_counter()
    try:
        interval = 1.0 / args.rate
        next_at = time.perf_counter()
        while len(placed) < args.orders or (
            len(seen) < len(placed) and time.perf_counter() - next_at < WAIT_AFTER_LAST
        ):
            now = time.perf_counter()
            if len(placed) < args.orders and now >= next_at:
                lines = [
                    {"sku": sku, "quantity": rng.randint(1, 3)} for sku in rng.sample(skus, 2)
                ]
                placed[sim.place_order(lines=lines)] = time.perf_counter()
                next_at += interval
            waiting = set(placed) - set(seen)
            if waiting:
                at = time.perf_counter()
                for gid in confirmed(cr, shop_id, waiting):
                    seen[gid] = at
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
        cr.rollback()
        cr.execute(
            """SELECT count(*), count(DISTINCT shopify_order_gid) FROM sale_order
                WHERE shopify_shop_id = %s""",
            [shop_id],
        )
        sales, distinct = cr.fetchone()
        cr.execute(
            "SELECT state, count(*) FROM shopify_webhook_event WHERE shop_id = %s GROUP BY state",
            [shop_id],
        )
        events = dict(cr.fetchall())
    finally:
        stop_odoo(odoo)
        server.stop()
        cr.close()
    latencies = [seen[gid] - placed[gid] for gid in seen]
    counters = sim.webhooks.counters
    print(f"webhook latency, {len(placed)} orders at {args.rate:g}/s, Odoo --workers 2 + cron:")
    if latencies:
        print(
            f"  placed -> confirmed sale order: p50 {statistics.median(latencies):.2f} s, "
            f"p95 {percentile(latencies, 0.95):.2f} s, p99 {percentile(latencies, 0.99):.2f} s, "
            f"max {max(latencies):.2f} s"
        )
    print(
        f"  sale orders {sales} ({distinct} distinct) of {len(placed)} placed and 1 warm-up, "
        f"{len(seen)} seen confirmed; run took {elapsed:.1f} s"
    )
    print(
        f"  deliveries {counters['delivered']}, failed tries {counters['failed_tries']}; "
        f"events {events}"
    )
    ok = sales == distinct == len(placed) + 1 and len(seen) == len(placed)  # + warm-up
    if not ok:
        print(
            f"  FAILED: an order is doubled, or not all were confirmed within "
            f"{WAIT_AFTER_LAST} s after the last was placed (events still waiting: "
            f"{events.get('new', 0)})"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
