#!/bin/bash
# Entry point of the `odoo` service of docker-compose.yml (and of scripts/demo outside the image).
#
# On first start it creates the database and installs the addon with the Finnish chart of
# accounts and the demo (procountor_connector_demo: a Finnish company connected to the
# Procountor sandbox, see its README), then it runs the Odoo server on that database. Both steps
# go through the official image's /entrypoint.sh, which waits for PostgreSQL and adds the
# --db_host/--db_user/--db_password options from HOST, USER and PASSWORD.
#
# The demo addon refuses to install unless PROCOUNTOR_DEMO=1: this script sets it for the
# install it runs, and nothing else does, so a production install never gets the demo.
# PROCOUNTOR_SANDBOX_URL (default http://127.0.0.1:8899) is where the demo's connection points;
# before the install the script waits up to PROCOUNTOR_SANDBOX_WAIT seconds (default 120) for
# it to answer, so that the demo is not built without its sandbox.
#
# What to do is decided from the database itself, never from a file next to it:
#   - no database PROCOUNTOR_DB: create it with the modules and the demo (the only case that
#     installs anything); an install that fails drops the database it has just created, so
#     the next start tries again on a fresh one;
#   - the database exists and procountor_connector_demo is installed in it: serve it (a later
#     start changes nothing: no --init, no --update);
#   - the database exists without the demo: serve it as it is, never install the demo into
#     it (a real database must never get the demo company and its sandbox connection).
set -euo pipefail
# a failing psql inside $(...) stops the script too
shopt -s inherit_errexit

DB_NAME="${PROCOUNTOR_DB:-procountor}"
MODULES="${PROCOUNTOR_INSTALL_MODULES:-procountor_connector,l10n_fi,procountor_connector_demo}"
SANDBOX_URL="${PROCOUNTOR_SANDBOX_URL:-http://127.0.0.1:8899}"
SANDBOX_WAIT="${PROCOUNTOR_SANDBOX_WAIT:-120}"
DEMO_MODULE=procountor_connector_demo
# The official image's entrypoint; changed only so that the script can be tried outside the
# image (scripts/demo does).
ENTRYPOINT="${ODOO_IMAGE_ENTRYPOINT:-/entrypoint.sh}"

psql_on() {
    # psql (postgresql-client is in the image) against database $1; names go in as psql
    # variables, quoted by psql, never pasted into SQL. A failing psql stops the script
    # (set -e): nothing is decided on an answer that did not come.
    local dbname="$1"
    shift
    PGPASSWORD="${PASSWORD:-odoo}" psql \
        --host="${HOST:-db}" --port="${PORT:-5432}" --username="${USER:-odoo}" \
        --dbname="${dbname}" --tuples-only --no-align --quiet --set=ON_ERROR_STOP=1 "$@"
}

psql_maintenance() {
    psql_on postgres "$@"
}

database_exists() {
    # prints 1 when the database is there, nothing otherwise
    psql_maintenance --set=name="${DB_NAME}" \
        <<<"SELECT 1 FROM pg_database WHERE datname = :'name'"
}

demo_installed() {
    # prints 1 when the demo module is installed in the database, nothing otherwise
    # (also for a database without Odoo's tables)
    local table
    table="$(psql_on "${DB_NAME}" <<<"SELECT to_regclass('public.ir_module_module') IS NOT NULL")"
    if [[ "${table}" != "t" ]]; then
        return 0
    fi
    psql_on "${DB_NAME}" --set=module="${DEMO_MODULE}" <<<"SELECT 1 FROM ir_module_module
        WHERE name = :'module' AND state IN ('installed', 'to upgrade')"
}

drop_database() {
    psql_maintenance --set=name="${DB_NAME}" <<<"DROP DATABASE IF EXISTS :\"name\""
}

wait_for_sandbox() {
    # Bounded: a sandbox that never answers leaves its error on the demo's connection. Any
    # HTTP answer counts (the sandbox page is its root); python3 is in the image.
    if ! python3 - "${SANDBOX_URL}" "${SANDBOX_WAIT}" <<'PY'; then
import sys
import time
import urllib.error
import urllib.request

url, seconds = sys.argv[1].rstrip("/") + "/", float(sys.argv[2])
deadline = time.monotonic() + seconds
while True:
    try:
        urllib.request.urlopen(url, timeout=5).close()
        break
    except urllib.error.HTTPError:
        break
    except OSError:
        if time.monotonic() >= deadline:
            sys.exit(1)
        time.sleep(1)
PY
        echo "odoo-start: the sandbox at ${SANDBOX_URL} did not answer in ${SANDBOX_WAIT} s;" \
            "the demo is built without it (its connection shows the error)" >&2
        return 1
    fi
}

wait_for_postgres() {
    if command -v wait-for-psql.py >/dev/null 2>&1; then
        # the image's own script
        wait-for-psql.py --db_host="${HOST:-db}" --db_port="${PORT:-5432}" \
            --db_user="${USER:-odoo}" --db_password="${PASSWORD:-odoo}" --timeout=60
        return
    fi
    # outside the image: the same bounded wait with psql
    local tries=60
    until psql_maintenance --command="SELECT 1" >/dev/null 2>&1; do
        tries=$((tries - 1))
        if [[ $tries -le 0 ]]; then
            echo "odoo-start: PostgreSQL at ${HOST:-db}:${PORT:-5432} did not answer in 60 s" >&2
            return 1
        fi
        sleep 1
    done
}

install_demo() {
    local hook_wait="${SANDBOX_WAIT}"
    echo "odoo-start: creating database ${DB_NAME} with ${MODULES} (sandbox ${SANDBOX_URL})"
    if ! wait_for_sandbox; then
        hook_wait=0 # waited already
    fi
    if ! PROCOUNTOR_DEMO=1 PROCOUNTOR_SANDBOX_URL="${SANDBOX_URL}" \
        PROCOUNTOR_SANDBOX_WAIT="${hook_wait}" \
        "${ENTRYPOINT}" odoo --database="${DB_NAME}" --init="${MODULES}" \
        --without-demo=all --stop-after-init; then
        echo "odoo-start: the install failed; dropping database ${DB_NAME}, which it created," \
            "so that the next start begins on a fresh one" >&2
        drop_database
        exit 1
    fi
}

wait_for_postgres

exists="$(database_exists)"
if [[ "${exists}" != "1" ]]; then
    install_demo
else
    demo="$(demo_installed)"
    if [[ "${demo}" == "1" ]]; then
        echo "odoo-start: database ${DB_NAME} is initialised (${DEMO_MODULE} installed); serving it"
    else
        echo "odoo-start: database ${DB_NAME} exists without ${DEMO_MODULE}: serving it as it is;" \
            "the demo is only ever installed into a database this script creates (to get the" \
            "demo, use another PROCOUNTOR_DB or remove this database: docker compose down -v)"
    fi
fi

exec "${ENTRYPOINT}" odoo --database="${DB_NAME}" --db-filter="^${DB_NAME}\$" "$@"
