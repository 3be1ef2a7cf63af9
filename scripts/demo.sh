#!/usr/bin/env bash
# `make demo`: the whole job against the local Shopify simulator, no Shopify
# account and no internet needed. Sets everything up like `make test`, then
# serves Odoo on http://127.0.0.1:${DEMO_HTTP_PORT:-8069} until Ctrl-C.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO"

install_python_deps
check_odoo
ensure_postgres

DB="${DEMO_DB:-shopify_demo}"
create_database "$DB" shopify_connector
if [ -n "${DEMO_KEEP_DB:-}" ]; then DB_TO_DROP=""; fi

say "Starting the Shopify simulator and synchronizing the demo shop"
exec_args=(--odoo-config "$ODOO_RC" --database "$DB" --http-port "${DEMO_HTTP_PORT:-8069}")
if [ -n "${DEMO_NO_SERVE:-}" ]; then exec_args+=(--no-serve); fi
"$PYTHON" "$REPO/scripts/demo.py" "${exec_args[@]}"
