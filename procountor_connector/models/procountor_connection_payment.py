# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging

from odoo import api, fields, models

from ..procountor_api import payloads
from .procountor_cron_guard import procountor_isolated

_logger = logging.getLogger(__name__)


class ProcountorConnection(models.Model):
    """Options of fetching payments from Procountor (issue 8) and the cron entry point."""

    _inherit = "procountor.connection"

    payment_fetch_enabled = fields.Boolean(
        "Fetch Payments Automatically",
        default=True,
        help="A scheduled action registers in Odoo the payments Procountor received for the "
        "invoices and credit notes sent through this connection.",
    )
    payment_bank_journal_id = fields.Many2one(
        "account.journal",
        "Journal for Bank Payments",
        compute="_compute_payment_journals",
        store=True,
        readonly=False,
        domain="[('type', '=', 'bank'), ('company_id', '=', company_id)]",
        help="Bank statement, reference and other bank payments received in Procountor are "
        "registered in this journal.",
    )
    payment_cash_journal_id = fields.Many2one(
        "account.journal",
        "Journal for Cash Payments",
        compute="_compute_payment_journals",
        store=True,
        readonly=False,
        domain="[('type', '=', 'cash'), ('company_id', '=', company_id)]",
        help="Cash payments received in Procountor are registered in this journal.",
    )
    payment_final_state = fields.Selection(
        [("in_payment", "In Payment"), ("paid", "Paid")],
        "Registered Payments Leave Invoices",
        default="in_payment",
        required=True,
        help="In Payment: the payment waits on the journal's outstanding account to be matched "
        "with its bank statement line, as any payment registered by hand (Odoo shows such an "
        "invoice In Payment when that state is enabled, otherwise Paid).\n"
        "Paid: the payment is booked straight on the journal's own bank or cash account, as "
        "Odoo does for journals without statement matching: the payment and the invoice are "
        "Paid at once. Do not also import the bank statement lines of these payments into "
        "that journal.",
    )
    payment_last_fetch = fields.Datetime("Last Payment Fetch", copy=False, readonly=True)
    payment_fetch_error = fields.Text(copy=False, readonly=True)

    @api.depends("company_id")
    def _compute_payment_journals(self):
        for connection in self:
            company = connection.company_id
            for field_name, journal_type in (
                ("payment_bank_journal_id", "bank"),
                ("payment_cash_journal_id", "cash"),
            ):
                journal = connection[field_name]
                if journal and journal.company_id == company:
                    continue
                connection[field_name] = self.env["account.journal"].search(
                    [("type", "=", journal_type), ("company_id", "=", company.id)],
                    order="sequence, id",
                    limit=1,
                )

    def _procountor_payment_journals(self):
        """{kind: journal} for the kinds of ``payloads.payment_kind``."""
        self.ensure_one()
        return {
            payloads.BANK: self.payment_bank_journal_id,
            payloads.CASH: self.payment_cash_journal_id,
        }

    def _procountor_payment_missing(self):
        """What must be set up before any payment is fetched, as translated lines."""
        self.ensure_one()
        missing = []
        labels = {
            payloads.BANK: self.env._(
                "Procountor connection %(name)s has no journal for bank payments (Options tab, "
                "Payments).",
                name=self.name,
            ),
            payloads.CASH: self.env._(
                "Procountor connection %(name)s has no journal for cash payments (Options tab, "
                "Payments).",
                name=self.name,
            ),
        }
        for kind, journal in self._procountor_payment_journals().items():
            if not journal:
                missing.append(labels[kind])
                continue
            if journal.company_id != self.company_id:
                missing.append(
                    self.env._(
                        "Journal %(journal)s belongs to another company than the connection.",
                        journal=journal.display_name,
                    )
                )
            if not journal.inbound_payment_method_line_ids:
                missing.append(
                    self.env._(
                        "Journal %(journal)s has no incoming payment method.",
                        journal=journal.display_name,
                    )
                )
            if not journal.outbound_payment_method_line_ids:
                missing.append(
                    self.env._(
                        "Journal %(journal)s has no outgoing payment method (needed for "
                        "refunds of credit notes).",
                        journal=journal.display_name,
                    )
                )
            if self.payment_final_state == "paid" and not journal.default_account_id:
                missing.append(
                    self.env._(
                        "Journal %(journal)s has no account of its own, which the option "
                        "Paid books payments on.",
                        journal=journal.display_name,
                    )
                )
        return missing

    def action_procountor_check_payment_setup(self):
        """Notify what the payment fetch still needs (journals)."""
        self.ensure_one()
        self.check_access("read")
        missing = self._procountor_payment_missing()
        if missing:
            return self._procountor_notification(
                self.env._("Procountor payments"), "\n".join(missing), "warning"
            )
        return self._procountor_notification(
            self.env._("Procountor payments"),
            self.env._("Payments can be fetched from Procountor."),
        )

    def _procountor_payment_cron_domain(self):
        """Invoices and credit notes of this connection not yet paid in Odoo (or flagged)."""
        self.ensure_one()
        return [
            ("procountor_connection_id", "=", self.id),
            ("procountor_invoice_id", "!=", 0),
            ("state", "=", "posted"),
            ("move_type", "in", ("out_invoice", "out_refund")),
            "|",
            ("payment_state", "in", ("not_paid", "partial")),
            ("procountor_payment_attention", "=", True),
        ]

    def _procountor_store_payment_unexpected(self, exc):
        """``procountor_isolated``'s ``on_error`` of the payment cron."""
        self.ensure_one()
        self.write(
            {
                "payment_fetch_error": self.env._("Fetching payments failed: %(error)s", error=exc),
                "payment_last_fetch": fields.Datetime.now(),
            }
        )

    @api.model
    def _cron_procountor_fetch_payments(self):
        """Register the payments Procountor received, connection by connection.

        Each connection and each invoice is handled apart: an invoice's problem is stored on
        the invoice, an unexpected error of a connection is stored on the connection
        (``payment_fetch_error``) and logged, and the run goes on with the next one.
        """
        connections = self.search([("payment_fetch_enabled", "=", True)])
        done = 0
        for connection in connections:
            # One unit of work per connection (procountor_cron_guard): anything unexpected is
            # rolled back, logged with its traceback, stored on the connection, and the run
            # goes on with the next connection.
            with procountor_isolated(
                connection,
                connection._procountor_store_payment_unexpected,
                f"fetching payments of {connection.name}",
            ):
                summary = connection._procountor_cron_fetch_payments_one()
                done += summary.attempted
                connection.write(
                    {
                        "payment_fetch_error": summary.problem or False,
                        "payment_last_fetch": fields.Datetime.now(),
                    }
                )
                _logger.info(
                    "Procountor connection %s: payments %s", connection.id, summary.as_text()
                )
            if self._can_commit():
                self.env.cr.commit()  # pylint: disable=invalid-commit
        self.env["ir.cron"]._notify_progress(done=done, remaining=0)

    def _procountor_cron_fetch_payments_one(self):
        self.ensure_one()
        moves = self.env["account.move"].search(self._procountor_payment_cron_domain(), order="id")
        return moves._procountor_fetch_payments()
