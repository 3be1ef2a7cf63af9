# Shared set-up for `make test`, `make demo` and `make bench` (sourced, not run).
#
# - installs the Python dependencies of the addon and of its tests;
# - checks that Odoo 19 is importable by this python3;
# - uses the PostgreSQL server given by the usual PG* variables when one
#   answers, otherwise starts a throwaway cluster with the PostgreSQL server
#   binaries of this machine and stops it on exit;
# - writes an Odoo configuration file for that server.
# Every failure says what is missing and how to provide it.

set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/shopify-connector.XXXXXX")"
PG_STARTED=""

say() { printf '==> %s\n' "$*" >&2; }
die() { printf '\nERROR: %s\n\n' "$*" >&2; exit 2; }

cleanup() {
    local rc=$?
    if [ -n "${DB_TO_DROP:-}" ]; then
        dropdb --if-exists "$DB_TO_DROP" >/dev/null 2>&1 || true
    fi
    if [ -n "$PG_STARTED" ]; then
        pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_STARTED" -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK" 2>/dev/null || true
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

install_python_deps() {
    say "Installing the Python dependencies (requirements.txt, requirements-test.txt)"
    if ! PIP_CONSTRAINT="$REPO/constraints.txt" "$PYTHON" -m pip install -q \
            --disable-pip-version-check --root-user-action=ignore \
            -r "$REPO/requirements.txt" -r "$REPO/requirements-test.txt"; then
        say "pip could not install every requirement; checking what is already there"
    fi
    "$PYTHON" - <<'PY' || die "Python packages are missing (see above). Install them with: $PYTHON -m pip install -r requirements.txt -r requirements-test.txt"
import importlib, sys
missing = []
for mod in ("requests", "phonenumbers", "pytest", "pytest_odoo", "responses", "graphql",
            "hypothesis", "ruff", "pylint_odoo", "websocket"):
    try:
        importlib.import_module(mod)
    except Exception as exc:  # noqa: BLE001
        missing.append(f"{mod} ({exc})")
if missing:
    print("missing Python packages: " + ", ".join(missing), file=sys.stderr)
    sys.exit(1)
PY
}

check_odoo() {
    local out
    if ! out="$("$PYTHON" -c 'import odoo.release as r; print(r.version_info[0], r.version)' 2>&1)"; then
        die "Odoo is not importable by '$PYTHON':
    $out
The tests run on a real Odoo 19. Bring your own Odoo 19.0 source (Community is enough),
install its requirements (pip install -r <odoo>/requirements.txt) and make it importable,
e.g. 'pip install -e <odoo>' or a .pth file with the path of the Odoo source in site-packages."
    fi
    if [ "${out%% *}" != "19" ]; then
        die "Odoo $out found, but this addon needs Odoo 19.0."
    fi
    say "Odoo ${out#* } found"
}

pg_as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u "$PG_OWNER" -- "$@"
    else
        "$@"
    fi
}

find_pg_bin() {
    local c
    for c in "${PG_BINDIR:-}" "$(pg_config --bindir 2>/dev/null || true)" \
             /usr/lib/postgresql/*/bin /usr/local/pgsql/bin /usr/local/bin /usr/bin; do
        if [ -n "$c" ] && [ -x "$c/initdb" ] && [ -x "$c/pg_ctl" ] && [ -x "$c/postgres" ]; then
            PG_BIN="$c"
            return 0
        fi
    done
    return 1
}

ensure_postgres() {
    command -v psql >/dev/null || die "The PostgreSQL client tools (psql, createdb, dropdb) are missing. Install them: apt-get install postgresql-client"
    if psql -X -d postgres -tAc 'select 1' >/dev/null 2>&1; then
        say "Using the PostgreSQL server at ${PGHOST:-local socket}:${PGPORT:-5432} as ${PGUSER:-$(id -un)}"
        return 0
    fi
    find_pg_bin || die "No PostgreSQL server answers (PGHOST=${PGHOST:-<unset>} PGPORT=${PGPORT:-<unset>} PGUSER=${PGUSER:-<unset>}),
and no PostgreSQL server binaries (initdb, pg_ctl, postgres) were found to start a throwaway one.
Either point the PG* variables at a server (PGHOST, PGPORT, PGUSER, PGPASSWORD; the user needs CREATEDB),
or install the server binaries: apt-get install postgresql (or set PG_BINDIR)."
    PG_OWNER="$(id -un)"
    if [ "$(id -u)" = 0 ]; then
        getent passwd postgres >/dev/null || useradd --system --no-create-home postgres
        PG_OWNER=postgres
    fi
    local data="$WORK/pgdata" port
    mkdir -p "$data" "$WORK/pgsock"
    chown -R "$PG_OWNER" "$WORK" 2>/dev/null || true
    chmod 755 "$WORK"
    port="$("$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    say "No PostgreSQL server answers; starting a throwaway cluster ($PG_BIN, port $port)"
    pg_as_owner "$PG_BIN/initdb" -D "$data" -U odoo -A trust -E UTF8 --locale=C >"$WORK/initdb.log" 2>&1 \
        || { cat "$WORK/initdb.log" >&2; die "initdb failed (see above)"; }
    pg_as_owner "$PG_BIN/pg_ctl" -D "$data" -l "$WORK/postgres.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $WORK/pgsock -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null || { cat "$WORK/postgres.log" >&2; die "the throwaway PostgreSQL cluster did not start (log above)"; }
    PG_STARTED="$data"
    export PGHOST=127.0.0.1 PGPORT="$port" PGUSER=odoo
    unset PGPASSWORD PGDATABASE || true
    psql -X -d postgres -tAc 'select 1' >/dev/null || die "the throwaway PostgreSQL cluster does not answer"
}

ensure_chromium() {
    # Odoo's browser tests (tours) run in headless Chromium.
    local bin
    for bin in chromium chromium-browser google-chrome google-chrome-stable; do
        command -v "$bin" >/dev/null && return 0
    done
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        say "Installing Chromium for the browser tests (apt-get install chromium)"
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } \
            >"$WORK/chromium.log" 2>&1 || { tail -n 20 "$WORK/chromium.log" >&2; die "installing Chromium failed (log above); install it: apt-get install chromium"; }
        return 0
    fi
    die "Chromium is missing; the browser tests need it. Install it: apt-get install chromium"
}

write_odoo_config() {
    # $1: database name
    ODOO_RC="$WORK/odoo.conf"
    cat >"$ODOO_RC" <<CONF
[options]
addons_path = $REPO
data_dir = $WORK/odoo-data
db_host = ${PGHOST:-False}
db_port = ${PGPORT:-False}
db_user = ${PGUSER:-$(id -un)}
${PGPASSWORD:+db_password = $PGPASSWORD}
db_name = $1
dbfilter = ^$1\$
list_db = False
http_interface = 127.0.0.1
log_level = warn
CONF
    chmod 600 "$ODOO_RC"
    export ODOO_RC
}

create_database() {
    # $1: database name, $2: modules to install (comma separated)
    local db="$1" modules="$2"
    dropdb --if-exists "$db" >/dev/null 2>&1 || true
    DB_TO_DROP="$db"
    write_odoo_config "$db"
    say "Creating database $db with $modules"
    local t0=$SECONDS
    "$PYTHON" -m odoo server -c "$ODOO_RC" -d "$db" -i "$modules" --stop-after-init \
        --log-level=warn --without-demo=all >"$WORK/install.log" 2>&1 \
        || { tail -n 60 "$WORK/install.log" >&2; die "installing $modules into $db failed (log above)"; }
    if grep -E ' (ERROR|CRITICAL) ' "$WORK/install.log" >&2; then
        die "installing $modules logged errors (above)"
    fi
    say "Database ready in $((SECONDS - t0)) s"
}
