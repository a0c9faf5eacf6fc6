# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The send cron also sends the posted entries of the journals a connection sends as
ledger receipts. Added to the sales domain with OR, leaving what it
selects for sales invoices as it was."""

from odoo import fields, models
from odoo.osv import expression

from .account_move import CLAIM_LEASE
from .procountor_connection_invoice import CRON_RETRY_DELAY, CRON_STATES


class ProcountorConnection(models.Model):
    _inherit = "procountor.connection"

    def _procountor_invoice_cron_domain(self, now=None):
        domain = super()._procountor_invoice_cron_domain(now=now)
        journal_domain = self._procountor_journal_cron_domain(now=now)
        return expression.OR([domain, journal_domain]) if journal_domain else domain

    def _procountor_journal_cron_domain(self, now=None):
        """Posted entries of the chosen journals still to send (``[]`` when none is chosen).

        Same retry rules as invoices (retryable errors after ``CRON_RETRY_DELAY``, live
        claims left alone); ``invoice_cron_date_from`` applies to the entry's accounting
        date, since entries have no invoice date."""
        self.ensure_one()
        if not self.journal_send_journal_ids:
            return []
        now = now or fields.Datetime.now()
        domain = [
            ("company_id", "=", self.company_id.id),
            ("state", "=", "posted"),
            ("move_type", "=", "entry"),
            ("journal_id", "in", self.journal_send_journal_ids.ids),
            ("procountor_state", "in", CRON_STATES),
            "|",
            ("procountor_state", "!=", "error"),
            ("procountor_error_retryable", "=", True),
            "|",
            ("procountor_attempt_date", "=", False),
            ("procountor_attempt_date", "<", now - CRON_RETRY_DELAY),
            "|",
            ("procountor_claimed_at", "=", False),
            ("procountor_claimed_at", "<", now - CLAIM_LEASE),
        ]
        if self.invoice_cron_date_from:
            domain.append(("date", ">=", self.invoice_cron_date_from))
        return domain
