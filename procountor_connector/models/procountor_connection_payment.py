# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging

from odoo import api, fields, models

from ..procountor_api import payloads
from .procountor_cron_guard import procountor_isolated

_logger = logging.getLogger(__name__)


class ProcountorConnection(models.Model):
    """Options of fetching payments from Procountor and the cron entry point."""

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
    payment_last_fetch = fields.Datetime(
        "Last Payment Fetch",
        copy=False,
        readonly=True,
        help="When the scheduled payment fetch of this connection last ran through without a "
        "failure; a failed run leaves it and stores its reason.",
    )
    payment_fetch_error = fields.Text("Payment Fetch Failure", copy=False, readonly=True)
    payment_fetch_error_date = fields.Datetime("Payment Fetch Failed On", copy=False, readonly=True)
    payment_type_journal_ids = fields.One2many(
        "procountor.payment.type.journal",
        "connection_id",
        "Payment Types Booked in a Journal",
        help="Procountor payment events of these types are registered as payments in the "
        "journal chosen here, instead of the decision of the connector (which flags events "
        "whose money did not reach the bank account Procountor reads).",
    )
    payment_discount_journal_id = fields.Many2one(
        "account.journal",
        "Journal for Cash Discounts",
        domain="[('type', '=', 'general'), ('company_id', '=', company_id)]",
        help="Cash discounts (CASHDISCOUNT events) are written off in an entry of this "
        "miscellaneous journal, reconciled with the invoice or bill.",
    )
    payment_discount_sale_account_id = fields.Many2one(
        "account.account",
        "Cash Discounts Granted Account",
        domain="[('company_ids', 'in', company_id), ('deprecated', '=', False)]",
        help="Account of cash discounts granted to customers (myönnetyt käteisalennukset). "
        "Empty: a cash discount on a sales invoice is flagged for the accountant.",
    )
    payment_discount_purchase_account_id = fields.Many2one(
        "account.account",
        "Cash Discounts Received Account",
        domain="[('company_ids', 'in', company_id), ('deprecated', '=', False)]",
        help="Account of cash discounts received from suppliers (saadut käteisalennukset). "
        "Empty: a cash discount on a vendor bill is flagged for the accountant.",
    )

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
        """{kind: journal} for the kinds of ``payloads.payment_kind`` booked as payments."""
        self.ensure_one()
        return {
            payloads.BANK: self.payment_bank_journal_id,
            payloads.CASH: self.payment_cash_journal_id,
        }

    def _procountor_payment_type_journals(self):
        """{Procountor event type: journal} the user chose on the connection."""
        self.ensure_one()
        return {row.event_type: row.journal_id for row in self.sudo().payment_type_journal_ids}

    def _procountor_payment_overrides(self):
        """{event type: kind} that replace the decision table for this connection."""
        self.ensure_one()
        return dict.fromkeys(self._procountor_payment_type_journals(), payloads.JOURNAL)

    def _procountor_discount_account(self, move):
        """The cash discount account of ``move``'s side (sales or purchases), or empty."""
        self.ensure_one()
        if move.is_sale_document(include_receipts=True):
            return self.payment_discount_sale_account_id
        return self.payment_discount_purchase_account_id

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
        journals = list(self._procountor_payment_journals().items())
        journals += list(self._procountor_payment_type_journals().items())
        for kind, journal in journals:
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
        missing += self._procountor_discount_missing()
        return missing

    def _procountor_discount_missing(self):
        """Cash discounts need a miscellaneous journal once an account is chosen, and one
        whose entries are not sent to Procountor (which booked the discount itself)."""
        if not (self.payment_discount_sale_account_id or self.payment_discount_purchase_account_id):
            return []
        journal = self.payment_discount_journal_id
        if not journal:
            return [
                self.env._(
                    "Procountor connection %(name)s has a cash discount account but no journal "
                    "for cash discounts (Options tab, Payments).",
                    name=self.name,
                )
            ]
        problems = []
        if journal.company_id != self.company_id or journal.type != "general":
            problems.append(
                self.env._(
                    "Journal %(journal)s is not a miscellaneous journal of the connection's "
                    "company.",
                    journal=journal.display_name,
                )
            )
        if journal in self.journal_send_journal_ids:
            problems.append(
                self.env._(
                    "Journal %(journal)s is sent to Procountor as ledger receipts: cash "
                    "discounts written off in it would be booked twice in Procountor. Choose "
                    "another journal for cash discounts.",
                    journal=journal.display_name,
                )
            )
        return problems

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
        """Invoices and credit notes of this connection not yet paid in Odoo (or flagged);
        with *Fetch Payments of Vendor Bills*, the bills sent to or imported from Procountor
        too."""
        self.ensure_one()
        sales = [
            ("procountor_connection_id", "=", self.id),
            ("procountor_invoice_id", "!=", 0),
            ("move_type", "in", ("out_invoice", "out_refund")),
        ]
        documents = sales
        if self.bill_import_payment_state:
            sent_bills = [
                ("procountor_connection_id", "=", self.id),
                ("procountor_invoice_id", "!=", 0),
                ("move_type", "in", ("in_invoice", "in_refund")),
            ]
            imported_bills = [
                ("procountor_bill_connection_id", "=", self.id),
                ("procountor_bill_id", "!=", 0),
                ("move_type", "in", ("in_invoice", "in_refund")),
            ]
            documents = ["|", "|", "&", "&", *sales, "&", "&", *sent_bills, "&", "&"]
            documents += imported_bills
        return [
            ("state", "=", "posted"),
            *documents,
            "|",
            ("payment_state", "in", ("not_paid", "partial")),
            ("procountor_payment_attention", "=", True),
        ]

    def _procountor_store_payment_failure(self, message):
        """A run that failed: its reason on the connection; ``payment_last_fetch`` stays the
        time of the last run that got through."""
        self.ensure_one()
        self.sudo().write(
            {"payment_fetch_error": message, "payment_fetch_error_date": fields.Datetime.now()}
        )

    def _procountor_store_payment_unexpected(self, exc):
        """``procountor_isolated``'s ``on_error`` of the payment cron."""
        self.ensure_one()
        self._procountor_store_payment_failure(
            self.env._("Fetching payments failed: %(error)s", error=exc)
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
                if summary.problem:
                    connection._procountor_store_payment_failure(summary.problem)
                else:
                    connection.sudo().write(
                        {
                            "payment_fetch_error": False,
                            "payment_fetch_error_date": False,
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
