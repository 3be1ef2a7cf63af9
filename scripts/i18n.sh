#!/usr/bin/env bash
# `make i18n`: export the addon's terms to i18n/shopify_connector.pot from a
# fresh database and merge them into i18n/de.po (existing translations kept,
# new terms added untranslated, terms gone from the code dropped).
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO"
check_odoo
ensure_postgres
DB="shopify_connector_i18n_$$"
create_database "$DB" shopify_connector
POT="$REPO/shopify_connector/i18n/shopify_connector.pot"
"$PYTHON" -m odoo i18n export -c "$ODOO_RC" -d "$DB" -o "$POT" shopify_connector >/dev/null
"$PYTHON" "$REPO/scripts/i18n_merge.py" "$POT" "$REPO/shopify_connector/i18n/de.po"
