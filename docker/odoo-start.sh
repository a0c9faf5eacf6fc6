#!/bin/bash
# Entry point of the `odoo` service of docker-compose.yml.
#
# On first start it creates the database and installs the addon with the Finnish
# chart of accounts, then it runs the Odoo server on that database. Both steps go
# through the official image's /entrypoint.sh, which waits for PostgreSQL and adds
# the --db_host/--db_user/--db_password options from HOST, USER and PASSWORD.
#
# "First start" is decided by a marker in the Odoo data volume together with the
# database itself: the marker is written only after a successful install, so an
# install that failed half-way is run again, and so is one whose database volume
# was removed while the Odoo volume was kept.
set -euo pipefail

DB_NAME="${PROCOUNTOR_DB:-procountor}"
MODULES="${PROCOUNTOR_INSTALL_MODULES:-procountor_connector,l10n_fi}"
# The two paths below are the official image's; they can be changed only so that the
# script can be tried outside the image.
ENTRYPOINT="${ODOO_IMAGE_ENTRYPOINT:-/entrypoint.sh}"
MARKER="${ODOO_DATA_DIR:-/var/lib/odoo}/.${DB_NAME}-initialised"

database_exists() {
    # psql (postgresql-client is in the image) against the maintenance database;
    # prints 1 when the database is there, nothing otherwise.
    # (the name goes in as a psql variable, quoted by psql, not pasted into SQL).
    PGPASSWORD="${PASSWORD:-odoo}" psql \
        --host="${HOST:-db}" --port="${PORT:-5432}" --username="${USER:-odoo}" \
        --dbname=postgres --tuples-only --no-align --set=name="${DB_NAME}" \
        <<<"SELECT 1 FROM pg_database WHERE datname = :'name'"
}

wait-for-psql.py --db_host="${HOST:-db}" --db_port="${PORT:-5432}" \
    --db_user="${USER:-odoo}" --db_password="${PASSWORD:-odoo}" --timeout=60

if [[ -e "${MARKER}" && "$(database_exists)" == "1" ]]; then
    echo "odoo-start: database ${DB_NAME} is initialised (${MARKER})"
else
    echo "odoo-start: creating database ${DB_NAME} with ${MODULES}"
    "${ENTRYPOINT}" odoo --database="${DB_NAME}" --init="${MODULES}" \
        --without-demo=all --stop-after-init
    touch "${MARKER}"
fi

exec "${ENTRYPOINT}" odoo --database="${DB_NAME}" --db-filter="^${DB_NAME}\$" "$@"
