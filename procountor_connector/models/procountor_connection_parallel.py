# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Bounded parallel HTTP of a connection (docs/architecture.md, "Parallel HTTP").

A batch's HTTP runs in worker threads (``procountor_api.parallel``); records are read and
written only by the batch's own thread and cursor. The worker threads share one token and
the connection's throttle (requests in flight, requests per second, a 429 pausing them all);
their exchanges are written to the log by the batch's thread.
"""

import logging
from contextlib import contextmanager

from odoo import fields, models

from ..procountor_api import throttle as api_throttle
from ..procountor_api.client import ProcountorClient
from ..procountor_api.parallel import ParallelCalls, shared_token_store

_logger = logging.getLogger(__name__)


class ProcountorConnection(models.Model):
    _inherit = "procountor.connection"

    procountor_max_in_flight = fields.Integer(
        "Requests at Once",
        default=api_throttle.DEFAULT_MAX_IN_FLIGHT,
        help="How many requests to Procountor a batch (sending, payments, bill import) of "
        "this connection has under way at the same time. 1 sends one request after another.",
    )
    procountor_requests_per_second = fields.Float(
        "Requests per Second",
        help="At most this many requests to Procountor start per second, per Odoo process. "
        "Empty: below Procountor's documented limits (20 per second on production, 1.4 on "
        "the test server). With several Odoo servers on one database, or Odoo's "
        "multi-process mode (each cron worker is a process), divide your limit by their "
        "number.",
    )

    _sql_constraints = [
        (
            "max_in_flight_positive",
            "CHECK(procountor_max_in_flight > 0)",
            "At least one request must be allowed at once.",
        ),
        (
            "requests_per_second_not_negative",
            "CHECK(procountor_requests_per_second >= 0)",
            "The requests per second cannot be negative.",
        ),
    ]

    def _procountor_per_second(self):
        self.ensure_one()
        return self.procountor_requests_per_second or api_throttle.default_per_second(
            self.environment
        )

    def _procountor_throttle(self):
        """The throttle this process shares for this connection (every batch, every thread)."""
        self.ensure_one()
        return api_throttle.shared_throttle(
            (self.env.cr.dbname, self.id),
            max(1, self.procountor_max_in_flight or 1),
            self._procountor_per_second(),
        )

    @contextmanager
    def _procountor_parallel(self, client):
        """``ParallelCalls`` for a batch whose own (main-thread) client is ``client``.

        The worker clients start with ``client``'s token and share the throttle; when a
        worker had to renew the token, the new one is stored on the connection at the end.
        Call ``_procountor_log_parallel_exchanges`` from the batch's thread to log what the
        workers did (it is also done when the block ends).
        """
        self.ensure_one()
        connection = self.sudo()
        throttle = self._procountor_throttle()
        client.throttle = throttle
        token_store = shared_token_store(*(client.token_store.get() or (None, None)))
        options = {
            "base_url": connection.base_url,
            "client_id": connection.client_id,
            "client_secret": connection.client_secret,
            "api_key": connection.api_key,
            "redirect_uri": connection.redirect_uri or "",
            "api_version_path": connection._procountor_effective_version_path(),
            "token_store": token_store,
            "throttle": throttle,
            **self._procountor_client_options(),
        }
        environment = connection.environment

        def make_client():
            return ProcountorClient.for_environment(environment, **options)

        calls = ParallelCalls(make_client, throttle.max_in_flight)
        calls.token_store = token_store
        try:
            yield calls
        finally:
            calls.close()
            self._procountor_log_parallel_exchanges(calls)
            renewed = token_store.get()
            if renewed and renewed[0] and renewed != client.token_store.get():
                client.token_store.set(*renewed)

    def _procountor_log_parallel_exchanges(self, calls, records=None):
        """Write the exchanges the worker threads made (``records``: {key: record} to link
        each to; a key that is a record links to itself)."""
        self.ensure_one()
        items = calls.exchanges.drain()
        if not items:
            return
        vals_list = []
        Exchange = self.env["procountor.exchange"]
        for key, exchange in items:
            record = (records or {}).get(key, key if isinstance(key, models.BaseModel) else None)
            vals_list.append(Exchange._prepare_vals_from_exchange(self, exchange, record))
        self._procountor_log_exchange_vals(vals_list)
