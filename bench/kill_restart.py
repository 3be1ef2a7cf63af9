"""Kill Odoo in the middle of jobs, restart, re-run: the result must equal an
uninterrupted run's. Then start the same job three times at once.

    python3 bench/kill_restart.py --db DB --config odoo.conf [--points 10]

Two simulators run standalone (``python3 -m shopify_simulator``, driven over
their HTTP control API) with the same seed: one for shop K (killed), one for
shop R (reference, never interrupted). Each has its own Odoo products and
stock. For every kill point, the same new orders are placed in both
simulators (and, for the stock push, the same stock change is made in Odoo),
R's job runs to its end in a separate Odoo process, and K's job runs in a
separate Odoo process in background mode (``shopify_commit``: committing per
page) that is killed with SIGKILL after a random delay within R's duration.
After the last point K's job runs once more, undisturbed, and:

- orders: K and R hold the same sale orders (same Shopify orders, lines,
  quantities, prices, totals, confirmed), none twice;
- stock: both simulators hold the same available quantities for every SKU.

Concurrency: two workers (scheduler) and a user start "Fetch orders" for K
at the same moment, each in a process of its own: exactly one runs, the
others are told it is already running.

The database must have the addon installed; this commits into it (use a
throwaway database, as ``make bench`` does). Exits 1 when a check fails.
"""

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import time
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [REPO, os.path.join(REPO, "shopify_connector")]

LOCATION = "gid://shopify/Location/1001"
TAX_RATES = (19.0, 7.0, 20.0, 10.0, 8.1, 2.6)
JOBS = {"orders": "_fetch_orders", "stock_all": "_stock_push_all"}


# -- simulators -----------------------------------------------------------------


class Sim:
    """A standalone simulator process and its HTTP control API."""

    def __init__(self, products, seed=31):
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "shopify_simulator",
                "--seed",
                str(seed),
                "--products",
                str(products),
                "--variants-min",
                "1",
                "--variants-max",
                "1",
                "--orders",
                "0",
                "--plan",
                "enterprise",
            ],
            cwd=REPO,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.info = {}
        while len(self.info) < 5:
            key, _, value = self.process.stdout.readline().strip().partition("=")
            self.info[key] = value
        self.base_url = self.info["base_url"]

    def call(self, name, body=None, method=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.base_url}/_simulator/{name}",
            data=data,
            method=method or ("POST" if data is not None else "GET"),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read())

    def available(self, sku):
        return self.call(f"available?sku={sku}&location={LOCATION}")["result"]

    def variants(self):
        from shopify_api.client import ShopifyClient
        from shopify_api.shop_documents import PRODUCT_VARIANTS

        client = ShopifyClient(
            self.info["shop_domain"],
            access_token=self.info["access_token"],
            base_url=self.base_url,
        )
        return list(client.paginate(PRODUCT_VARIANTS, {}, ("productVariants",)))

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


# -- Odoo -------------------------------------------------------------------------


def odoo_env(args):
    import odoo
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["-c", args.config])
    registry = Registry(args.db)
    cr = registry.cursor()
    return api.Environment(cr, SUPERUSER_ID, {}), cr


def set_up_shop(env, name, sim, variants, stock_qty):
    """A shop pointed at ``sim`` with its own products (and stock) for ``variants``."""
    from odoo import Command

    eur = env.ref("base.EUR")
    eur.active = True
    pricelist = env["product.pricelist"].search([("name", "=", "Kill EUR")], limit=1)
    if not pricelist:
        pricelist = env["product.pricelist"].create({"name": "Kill EUR", "currency_id": eur.id})
        for rate in TAX_RATES:
            env["account.tax"].create(
                {
                    "name": f"Kill {rate} % incl.",
                    "amount": rate,
                    "amount_type": "percent",
                    "type_tax_use": "sale",
                    "price_include_override": "tax_included",
                    "company_id": env.company.id,
                }
            )
    warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
    shop = env["shopify.shop"].create(
        {
            "name": f"Kill/restart {name}",
            "domain": f"kill-restart-{name.lower()}-{os.getpid()}.myshopify.com",
            "auth_method": "token",
            "access_token": sim.info["access_token"],
            "order_pricelist_id": pricelist.id,
            "state": "connected",
            "stock_warehouse_ids": [Command.set(warehouse.ids)],
        }
    )
    location = env["shopify.location"].create(
        {"shop_id": shop.id, "name": "Hauptlager", "shopify_gid": LOCATION}
    )
    shop.write({"base_url": sim.base_url, "stock_location_id": location.id})
    products = env["product.product"].create(
        [
            {
                "name": f"{name} {v['sku']}",
                "default_code": f"{name}-{v['sku']}",
                "is_storable": True,
            }
            for v in variants
        ]
    )
    for product in products:
        env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, stock_qty)
    env["shopify.variant"].create(
        [
            {
                "shop_id": shop.id,
                "shopify_variant_gid": v["id"],
                "shopify_product_gid": v["product"]["id"],
                "inventory_item_gid": v["inventoryItem"]["id"],
                "sku": v["sku"],
                "product_id": product.id,
                "match_state": "matched",
            }
            for v, product in zip(variants, products, strict=True)
        ]
    )
    shop._ensure_order_service_products()
    return shop


def worker(args):
    """Child process: run one job of one shop as a background run would."""
    from odoo.exceptions import UserError

    env, cr = odoo_env(args)
    shop = env["shopify.shop"].browse(args.shop_id)
    if args.user:
        shop = shop.with_user(env.ref("base.user_admin"))
    else:
        shop = shop.with_context(shopify_commit=True)
    print("READY", flush=True)
    if args.start_at:
        time.sleep(max(0.0, args.start_at - time.time()))
    started = time.perf_counter()
    try:
        if args.user:
            shop.action_fetch_orders()  # what the button does
            run = shop.run_ids[:1]
        else:
            run = shop._run_job(args.worker, trigger="cron")
        cr.commit()
        print(f"RAN {run.id} {run.state} {time.perf_counter() - started:.2f}", flush=True)
    except UserError as exc:
        cr.rollback()
        print(f"ALREADY {exc.args[0]}", flush=True)
    finally:
        cr.close()


def start_worker(args, job, shop_id, user=False, start_at=None):
    command = [
        sys.executable,
        os.path.abspath(__file__),
        "--db",
        args.db,
        "--config",
        args.config,
        "--worker",
        job,
        "--shop-id",
        str(shop_id),
    ]
    if user:
        command.append("--user")
    if start_at:
        command += ["--start-at", str(start_at)]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, text=True)
    if start_at is None:
        wait_ready(process)
    return process


def wait_ready(process):
    line = process.stdout.readline().strip()
    if line != "READY":
        process.kill()
        raise RuntimeError(f"worker did not start: {line!r}")


def run_to_end(args, job, shop_id):
    process = start_worker(args, job, shop_id)
    out, _ = process.communicate(timeout=600)
    line = out.strip().splitlines()[-1] if out.strip() else ""
    if not line.startswith("RAN"):
        raise RuntimeError(f"{job} did not run: {out!r}")
    return float(line.split()[-1]), line.split()[2]


def kill_during(args, job, shop_id, delay):
    process = start_worker(args, job, shop_id)
    time.sleep(delay)
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
        process.wait()
        return "killed"
    process.communicate()
    return "finished before the kill"


# -- scenarios ------------------------------------------------------------------------


def fresh(env):
    """End the driver's transaction: its next reads see what the workers committed
    (Odoo's cursors read a snapshot taken at their transaction's first query)."""
    env.cr.commit()
    env.invalidate_all()


def place_same_orders(sims, rng, count, skus):
    for _ in range(count):
        lines = [{"sku": sku, "quantity": rng.randint(1, 3)} for sku in rng.sample(skus, 3)]
        for sim in sims:
            sim.call("place_order", {"lines": lines})


def order_state(env, shop_id):
    sales = env["sale.order"].search([("shopify_shop_id", "=", shop_id)])
    state = {}
    for sale in sales:
        lines = sorted(
            (line.product_id.default_code.split("-", 1)[1], line.product_uom_qty, line.price_unit)
            for line in sale.order_line.filtered("shopify_line_gid")
        )
        state[sale.shopify_order_gid] = (sale.state, round(sale.amount_total, 2), lines)
    return state, len(sales)


def scenario(args, env, cr, sims, shops, job, skus, rng):
    sim_k, sim_r = sims
    shop_k, shop_r = shops
    print(f"\n-- {job}: {args.points} kill points", flush=True)
    outcomes = []
    for point in range(args.points):
        place_same_orders(sims, rng, args.orders_per_point, skus)
        if job == "stock_all":
            fresh(env)
            for shop in (shop_k, shop_r):
                warehouse = shop.stock_warehouse_ids[:1]
                for variant in shop.variant_ids[: len(skus) // 3]:
                    env["stock.quant"]._update_available_quantity(
                        variant.product_id, warehouse.lot_stock_id, 2
                    )
            cr.commit()
        seconds, state = run_to_end(args, job, shop_r.id)
        limit = seconds
        if job == "orders":
            # K has the orders of earlier points still to import (kills roll back the
            # page under way): its run lasts longer; kill anywhere in it
            fresh(env)
            done = env["sale.order"].search_count([("shopify_shop_id", "=", shop_k.id)])
            pending = (point + 1) * args.orders_per_point - done
            limit = seconds * max(1.0, pending / args.orders_per_point)
        delay = rng.uniform(0.05, max(0.1, limit))
        outcome = kill_during(args, job, shop_k.id, delay)
        outcomes.append(outcome)
        print(
            f"   point {point + 1:2d}: reference run {state} in {seconds:.1f} s; "
            f"K {outcome} after {delay:.1f} s",
            flush=True,
        )
    seconds, state = run_to_end(args, job, shop_k.id)
    print(f"   K re-run after the last kill: {state} in {seconds:.1f} s", flush=True)
    fresh(env)
    ok = True
    if job == "orders":
        state_k, count_k = order_state(env, shop_k.id)
        state_r, count_r = order_state(env, shop_r.id)
        same = state_k == state_r
        unique = count_k == len(state_k)
        confirmed = all(s[0] == "sale" for s in state_k.values())
        print(
            f"   orders: K {count_k} sale orders, R {count_r}; same orders, lines and totals: "
            f"{same}; none twice: {unique}; all confirmed: {confirmed}"
        )
        ok = same and unique and confirmed and count_r > 0
    else:
        diff = [sku for sku in skus if sim_k.available(sku) != sim_r.available(sku)]
        print(f"   stock: SKUs whose quantity in Shopify differs from the reference: {len(diff)}")
        ok = not diff
    stuck = env["shopify.run"].search_count(
        [("shop_id", "=", shop_k.id), ("job", "=", job), ("state", "=", "running")]
    )
    print(
        f"   killed mid-run: {outcomes.count('killed')} of {len(outcomes)}; runs of K left "
        f"'running' by the kills: {stuck}; result {'OK' if ok else 'DIFFERS'}"
    )
    return ok


def concurrency(args, sim_k, shop_k, rng, skus):
    print("\n-- two workers and a user start 'Fetch orders' at the same moment", flush=True)
    place_same_orders([sim_k], rng, 10, skus)
    sim_k.call("faults", {"latency": 0.3})  # every call takes 0.3 s: the run lasts
    start_at = time.time() + 30.0  # all three are loaded by then, and start together
    processes = [
        start_worker(args, "orders", shop_k.id, start_at=start_at),
        start_worker(args, "orders", shop_k.id, start_at=start_at),
        start_worker(args, "orders", shop_k.id, user=True, start_at=start_at),
    ]
    for process in processes:
        wait_ready(process)
    if time.time() > start_at:
        print("   (the processes were not ready in time: the machine is too busy)")
    results = [p.communicate(timeout=600)[0].strip().splitlines()[-1] for p in processes]
    sim_k.call("faults", method="DELETE")
    for who, line in zip(("worker 1", "worker 2", "user"), results, strict=True):
        print(f"   {who}: {line[:160]}")
    ran = sum(1 for line in results if line.startswith("RAN"))
    told = sum(1 for line in results if line.startswith("ALREADY") and "already running" in line)
    ok = ran == 1 and told == 2
    print(f"   ran: {ran}, told it is already running: {told}; {'OK' if ok else 'WRONG'}")
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("--points", type=int, default=10)
    parser.add_argument("--products", type=int, default=600)
    parser.add_argument("--orders-per-point", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--worker", choices=sorted(JOBS), help=argparse.SUPPRESS)
    parser.add_argument("--shop-id", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--user", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--start-at", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)

    started = time.perf_counter()
    rng = random.Random(args.seed)
    sims = [Sim(args.products), Sim(args.products)]
    try:
        variants = sims[0].variants()
        skus = [v["sku"] for v in variants]
        env, cr = odoo_env(args)
        shops = [
            set_up_shop(env, "K", sims[0], variants, 50),
            set_up_shop(env, "R", sims[1], variants, 50),
        ]
        cr.commit()
        print(
            f"Two simulators ({len(variants)} variants each), shops K (killed) and R "
            f"(reference), {args.orders_per_point} new orders per kill point",
            flush=True,
        )
        ok = scenario(args, env, cr, sims, shops, "orders", skus, rng)
        ok = scenario(args, env, cr, sims, shops, "stock_all", skus, rng) and ok
        ok = concurrency(args, sims[0], shops[0], rng, skus) and ok
        cr.close()
    finally:
        for sim in sims:
            sim.stop()
    print(
        f"\nKill/restart and concurrency: {'all checks passed' if ok else 'CHECKS FAILED'} "
        f"in {time.perf_counter() - started:.0f} s"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
