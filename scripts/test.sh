#!/usr/bin/env bash
# `make test`: lint, the tests without a database, then the Odoo tests on a
# fresh database of a real Odoo 19 + PostgreSQL. Fails (never skips) when Odoo
# or PostgreSQL cannot be used, and when a test run collects no test.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO"

install_python_deps
check_odoo
ensure_postgres
ensure_chromium

say "Lint: ruff check, ruff format --check, pylint-odoo"
"$PYTHON" -m ruff check .
"$PYTHON" -m ruff format --check .
"$PYTHON" -m pylint --rcfile="$REPO/.pylintrc" shopify_connector

run_pytest() {
    # pytest's exit code 5 ("no tests ran") is a failure here.
    local rc=0
    "$PYTHON" -m pytest "$@" || rc=$?
    if [ "$rc" = 5 ]; then
        die "pytest collected no test for: $*"
    fi
    return "$rc"
}

say "Tests without a database (client, domain code, simulator)"
run_pytest -p no:odoo -p no:cacheprovider -q tests

DB="shopify_connector_test_$$"
create_database "$DB" shopify_connector

say "Odoo tests on database $DB"
run_pytest -p no:cacheprovider -q --odoo-config="$ODOO_RC" --odoo-database="$DB" \
    --odoo-log-level=warn --ignore=shopify_connector/tests/test_tour.py \
    --ignore=shopify_connector/tests/test_webhook_http.py shopify_connector/tests

say "Tests through Odoo's HTTP server: webhook route, browser test (tour) in headless Chromium"
run_pytest -p no:cacheprovider -q -rs --odoo-config="$ODOO_RC" --odoo-database="$DB" \
    --odoo-log-level=warn --odoo-http --junitxml="$WORK/tour.xml" \
    shopify_connector/tests/test_webhook_http.py shopify_connector/tests/test_tour.py
"$PYTHON" - "$WORK/tour.xml" <<'PY' || die "the browser test did not run (skipped); see above"
import sys, xml.etree.ElementTree as ET
suite = ET.parse(sys.argv[1]).getroot()
suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
ran = int(suite.get("tests", 0)) - int(suite.get("skipped", 0))
sys.exit(0 if ran > 0 and int(suite.get("skipped", 0)) == 0 else 1)
PY
say "All tests passed"
