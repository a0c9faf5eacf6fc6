# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Sending one move again within the run after a transient fault."""

import logging

from odoo import models

from ..procountor_api.exceptions import (
    ProcountorAuthError,
    ProcountorError,
    ProcountorRateLimitError,
)

_logger = logging.getLogger(__name__)


class AccountMove(models.Model):
    _inherit = "account.move"

    def _procountor_send_retrying(self, connection, client, pdf, lookup, retry):
        """``_procountor_send_one``, attempted again in this run after a transient fault
        (``in_run.InRunRetry``: a 5xx, a timeout, a 429 with a short Retry-After).

        Each new attempt is the one the next cron run would make, brought forward: the
        failure is stored and committed first, and the attempt re-reads the invoice's state,
        so an unconfirmed POST is looked up (``procountor_create_unknown``) before anything
        is created and a step Procountor shows as done is not repeated. Nothing is ever sent
        again blindly. Refused credentials and rate limits not waited out propagate (the
        batch stops); other errors make the outcome ``failed``.
        """
        attempt = 1
        while True:
            try:
                return self._procountor_send_one(connection, client, pdf, lookup)
            except ProcountorError as exc:
                wait = retry.delay(exc, attempt) if retry else None
                if wait is None:
                    if isinstance(exc, ProcountorAuthError | ProcountorRateLimitError):
                        raise
                    return "failed"
                self._procountor_commit()
                _logger.info(
                    "Procountor: %s again in %g s after a transient fault: %s",
                    self.name,
                    wait,
                    exc.message,
                )
                retry.wait(wait)
                attempt += 1
