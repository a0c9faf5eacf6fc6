# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The client's token store backed by a connection's token fields, shared by Odoo workers
through the database (docs/architecture.md, "Odoo addon")."""

import contextlib
import datetime
import logging
import time

from ..procountor_api import const as api_const

_logger = logging.getLogger(__name__)

TOKEN_FIELDS = ("procountor_access_token", "procountor_token_expires_at")

#: First key of the advisory lock taken while refreshing a token (the second is the connection id).
REFRESH_LOCK_NAMESPACE = 0x50524F43  # "PROC"
REFRESH_LOCK_WAIT_SECONDS = 10


def _token_tuple(token, expires):
    if not token:
        return None
    return token, expires.replace(tzinfo=datetime.UTC).timestamp() if expires else 0


def _token_is_fresh(stored):
    return bool(stored) and stored[1] - api_const.TOKEN_EXPIRY_MARGIN > time.time()


class ConnectionTokenStore:
    """The client's ``token_store`` (get/set) backed by the two token fields of a connection.

    Several Odoo workers share one token through the database. Writing it first takes the connection
    row with ``SELECT ... FOR NO KEY UPDATE NOWAIT`` in a savepoint; when another worker holds the
    row (it is refreshing or writing the same connection) or changed it since our transaction began,
    the fresh token is kept in this object only and used for the rest of this client's calls, as
    Odoo's EDI proxy client does in ``_renew_token``: waiting for the lock would block a worker, and
    failing would lose a valid token.

    ``FOR NO KEY UPDATE`` rather than ``FOR UPDATE``: the exchange log is written through a second
    cursor and its foreign key to the connection takes ``FOR KEY SHARE`` on this row, which ``FOR
    UPDATE`` would block until our own transaction ends (a self-deadlock across two cursors of one
    request).
    """

    def __init__(self, connection):
        self._connection = connection.sudo()
        self._memory = None
        self._look_at_committed = False

    def get(self):
        if self._memory:
            return self._memory
        connection = self._connection
        connection.invalidate_recordset(list(TOKEN_FIELDS))
        stored = _token_tuple(
            connection.procountor_access_token, connection.procountor_token_expires_at
        )
        if self._look_at_committed and not _token_is_fresh(stored):
            # Inside the refresh lock: a worker that held it before us has committed its token
            # after our transaction's snapshot was taken, so only a new cursor can see it.
            stored = connection._procountor_committed_token() or stored
        return stored

    @contextlib.contextmanager
    def refresh_lock(self):
        """Serialise token refreshes of this connection across workers (the client's protocol).

        A transaction-level advisory lock, released when the transaction that took it ends
        (Odoo commits after each invoice and each connection in batches). While it is held by
        another worker we wait a bounded time; after that we refresh on our own rather than block a
        worker for minutes (two tokens of one API key are both valid).
        """
        self._connection._procountor_acquire_refresh_lock()
        self._look_at_committed = True
        try:
            yield
        finally:
            self._look_at_committed = False

    def set(self, token, expires_at):
        self._memory = (token, expires_at)
        if not self._connection._procountor_lock_row():
            _logger.info(
                "Procountor connection %s is locked by another transaction: token kept in memory",
                self._connection.id,
            )
            return
        expires = datetime.datetime.fromtimestamp(expires_at, datetime.UTC).replace(tzinfo=None)
        self._connection.write(
            {"procountor_access_token": token, "procountor_token_expires_at": expires}
        )
