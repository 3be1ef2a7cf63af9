"""Run every benchmark and print their figures (started by ``make bench``).

    python3 bench/run_all.py --db DB --config odoo.conf [--quick]

- order import: 1,000 orders x 3 lines against plain Odoo (bench_orders.py);
- stock push: 10,000 and 100,000 mapped variants (bench_stock.py);
- price push: 10,000 variants of 2,000 products (bench_prices.py), with the
  theoretical minimum number of requests computed here;
- kill and restart during an order import and a stock push, and two workers
  plus a user starting the same job (kill_restart.py).

``--quick`` runs small sizes (a smoke test of the benchmarks themselves).
Each benchmark runs in a process of its own; a failing one is reported and
the others still run; the exit code says whether all of them succeeded.
"""

import argparse
import math
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path[:0] = [REPO, os.path.join(REPO, "shopify_connector")]


def price_minimum(products, variants_per_product):
    """Fewest requests for a price push: as many product updates per request as
    fit in 1000 requested points (at most 250 variants per product update)."""
    from graphql import parse

    from shopify_api import prices
    from shopify_simulator.cost import requested_cost
    from shopify_simulator.schema import load_schema

    schema = load_schema()
    best = 1
    for size in range(1, 251):
        # the text of prices' batch documents (not registered a second time)
        args = ", ".join(f"$p{i}: ID!, $v{i}: [ProductVariantsBulkInput!]!" for i in range(size))
        fields = "\n".join(
            f"u{i}: productVariantsBulkUpdate(productId: $p{i}, variants: $v{i}, "
            f"allowPartialUpdates: true) {{ {prices._VARIANT_SELECTION} }}"
            for i in range(size)
        )
        text = f"mutation PriceUpdateBatch{size}({args}) {{\n{fields}\n}}"
        variables = {}
        for n in range(size):
            variables[f"p{n}"] = f"gid://shopify/Product/{n + 1}"
            variables[f"v{n}"] = [
                {"id": f"gid://shopify/ProductVariant/{n * 10 + k}", "price": "1.00"}
                for k in range(variants_per_product)
            ]
        if requested_cost(schema, parse(text), variables, None) > 1000:
            break
        best = size
    calls_per_product = math.ceil(variants_per_product / prices.MAX_VARIANTS_PER_CALL)
    return math.ceil(products * calls_per_product / best), best


def run(title, command):
    """Run a benchmark, echo its output; returns (exit code, output)."""
    print(f"\n######## {title}", flush=True)
    print("$ " + " ".join(command), flush=True)
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    output = []
    for line in process.stdout:
        output.append(line)
        print(line, end="", flush=True)
    code = process.wait()
    print(f"######## {title}: exit {code}, {time.perf_counter() - started:.0f} s", flush=True)
    return code, "".join(output)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("--quick", action="store_true", help="small sizes")
    parser.add_argument("--skip", default="", help="comma-separated: orders,stock,prices,kill")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    py = sys.executable
    odoo_args = ["--db", args.db, "--config", args.config]
    results = {}
    if "orders" not in skip:
        orders = "100" if args.quick else "1000"
        results["orders"], _output = run(
            "Order import vs plain Odoo",
            [py, "bench/bench_orders.py", *odoo_args, "--orders", orders],
        )
    if "stock" not in skip:
        sizes = ["2000"] if args.quick else ["10000", "100000"]
        results["stock"], _output = run("Stock push", [py, "bench/bench_stock.py", *sizes])
    if "prices" not in skip:
        if os.path.exists(os.path.join(HERE, "bench_prices.py")):
            results["prices"], output = run(
                "Price push", [py, "bench/bench_prices.py", *odoo_args]
            )
            minimum, per_request = price_minimum(2000, 5)
            found = re.search(r"full push.*?requests\s+(\d+)", output)
            ratio = f"{int(found.group(1)) / minimum:.2f}" if found else "-"
            print(
                f"   theoretical minimum for the full push of 10,000 variants of 2,000 "
                f"products: {minimum} requests ({per_request} product updates of 5 variants "
                f"within 1000 points); ratio {ratio}"
            )
        else:
            print("\n(bench_prices.py is not there: price push not measured)")
    if "kill" not in skip:
        points = "3" if args.quick else "10"
        results["kill"], _output = run(
            "Kill and restart, concurrent starts",
            [py, "bench/kill_restart.py", *odoo_args, "--points", points],
        )
    failed = [name for name, code in results.items() if code]
    print("\nBenchmarks: " + ("all ran" if not failed else "FAILED: " + ", ".join(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
