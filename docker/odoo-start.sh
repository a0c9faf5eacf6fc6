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
# PROCOUNTOR_SANDBOX_WAIT (default 60) how many seconds the install waits for the sandbox.
#
# "First start" is decided by a marker in the Odoo data volume together with the
# database itself: the marker is written only after a successful install, so an
# install that failed half-way is run again, and so is one whose database volume
# was removed while the Odoo volume was kept. A later start changes nothing.
set -euo pipefail

DB_NAME="${PROCOUNTOR_DB:-procountor}"
MODULES="${PROCOUNTOR_INSTALL_MODULES:-procountor_connector,l10n_fi,procountor_connector_demo}"
SANDBOX_URL="${PROCOUNTOR_SANDBOX_URL:-http://127.0.0.1:8899}"
# The two paths below are the official image's; they can be changed only so that the
# script can be tried outside the image (scripts/demo does).
ENTRYPOINT="${ODOO_IMAGE_ENTRYPOINT:-/entrypoint.sh}"
MARKER="${ODOO_DATA_DIR:-/var/lib/odoo}/.${DB_NAME}-initialised"

psql_maintenance() {
    # psql (postgresql-client is in the image) against the maintenance database.
    PGPASSWORD="${PASSWORD:-odoo}" psql \
        --host="${HOST:-db}" --port="${PORT:-5432}" --username="${USER:-odoo}" \
        --dbname=postgres --tuples-only --no-align "$@"
}

database_exists() {
    # prints 1 when the database is there, nothing otherwise
    # (the name goes in as a psql variable, quoted by psql, not pasted into SQL).
    psql_maintenance --set=name="${DB_NAME}" \
        <<<"SELECT 1 FROM pg_database WHERE datname = :'name'"
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

wait_for_postgres

if [[ -e "${MARKER}" && "$(database_exists)" == "1" ]]; then
    echo "odoo-start: database ${DB_NAME} is initialised (${MARKER})"
else
    echo "odoo-start: creating database ${DB_NAME} with ${MODULES} (sandbox ${SANDBOX_URL})"
    PROCOUNTOR_DEMO=1 PROCOUNTOR_SANDBOX_URL="${SANDBOX_URL}" \
        "${ENTRYPOINT}" odoo --database="${DB_NAME}" --init="${MODULES}" \
        --without-demo=all --stop-after-init
    touch "${MARKER}"
fi

exec "${ENTRYPOINT}" odoo --database="${DB_NAME}" --db-filter="^${DB_NAME}\$" "$@"
