#!/usr/bin/env bash
# `make bench`: the benchmarks and the kill/restart run, on a fresh database
# of a real Odoo 19 + PostgreSQL, against the local Shopify simulator. Prints
# every figure. BENCH_QUICK=1 runs small sizes; BENCH_SKIP=orders,stock,prices,kill
# leaves some out.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO"

install_python_deps
check_odoo
ensure_postgres

DB="shopify_connector_bench_$$"
create_database "$DB" shopify_connector

args=(--db "$DB" --config "$ODOO_RC")
if [ -n "${BENCH_QUICK:-}" ]; then
    args+=(--quick)
fi
if [ -n "${BENCH_SKIP:-}" ]; then
    args+=(--skip "$BENCH_SKIP")
fi
say "Benchmarks on database $DB (the machine's other load changes the figures)"
"$PYTHON" bench/run_all.py "${args[@]}"
