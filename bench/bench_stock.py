"""Benchmark (not a test): push all stock of N mapped variants to the simulator.

    python3 bench/bench_stock.py 10000 100000

The simulator runs in a child process on Standard limits (2000 points, 100
points/s), so the figures of this process are the connector's own.  Measured
with the pure push (``shopify_api.stock.push_stock``): the Odoo side adds a few
set-based SQL queries (free quantities, reservations, one UPDATE per batch).

Three pushes per size:
- first: nothing known yet, every item is read (by ID, 250 per call), then written;
- again: "all stock" once the figures are known: compare-and-swap writes only;
- no change: "changed stock" with nothing changed: no call at all.
"""

import math
import multiprocessing
import os
import random
import resource
import sys
import time
import tracemalloc

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "shopify_connector")]

from shopify_api import stock  # noqa: E402
from shopify_api.client import ShopifyClient  # noqa: E402

LOCATION = "gid://shopify/Location/1001"


def serve(count, conn):
    from shopify_simulator import Simulator, SimulatorServer

    sim = Simulator(seed=11, products=count, variants_per_product=(1, 1), orders=0)
    items = [
        (v["sku"], v["inventoryItem"])
        for v in sim.store.all("ProductVariant")
        if sim.store.get(v["inventoryItem"])["tracked"]
        and sim.store.level(v["inventoryItem"], LOCATION) is not None
    ]
    with SimulatorServer(sim) as server:
        conn.send((server.base_url, sim.shop_domain, sim.access_token, items))
        conn.recv()  # until the parent is done


def push(client, lines, mode):
    client.reset_stats()
    settings = stock.PushSettings(
        location_gid=LOCATION, mode=mode, key_parts=("bench", mode, time.time())
    )
    started = time.perf_counter()
    result = stock.push_stock(client, settings, lines)
    elapsed = time.perf_counter() - started
    if result.error:
        raise result.error
    return elapsed, result


def run(count):
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.Process(target=serve, args=(count, child), daemon=True)
    seeding = time.perf_counter()
    process.start()
    base_url, domain, token, items = parent.recv()
    print(
        f"\n== {len(items)} mapped variants (simulator seeded in "
        f"{time.perf_counter() - seeding:.0f} s)"
    )
    client = ShopifyClient(domain, access_token=token, base_url=base_url)
    rng = random.Random(count)
    tracemalloc.start()
    lines = [
        stock.StockLine(key=n, item_gid=gid, sku=sku, free=rng.randint(-2, 60))
        for n, (sku, gid) in enumerate(items)
    ]
    batches = math.ceil(len(lines) / stock.MAX_QUANTITIES_PER_CALL)
    # Fewest calls for the work: every quantity unknown -> read and write each
    # batch of 250; known -> write each batch; nothing changed -> nothing.
    minimum = {"first": 2 * batches, "again": batches, "no change": 0}
    for label, mode in (("first", "all"), ("again", "all"), ("no change", "changed")):
        if label != "first":
            for line in lines:  # what the variant mapping stores between runs
                line.read = line.pushed = False
                line.outcome = line.reason = None
        elapsed, result = push(client, lines, mode)
        stats = client.stats
        print(
            f"{label:>9}: {elapsed:7.1f} s, {stats['calls']:4d} calls "
            f"({result.calls['read']} read, {result.calls['set']} write), "
            f"{stats['actual_points']:6d} points, {stats['throttled']} throttled, "
            f"waited {stats['waited_seconds']:.1f} s; pushed {result.count(stock.PUSHED)}, "
            f"unchanged {result.count(stock.UNCHANGED)}, failed {result.count(stock.FAILED)}; "
            f"minimum {minimum[label]} calls, ratio "
            + (f"{stats['calls'] / minimum[label]:.2f}" if minimum[label] else "-")
        )
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"   memory: peak {peak / 2**20:.0f} MB traced, {rss:.0f} MB max RSS (connector)")
    parent.send("done")
    process.join(timeout=10)


if __name__ == "__main__":
    for size in [int(a) for a in sys.argv[1:]] or [10000]:
        run(size)
