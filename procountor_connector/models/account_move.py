# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Sales invoices and credit notes → Procountor, exactly once.

The payload itself is built by plain functions (``procountor_api.payloads``) from a neutral
``SalesInvoiceData`` that ``_procountor_prepare`` extracts here, together with every check that
must pass before any HTTP call.
"""

import hashlib
import json
import logging
from datetime import timedelta
from decimal import Decimal

import psycopg2

from odoo import _, api, fields, models, modules, tools
from odoo.exceptions import AccessError, UserError
from odoo.tools import html2plaintext, mute_logger, split_every
from odoo.tools.translate import LazyTranslate

from ..procountor_api import payloads
from ..procountor_api.exceptions import ProcountorError

_logger = logging.getLogger(__name__)
_lt = LazyTranslate(__name__)

PROCOUNTOR_USER_GROUP = "procountor_connector.group_procountor_user"
SALES_MOVE_TYPES = ("out_invoice", "out_refund")

#: Steps of the pipeline, in order. ``created`` is reached by ``POST /invoices``; the
#: others are optional, chosen on the connection (``_procountor_invoice_steps``).
PROCOUNTOR_STEPS = [
    ("none", "Not Created"),
    ("created", "Created"),
    ("accounting", "Accounting Rows Set"),
    ("attached", "PDF Attached"),
    ("approved", "Approved"),
    ("sent", "Sent by Procountor"),
]
STEP_ORDER = [step for step, _label in PROCOUNTOR_STEPS]

#: A claim ("I am sending this invoice now") older than this is considered abandoned (the
#: worker died): longer than the slowest attempt (POST, then upload with its 60 s timeout).
CLAIM_LEASE = timedelta(minutes=15)

#: Invoices whose PDFs are rendered together (Odoo's own default for its Send wizard).
PDF_BATCH_SIZE = 80

#: Procountor statuses after which a sales invoice can no longer be changed through the API.
REMOTE_EDITABLE_STATUS = "UNFINISHED"
REMOTE_INVALIDATED_STATUS = payloads.INVALIDATED

#: Procountor error codes → (what it means, how to fix it). Codes from api-notes §6.
PROCOUNTOR_ERROR_HELP = {
    "CLOSED_FISCAL_PERIOD": (
        _lt("The invoice date is in a closed accounting period in Procountor."),
        _lt(
            "Open the period in Procountor (accounting periods of the fiscal year) or give the "
            "invoice a date in an open period."
        ),
    ),
    "BANK_ACCOUNT_DOES_NOT_BELONG_TO_THIS_COMPANY": (
        _lt("The bank account on the invoice is not a bank account of the Procountor company."),
        _lt(
            "Fetch the settings from Procountor and map the invoice's bank journal to one of "
            "the company's Procountor bank accounts (connection, Mappings tab)."
        ),
    ),
    "ERROR_VATSTATUS_VATPERC": (
        _lt("The VAT status and the VAT percent of a row do not fit together."),
        _lt("Correct the Procountor VAT status in the tax mapping of the row's tax."),
    ),
    "DUE_DATE_BEFORE_BILL_DATE": (
        _lt("The due date is before the invoice date."),
        _lt("Correct the payment terms or the due date of the invoice."),
    ),
    "ERROR_BRN_CODE": (
        _lt("The customer's business ID or VAT number is malformed."),
        _lt("Correct the customer's VAT number or company registry number."),
    ),
    "ERROR_LEDGERACCOUNT_VATPERCENTAGE_COMBINATION": (
        _lt("A ledger account does not exist in Procountor or does not allow this VAT."),
        _lt("Correct the account mapping, or the VAT settings of the account in Procountor."),
    ),
    "DIMENSION_OR_DIMENSION_ITEM_IDENTIFIERS_DOES_NOT_MATCH_THOSE_STORED_IN_DATABASE": (
        _lt("A dimension or dimension item is unknown or closed in Procountor."),
        _lt("Fetch the settings from Procountor and correct the analytic account mapping."),
    ),
    "MAY_NOT_BE_EMPTY": (
        _lt("A value Procountor requires is missing."),
        _lt("Fill in the field named in the message (often on the customer) and send again."),
    ),
    "VAT_PERCENT_NOT_IN_USE": (
        _lt("A VAT percent is not in use in the Procountor company on the invoice date."),
        _lt("Enable the VAT percent in Procountor's VAT defaults, or correct the tax mapping."),
    ),
    "VAT_STATUS_NOT_IN_USE": (
        _lt("A VAT status is not enabled for sales in the Procountor company."),
        _lt("Enable the VAT status in Procountor, or correct the tax or fiscal position mapping."),
    ),
    "INVALID_BANK_REFERENCE_CODE": (
        _lt("The payment reference is not a valid Finnish or RF reference."),
        _lt("Use a Finnish or RF reference model on the sales journal."),
    ),
}


class ProcountorMappingLookup:
    """A connection's mappings as plain values, read once per batch.

    Every commit between two invoices empties Odoo's record cache, and each invoice asks for
    the same few taxes, units and journals again: plain dictionaries keep those answers for
    the whole batch instead of re-reading the mapping tables per invoice line.
    """

    def __init__(self, connection):
        self.default_channel = connection.invoice_default_channel
        self.accounting_rows = connection.invoice_accounting_rows
        # tax id -> (percent, percent usable: active, from, to) and status code; None if unset
        self.taxes = {}
        for mapping in connection.tax_mapping_ids:
            percent, status = mapping.vat_percent_id, mapping.vat_status_id
            self.taxes[mapping.tax_id.id] = (
                (percent.percent, percent.active, percent.date_from, percent.date_to)
                if percent
                else None,
                status.code if status else None,
            )
        self.fiscal_positions = {
            mapping.fiscal_position_id.id: mapping.vat_status_id.code or None
            for mapping in connection.fiscal_position_mapping_ids
        }
        self.units = {mapping.uom_id.id: mapping.unit for mapping in connection.uom_mapping_ids}
        self.ibans = {
            mapping.journal_id.id: mapping.bank_account_id.iban or ""
            for mapping in connection.journal_mapping_ids
        }
        self.journal_by_bank = {}  # res.partner.bank id -> (journal id, journal name)

    @staticmethod
    def percent_valid_on(percent, day):
        _value, active, date_from, date_to = percent
        return active and (not date_from or date_from <= day) and (not date_to or day <= date_to)


class ProcountorSendSummary:
    """Outcome of a send over many invoices: which were sent, skipped and failed."""

    def __init__(self, env):
        empty = env["account.move"]
        self.sent = empty
        self.skipped = empty
        self.failed = empty

    def add(self, outcome, move):
        setattr(self, outcome, getattr(self, outcome) | move)


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "procountor.exchange.mixin"]

    # Allowed transitions of ``procountor_state`` (each arrow is one write):
    #
    #   not_sent ──checks fail──────────────────────────────▶ error
    #   not_sent / error ──claim (durable, before the POST)──▶ sending
    #   sending ──POST answered 2xx (id stored at once)─────▶ sending (optional steps left)
    #                                                       └▶ sent    (no steps left)
    #   sending ──steps done────────────────────────────────▶ sent
    #   sending ──POST refused (4xx, nothing created)───────▶ error
    #   sending ──timeout / 5xx / lost answer / crash───────▶ sending  (create_unknown stays set:
    #             the next attempt first looks the invoice up by originalInvoiceNumber and
    #             adopts it instead of POSTing again)
    #   sending ──a later step fails (id known)─────────────▶ error    (a retry resumes the steps)
    #   sent ──reset to draft, changed, posted again────────▶ sent + procountor_outdated
    #   sent + outdated ──send: Procountor still UNFINISHED─▶ sent (PUT with version)
    #   sent + outdated ──send: Procountor INVALIDATED──────▶ sending (a new Procountor invoice)
    #   sent + outdated ──send: any other Procountor status─▶ sent, refused with an explanation
    procountor_state = fields.Selection(
        [
            ("not_sent", "Not Sent"),
            ("sending", "Sending"),
            ("sent", "Sent"),
            ("error", "Error"),
        ],
        default="not_sent",
        required=True,
        copy=False,
        readonly=True,
        index=True,
    )
    procountor_connection_id = fields.Many2one(
        "procountor.connection",
        copy=False,
        readonly=True,
        index="btree_not_null",
    )
    procountor_invoice_id = fields.Integer(
        "Procountor Invoice ID", copy=False, readonly=True, index=True
    )
    procountor_invoice_number = fields.Integer(copy=False, readonly=True)
    procountor_status = fields.Char(
        "Status in Procountor", copy=False, readonly=True, help="Procountor's status of the invoice"
    )
    procountor_version = fields.Char(
        copy=False, readonly=True, help="Procountor's version, for updates"
    )
    procountor_ledger_receipt_id = fields.Integer(
        "Procountor Ledger Receipt ID", copy=False, readonly=True
    )
    procountor_step = fields.Selection(
        PROCOUNTOR_STEPS,
        default="none",
        required=True,
        copy=False,
        readonly=True,
    )
    procountor_error = fields.Text(copy=False, readonly=True)
    procountor_error_retryable = fields.Boolean(
        copy=False, readonly=True, help="The last error may go away by itself: the cron retries."
    )
    procountor_create_unknown = fields.Boolean(
        "Procountor Creation Unconfirmed",
        copy=False,
        readonly=True,
        help="A creation was sent without a confirmed answer: Procountor is searched for the "
        "invoice before anything is created again.",
    )
    procountor_claimed_at = fields.Datetime(
        copy=False, readonly=True, help="When a worker started sending; empty when none is."
    )
    procountor_attempt_date = fields.Datetime("Last Procountor Attempt", copy=False, readonly=True)
    procountor_payload_hash = fields.Char(copy=False, readonly=True)
    procountor_outdated = fields.Boolean(
        "Changed Since Sent to Procountor",
        copy=False,
        readonly=True,
        help="The invoice was reset to draft and changed after it was sent to Procountor.",
    )

    # ------------------------------------------------------------------ ORM

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        posted.filtered("procountor_payload_hash")._procountor_flag_if_changed()
        return posted

    def _procountor_flag_if_changed(self):
        """Mark invoices whose Procountor content changed since they were sent."""
        for move in self:
            # Bookkeeping of every re-post, whoever posts: the mappings are read as superuser.
            connection = move.procountor_connection_id.sudo()
            if not connection:
                continue
            data, problems = move._procountor_prepare(connection)
            digest = False if problems else _payload_hash(payloads.build_sales_invoice(data))
            if digest != move.procountor_payload_hash and not move.procountor_outdated:
                move._procountor_write({"procountor_outdated": True})
                move._message_log(
                    body=_(
                        "This invoice changed after it was sent to Procountor "
                        "(invoice %(number)s). Send it again to update Procountor.",
                        number=move.procountor_invoice_number or move.procountor_invoice_id,
                    )
                )

    # ------------------------------------------------------------------ actions

    def action_procountor_send(self):
        """Send the selected posted invoices and credit notes; a notification sums up."""
        self._procountor_check_access()
        summary = self._procountor_send_batch()
        return self._procountor_summary_notification(summary)

    def _procountor_check_access(self):
        if not self.env.user.has_group(PROCOUNTOR_USER_GROUP):
            raise AccessError(_("Only Procountor users may send invoices to Procountor."))
        self.check_access("write")

    def _procountor_summary_notification(self, summary):
        lines = [
            _(
                "%(sent)s sent, %(skipped)s skipped, %(failed)s failed.",
                sent=len(summary.sent),
                skipped=len(summary.skipped),
                failed=len(summary.failed),
            )
        ]
        for move in summary.failed[:10]:
            first = (move.procountor_error or "").strip().splitlines()
            lines.append(f"{move.name}: {first[0] if first else '?'}")
        if len(summary.failed) > 10:
            lines.append(_("… and %(count)s more.", count=len(summary.failed) - 10))
        kind = "danger" if summary.failed else ("success" if summary.sent else "warning")
        return self.env["procountor.connection"]._procountor_notification(
            _("Procountor"), "\n".join(lines), kind
        )

    # ------------------------------------------------------------------ sending

    @api.model
    def _procountor_can_commit(self):
        """Commit only outside tests (both flags: pytest-odoo sets only ``test_enable``)."""
        return not tools.config["test_enable"] and not modules.module.current_test

    def _procountor_commit(self):
        if self._procountor_can_commit():
            # Makes the claim or the Procountor id durable before/after the HTTP call: a
            # crash or a request retried by Odoo must find them (exactly-once sending).
            self.env.cr.commit()  # pylint: disable=invalid-commit

    def _procountor_is_candidate(self):
        self.ensure_one()
        return self.state == "posted" and self.move_type in SALES_MOVE_TYPES

    def _procountor_send_batch(self, from_cron=False, pdf_by_move=None):
        """Send every candidate of ``self``; one invoice's failure never stops the others.

        ``pdf_by_move`` ({move: (filename, bytes)}) gives PDFs rendered by the caller (the
        Send wizard). Returns a ``ProcountorSendSummary``.
        """
        summary = ProcountorSendSummary(self.env)
        candidates = self.filtered(lambda move: move._procountor_is_candidate())
        for move in self - candidates:
            summary.add("skipped", move)
        for connection, moves in candidates.grouped(
            lambda move: move._procountor_target_connection()
        ).items():
            if not connection or not connection.active:
                for move in moves:
                    move._procountor_fail_before_http(
                        [
                            _(
                                "The company %(company)s has no active Procountor connection.",
                                company=move.company_id.name,
                            )
                        ]
                    )
                    summary.add("failed", move)
                continue
            moves._procountor_send_with_connection(connection, summary, pdf_by_move or {})
        return summary

    def _procountor_target_connection(self):
        """The connection an invoice goes to: the one that has it already, else its company's."""
        self.ensure_one()
        if self.procountor_invoice_id and self.procountor_connection_id:
            return self.procountor_connection_id
        return self.company_id.procountor_connection_id

    def _procountor_send_with_connection(self, connection, summary, pdf_by_move):
        try:
            client = connection._procountor_client()
        except UserError as exc:
            # The connection lacks credentials: nothing can be sent, say so on each invoice.
            for move in self:
                move._procountor_fail_before_http([str(exc)])
                summary.add("failed", move)
            return
        lookup = ProcountorMappingLookup(connection)
        with client:
            for chunk in split_every(PDF_BATCH_SIZE, self.ids, self.browse):
                pdfs = dict(pdf_by_move)
                if connection.invoice_attach_pdf:
                    pdfs.update(chunk._procountor_render_missing_pdfs(pdf_by_move))
                for move in chunk:
                    # Each exchange of the client is logged against the invoice it concerns.
                    client.on_exchange = move._procountor_exchange_logger(connection)
                    outcome = move._procountor_send_one(connection, client, pdfs.get(move), lookup)
                    summary.add(outcome, move)
                    move._procountor_commit()

    def _procountor_render_missing_pdfs(self, known):
        """{move: (filename, bytes)} for the invoices whose PDF step is still to come and
        that have no PDF yet, rendered together (one wkhtmltopdf run per batch, as Odoo's
        Send does) instead of one run per invoice."""
        todo = self.filtered(
            lambda move: (
                move not in known
                and not move.invoice_pdf_report_id
                and move._procountor_is_candidate()
                and (
                    move.procountor_outdated
                    or STEP_ORDER.index(move.procountor_step) < STEP_ORDER.index("attached")
                )
            )
        )
        if not todo:
            return {}
        report = "account.account_invoices"
        Report = self.env["ir.actions.report"].with_company(todo[0].company_id)
        try:
            with self.env.cr.savepoint():
                content, report_type = Report._pre_render_qweb_pdf(report, res_ids=todo.ids)
                content_by_id = Report._get_splitted_report(report, content, report_type)
        except Exception:  # noqa: BLE001 - any rendering failure: retried per invoice below
            # Not swallowed: each invoice renders its own PDF in the attach step, where a
            # failure is stored on that invoice; the batch is only an optimisation.
            _logger.exception("Rendering %s invoice PDFs together failed", len(todo))
            return {}
        return {
            move: (move._get_invoice_report_filename(), content_by_id[move.id])
            for move in todo
            if content_by_id.get(move.id)
        }

    def _procountor_exchange_logger(self, connection):
        def log(exchange):
            connection._procountor_log_exchange(exchange, self)

        return log

    def _procountor_try_lock(self):
        """Lock the invoice row for this transaction; False when another worker has it."""
        self.ensure_one()
        try:
            # A busy row is an expected answer here, not a failed query: without mute_logger
            # odoo.sql_db logs every skipped invoice as an ERROR "bad query".
            with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                self.env.cr.execute(
                    "SELECT id FROM account_move WHERE id = %s FOR NO KEY UPDATE NOWAIT", [self.id]
                )
        except (psycopg2.errors.LockNotAvailable, psycopg2.errors.SerializationFailure):
            # Another transaction holds the row, or changed it since ours began: it is being
            # sent (or edited) elsewhere right now.
            return False
        # What other workers committed before we got the lock must be what we look at.
        self.invalidate_recordset()
        return True

    def _procountor_claim_is_active(self):
        self.ensure_one()
        claimed = self.procountor_claimed_at
        return bool(claimed) and fields.Datetime.now() - claimed < CLAIM_LEASE

    def _procountor_send_one(self, connection, client, pdf=None, lookup=None):
        """Send one invoice as far as the connection's steps go. Returns the outcome:
        ``sent``, ``skipped`` (already done, or being sent by another worker) or ``failed``.
        """
        self.ensure_one()
        if not self._procountor_try_lock():
            return "skipped"
        if not self._procountor_is_candidate():
            return "skipped"
        if self.procountor_state == "sent" and not self.procountor_outdated:
            return "skipped"
        if self.procountor_state == "sending" and self._procountor_claim_is_active():
            return "skipped"
        data, problems = self._procountor_prepare(connection, lookup)
        if problems:
            self._procountor_fail_before_http(problems)
            return "failed"
        try:
            if self.procountor_invoice_id and self.procountor_outdated:
                return self._procountor_update_remote(connection, client, data, pdf)
            resumed = bool(self.procountor_invoice_id)
            if not resumed:
                self._procountor_create_once(connection, client, data)
            self._procountor_run_steps(connection, client, pdf, resumed=resumed)
        except ProcountorError as exc:
            self._procountor_fail_remote(exc)
            return "failed"
        return "sent"

    # ------------------------------------------------------------------ exactly-once creation

    def _procountor_create_once(self, connection, client, data):
        """Create the Procountor invoice, or adopt the one an unconfirmed attempt made
        (``payloads.create_once``: search by number first when ``procountor_create_unknown``).

        Only a POST answered 4xx clears ``procountor_create_unknown``: after a timeout, a
        5xx, a lost answer or a crash it stays set for the next attempt.
        """
        body = payloads.build_sales_invoice(data)
        try:
            remote, adopted = payloads.create_once(
                client,
                body,
                create_unknown=self.procountor_create_unknown,
                claim=lambda: self._procountor_claim(connection),
            )
        except ProcountorError as exc:
            if (
                self.procountor_create_unknown
                and not exc.ambiguous
                and exc.operation == "create_invoice"
            ):
                # Procountor answered the POST and created nothing: a new POST is safe later.
                self._procountor_write({"procountor_create_unknown": False})
            raise
        self._procountor_store_created(connection, remote, body, adopted=adopted)

    def _procountor_claim(self, connection):
        """Durably mark the invoice as being sent, before the POST leaves."""
        self._procountor_write(
            {
                "procountor_state": "sending",
                "procountor_create_unknown": True,
                "procountor_claimed_at": fields.Datetime.now(),
                "procountor_connection_id": connection.id,
            }
        )
        self._procountor_commit()

    def _procountor_store_created(self, connection, remote, body, adopted=False):
        """One write with everything Procountor answered, then commit."""
        steps_left = bool(connection._procountor_invoice_steps())
        vals = {
            "procountor_state": "sending" if steps_left else "sent",
            "procountor_step": "created",
            "procountor_connection_id": connection.id,
            "procountor_create_unknown": False,
            "procountor_error": False,
            "procountor_error_retryable": False,
            "procountor_payload_hash": _payload_hash(body),
            "procountor_outdated": False,
            **self._procountor_remote_vals(remote),
        }
        if not steps_left:
            vals.update(procountor_claimed_at=False, procountor_attempt_date=fields.Datetime.now())
        elif adopted:
            # The commit below releases the row lock while the steps are still to run. An
            # adoption made no claim (only a POST does): without one, a second worker would
            # take the invoice as abandoned and run the same steps (second PDF, second send).
            vals["procountor_claimed_at"] = fields.Datetime.now()
        self._procountor_write(vals)
        if adopted:
            self._message_log(
                body=_(
                    "Procountor already had this invoice (id %(id)s) from an earlier attempt "
                    "whose answer was lost: it was adopted, not created again.",
                    id=remote.get("id"),
                )
            )
        self._procountor_check_remote_totals(remote, body)
        self._procountor_commit()

    @api.model
    def _procountor_remote_vals(self, remote):
        vals = {
            "procountor_invoice_id": int(remote["id"]),
            "procountor_status": remote.get("status") or False,
            "procountor_version": remote.get("version") or False,
        }
        if remote.get("invoiceNumber"):
            vals["procountor_invoice_number"] = int(remote["invoiceNumber"])
        if remote.get("ledgerReceiptId"):
            vals["procountor_ledger_receipt_id"] = int(remote["ledgerReceiptId"])
        return vals

    def _procountor_check_remote_totals(self, remote, body):
        """Note on the invoice when Procountor's sums differ from Odoo's."""
        remote_totals = payloads.remote_totals(remote, self.currency_id.name)
        if remote_totals is None:
            return
        odoo_totals = self._procountor_odoo_totals()
        if remote_totals.as_tuple() != odoo_totals.as_tuple():
            self._message_log(
                body=_(
                    "Procountor computed other totals than Odoo: %(remote)s instead of %(odoo)s "
                    "(without VAT, VAT, total).",
                    remote=" / ".join(str(value) for value in remote_totals.as_tuple()),
                    odoo=" / ".join(str(value) for value in odoo_totals.as_tuple()),
                )
            )

    def _procountor_odoo_totals(self):
        """Odoo's totals in the invoice currency, signed like the Procountor body."""
        sign = -1 if self.move_type == "out_refund" else 1
        untaxed = payloads.round_cents(sign * payloads.to_decimal(self.amount_untaxed))
        tax = payloads.round_cents(sign * payloads.to_decimal(self.amount_tax))
        return payloads.Totals(untaxed, tax, untaxed + tax)

    # ------------------------------------------------------------------ steps after creation

    def _procountor_run_steps(self, connection, client, pdf=None, resumed=False):
        """Run the connection's optional steps not yet done, then record the outcome.

        ``resumed``: an earlier attempt may have done more than it recorded (it died between
        a step and its write), so the Procountor invoice is read first and steps it shows as
        done are skipped: no second attachment, no approving twice.
        """
        steps = connection._procountor_invoice_steps()
        done = STEP_ORDER.index(self.procountor_step)
        todo = [step for step in steps if STEP_ORDER.index(step) > done]
        remote = client.get_invoice(self.procountor_invoice_id) if resumed and todo else None
        reached = self.procountor_step
        status = remote.get("status") if remote else self.procountor_status
        try:
            for step in todo:
                status = self._procountor_run_step(step, connection, client, pdf, remote, status)
                reached = step
        except ProcountorError:
            self._procountor_write(
                {"procountor_step": reached, "procountor_status": status or False}
            )
            raise
        vals = {
            "procountor_state": "sent",
            "procountor_step": reached,
            "procountor_status": status or False,
            "procountor_error": False,
            "procountor_error_retryable": False,
            "procountor_claimed_at": False,
            "procountor_attempt_date": fields.Datetime.now(),
        }
        if remote:
            vals["procountor_version"] = remote.get("version") or self.procountor_version
        if todo or self.procountor_state != "sent":
            self._procountor_write(vals)

    def _procountor_run_step(self, step, connection, client, pdf, remote, status):
        """Run one step; returns Procountor's status of the invoice afterwards."""
        remote_id = self.procountor_invoice_id
        if step == "accounting":
            self._procountor_step_accounting(connection, client)
        elif step == "attached":
            self._procountor_step_attach(client, pdf, remote)
        elif step == "approved" and status == REMOTE_EDITABLE_STATUS:
            client.approve_invoice(remote_id)
            status = "NOT_SENT"
        elif step == "sent" and status != "SENT":
            client.send_invoice(remote_id)
            status = "SENT"
        return status

    def _procountor_step_attach(self, client, pdf, remote):
        if not pdf:
            try:
                with self.env.cr.savepoint():
                    pdf = self._procountor_invoice_pdf()
            except Exception as exc:  # noqa: BLE001 - reports fail in many ways (wkhtmltopdf)
                _logger.exception("Rendering the PDF of %s failed", self.name)
                raise ProcountorError(
                    _("The invoice PDF could not be rendered: %(error)s", error=exc)
                ) from exc
        filename, content = pdf
        known = {attachment.get("name") for attachment in (remote or {}).get("attachments") or ()}
        if filename in known:
            return
        meta = {
            "referenceType": "INVOICE",
            "referenceId": self.procountor_invoice_id,
            "sendWithInvoice": True,
        }
        client.upload_attachment(meta, filename, content)

    def _procountor_invoice_pdf(self):
        """(filename, bytes) of the invoice PDF: the one Odoo stored, else rendered now.

        Under tests Odoo renders HTML instead of a PDF; those bytes go up all the same.
        """
        self.ensure_one()
        if self.invoice_pdf_report_id:
            return self.invoice_pdf_report_id.name, self.invoice_pdf_report_id.raw
        report = "account.account_invoices"
        Report = self.env["ir.actions.report"].with_company(self.company_id)
        content, report_type = Report._pre_render_qweb_pdf(report, res_ids=self.ids)
        content_by_id = Report._get_splitted_report(report, content, report_type)
        return self._get_invoice_report_filename(), content_by_id[self.id]

    def _procountor_step_accounting(self, connection, client):
        """Write Odoo's accounts and analytic distribution on the invoice's accounting page.

        With ``accountingByRow`` Procountor makes one ENTRY per invoice row, in row order,
        and one REVERSING_ENTRY for the receivable.
        """
        receipt = client.get_ledger_receipt(self.procountor_ledger_receipt_id)
        lines = self._procountor_product_lines()
        entries = [
            t for t in receipt.get("transactions") or () if t.get("transactionType") == "ENTRY"
        ]
        if len(entries) != len(lines):
            raise ProcountorError(
                _(
                    "The accounting page of Procountor invoice %(id)s has %(entries)s rows for "
                    "%(lines)s invoice lines; set the accounts in Procountor.",
                    id=self.procountor_invoice_id,
                    entries=len(entries),
                    lines=len(lines),
                )
            )
        for entry, line in zip(entries, lines, strict=True):
            entry["account"] = connection._procountor_ledger_account_code(line.account_id)
            values = self._procountor_dimension_values(
                connection, line, entry.get("accountingValue")
            )
            if values:
                entry["dimensionItemValues"] = values
        receivable = self.line_ids.filtered(lambda line: line.display_type == "payment_term")[:1]
        for transaction in receipt.get("transactions") or ():
            if transaction.get("transactionType") == "REVERSING_ENTRY" and receivable:
                transaction["account"] = connection._procountor_ledger_account_code(
                    receivable.account_id
                )
        client.update_ledger_receipt(self.procountor_ledger_receipt_id, receipt)

    @api.model
    def _procountor_dimension_values(self, connection, line, accounting_value):
        """Procountor ``dimensionItemValues`` of a line's analytic distribution.

        Each dimension's values add up to the row's amount (the last item takes the rounding
        remainder); amounts are absolute, as Procountor documents them.
        """
        amount = abs(payloads.round_cents(accounting_value or 0))
        shares = {}
        for key, percent in (line.analytic_distribution or {}).items():
            for account_id in str(key).split(","):
                analytic = self.env["account.analytic.account"].browse(int(account_id))
                item = connection._procountor_dimension_item(analytic)
                if item:
                    shares.setdefault(item.dimension_id, []).append((item, Decimal(str(percent))))
        values = []
        for dimension, items in shares.items():
            left = amount
            for index, (item, percent) in enumerate(items):
                value = (
                    left
                    if index == len(items) - 1
                    else payloads.round_cents(amount * percent / 100)
                )
                left -= value
                values.append(
                    {
                        "dimensionId": dimension.procountor_id,
                        "itemId": item.procountor_id,
                        "value": float(value),
                    }
                )
        return values

    # ------------------------------------------------------------------ updating a sent invoice

    def _procountor_update_remote(self, connection, client, data, pdf):
        """The invoice changed after it was sent: PUT it while Procountor allows, else refuse."""
        remote = client.get_invoice(self.procountor_invoice_id)
        status = remote.get("status")
        if status == REMOTE_INVALIDATED_STATUS:
            # Invalidated in Procountor as we advised: forget it and create a new one.
            self._procountor_write(
                {
                    "procountor_invoice_id": 0,
                    "procountor_invoice_number": 0,
                    "procountor_ledger_receipt_id": 0,
                    "procountor_step": "none",
                    "procountor_status": False,
                    "procountor_version": False,
                    "procountor_outdated": False,
                }
            )
            self._procountor_create_once(connection, client, data)
            self._procountor_run_steps(connection, client, pdf)
            return "sent"
        if status != REMOTE_EDITABLE_STATUS:
            self._procountor_write(
                {
                    "procountor_status": status or False,
                    "procountor_error": _(
                        "Procountor invoice %(number)s is %(status)s: Procountor accepts changes "
                        "only while an invoice is unfinished.\nTo correct it, either invalidate it "
                        "in Procountor and send this invoice again (a new Procountor invoice is "
                        "created), or create a credit note in Odoo for the difference and send "
                        "that.",
                        number=remote.get("invoiceNumber") or self.procountor_invoice_id,
                        status=status,
                    ),
                    "procountor_error_retryable": False,
                    "procountor_attempt_date": fields.Datetime.now(),
                }
            )
            return "failed"
        if connection.invoice_attach_pdf:
            self._procountor_delete_stale_pdfs(client, remote, pdf)
        body = payloads.build_sales_invoice_update(data, remote.get("version"))
        updated = client.update_invoice(self.procountor_invoice_id, body)
        vals = {
            **self._procountor_remote_vals(updated),
            "procountor_step": "created",
            "procountor_payload_hash": _payload_hash(payloads.build_sales_invoice(data)),
            "procountor_outdated": False,
            "procountor_error": False,
        }
        self._procountor_write(vals)
        self._message_log(body=_("The Procountor invoice was updated with the changed invoice."))
        self._procountor_commit()
        self._procountor_run_steps(connection, client, pdf)
        if self.procountor_state != "sent":
            self._procountor_write(
                {"procountor_state": "sent", "procountor_attempt_date": fields.Datetime.now()}
            )
        return "sent"

    def _procountor_delete_stale_pdfs(self, client, remote, pdf):
        """Remove the invoice PDFs uploaded before the invoice changed.

        The steps after the update upload the new PDF; the old one, still marked
        ``sendWithInvoice``, would otherwise go to the customer with it. Done before the PUT:
        if anything fails, ``procountor_outdated`` stays set and the next attempt repeats the
        whole update, so no stale PDF is ever left next to the new one.
        """
        names = {self._get_invoice_report_filename(), self.invoice_pdf_report_id.name}
        if pdf:
            names.add(pdf[0])
        for attachment in remote.get("attachments") or ():
            if attachment.get("name") in names and attachment.get("id"):
                client.request(
                    "DELETE",
                    f"/attachments/{int(attachment['id'])}",
                    operation="delete_attachment",
                    expected=(200, 204),
                )

    # ------------------------------------------------------------------ failures

    def _procountor_write(self, vals):
        """Write Procountor bookkeeping fields (never accounting data) in one write.

        Only ``procountor_*`` fields are written here, so the accounting machinery that a
        write on a posted invoice triggers is skipped: the sync of tax and payment-term lines
        (``skip_invoice_sync``) and the balance check (``check_move_validity``) would find
        nothing to do at about 20 ms each. Nor is the invoice marked as manually modified.
        """
        if not all(name.startswith("procountor_") for name in vals):
            raise ValueError(f"not a Procountor field in {sorted(vals)}")
        self.with_context(
            skip_is_manually_modified=True,
            tracking_disable=True,
            skip_invoice_sync=True,
            check_move_validity=False,
        ).write(vals)

    def _procountor_fail_before_http(self, problems):
        """Checks failed: nothing was sent. The error lists every problem at once."""
        self.ensure_one()
        text = (
            _("Not sent to Procountor:") + "\n" + "\n".join(f"• {problem}" for problem in problems)
        )
        vals = {
            "procountor_error": text,
            "procountor_error_retryable": True,
            "procountor_attempt_date": fields.Datetime.now(),
        }
        # An unconfirmed creation keeps "sending": the next attempt must look Procountor up.
        if not self.procountor_create_unknown and self.procountor_state != "sent":
            vals["procountor_state"] = "error"
        self._procountor_write(vals)

    def _procountor_fail_remote(self, error):
        """Store a failed call; an unconfirmed creation stays ``sending`` (see the diagram)."""
        self.ensure_one()
        vals = {
            "procountor_error": self._procountor_explain(error),
            "procountor_error_retryable": bool(error.retryable),
            "procountor_claimed_at": False,
            "procountor_attempt_date": fields.Datetime.now(),
        }
        if self.procountor_create_unknown:
            vals["procountor_state"] = "sending"
        elif not (self.procountor_state == "sent" and self.procountor_outdated):
            vals["procountor_state"] = "error"
        self._procountor_write(vals)
        _logger.info("Procountor: sending %s failed: %s", self.name, error.message)

    @api.model
    def _procountor_explain(self, error):
        """Readable text of a Procountor error: the codes with what they mean and the fix."""
        parts = [error.message]
        if getattr(error, "ambiguous", False):
            parts.append(
                _(
                    "Procountor may have received the invoice; the next attempt looks it up "
                    "before creating anything."
                )
            )
        for item in error.errors:
            explanation = PROCOUNTOR_ERROR_HELP.get(item.message or "")
            if explanation:
                meaning, fix = explanation
                where = f" ({item.field})" if item.field else ""
                parts.append(f"{item.message}{where}: {meaning} {_('Fix:')} {fix}")
        return "\n".join(str(part) for part in parts)

    # ------------------------------------------------------------------ payload data and checks

    def _procountor_product_lines(self):
        self.ensure_one()
        return self.invoice_line_ids.filtered(lambda line: line.display_type == "product")

    def _procountor_prepare(self, connection, lookup=None):
        """``(SalesInvoiceData, [])`` or ``(None, problems)``: every problem found, translated.

        ``lookup``: the connection's ``ProcountorMappingLookup`` when a batch has one.
        """
        self.ensure_one()
        lookup = lookup or ProcountorMappingLookup(connection)
        problems = []
        partner = self.commercial_partner_id
        channel = partner.procountor_invoice_channel or lookup.default_channel
        problems += self._procountor_check_partner(partner, channel)
        lines, line_problems = self._procountor_lines_data(lookup)
        problems += line_problems
        vat_status = None
        if self.fiscal_position_id:
            vat_status = lookup.fiscal_positions.get(self.fiscal_position_id.id)
            if vat_status is None:
                problems.append(
                    _(
                        "Fiscal position %(position)s has no Procountor VAT status "
                        "(connection, Mappings tab).",
                        position=self.fiscal_position_id.display_name,
                    )
                )
        iban, bank_problems = self._procountor_bank_iban(lookup)
        problems += bank_problems
        problems += self._procountor_check_currency()
        if lookup.accounting_rows:
            problems += self._procountor_check_accounting(connection)
        if len(self.name or "") > payloads.MAX_LENGTHS["originalInvoiceNumber"]:
            problems.append(_("The invoice number is longer than 40 characters."))
        if problems:
            return None, problems
        data = self._procountor_invoice_data(connection, partner, channel, lines, vat_status, iban)
        try:
            payloads.build_sales_invoice(data)
        except payloads.PayloadError as exc:
            return None, exc.problems
        return data, []

    def _procountor_check_partner(self, partner, channel):
        problems = []
        name = partner.name
        if not (name or "").strip():
            problems.append(_("The customer has no name."))
        if not partner.country_id:
            problems.append(_("Customer %(name)s has no country.", name=name))
        elif not payloads.procountor_country(partner.country_id.code):
            problems.append(
                _(
                    "Procountor does not know the country %(country)s.",
                    country=partner.country_id.name,
                )
            )
        for field_name, label in (
            ("street", _("street")),
            ("zip", _("ZIP code")),
            ("city", _("city")),
        ):
            if not partner[field_name]:
                problems.append(_("Customer %(name)s has no %(field)s.", name=name, field=label))
        if channel == "EMAIL" and not (self.partner_id.email or partner.email):
            problems.append(
                _("Customer %(name)s is invoiced by e-mail but has no e-mail address.", name=name)
            )
        if channel == "ELECTRONIC_INVOICE" and not (
            partner.procountor_einvoice_address and partner.procountor_einvoice_operator
        ):
            problems.append(
                _(
                    "Customer %(name)s is invoiced by e-invoice but lacks the e-invoice address "
                    "or operator.",
                    name=name,
                )
            )
        return problems

    def _procountor_lines_data(self, lookup):
        """``(lines, problems)``: one ``InvoiceLine`` per product line."""
        lines, problems = [], []
        product_lines = self._procountor_product_lines()
        if not product_lines:
            problems.append(_("The invoice has no lines to send."))
        for line in product_lines:
            label = (line.name or line.product_id.display_name or "").splitlines()[0][:60]
            taxes = line.tax_ids
            if len(taxes) != 1:
                problems.append(
                    _(
                        "Line %(line)s must have exactly one VAT tax (it has %(count)s).",
                        line=label,
                        count=len(taxes),
                    )
                )
                continue
            percent, status = lookup.taxes.get(taxes.id, (None, None))
            if taxes.amount_type != "percent":
                problems.append(
                    _("Tax %(tax)s is not a percentage: Procountor cannot use it.", tax=taxes.name)
                )
            elif percent is None or status is None:
                problems.append(
                    _(
                        "Tax %(tax)s has no Procountor VAT percent and status (connection, "
                        "Mappings tab).",
                        tax=taxes.name,
                    )
                )
            elif round(percent[0], 2) != round(taxes.amount, 2):
                problems.append(
                    _(
                        "Tax %(tax)s is %(odoo)s %% in Odoo but mapped to %(procountor)s %% in "
                        "Procountor.",
                        tax=taxes.name,
                        odoo=taxes.amount,
                        procountor=percent[0],
                    )
                )
            elif not lookup.percent_valid_on(percent, self.invoice_date):
                problems.append(
                    _(
                        "VAT %(percent)s %% is not valid in Procountor on %(date)s.",
                        percent=percent[0],
                        date=self.invoice_date,
                    )
                )
            else:
                lines.append(self._procountor_line_data(lookup, line, taxes, percent[0], status))
        return lines, problems

    @api.model
    def _procountor_line_data(self, lookup, line, tax, percent, status):
        return payloads.InvoiceLine(
            name=line.name or line.product_id.display_name or "",
            quantity=payloads.to_decimal(line.quantity),
            price_unit=payloads.to_decimal(line.price_unit),
            vat_percent=payloads.to_decimal(round(percent, 2)),
            vat_status=status,
            discount=payloads.to_decimal(line.discount),
            price_include=bool(tax.price_include),
            price_subtotal=payloads.to_decimal(line.price_subtotal),
            product_code=line.product_id.default_code or "",
            unit=lookup.units.get(line.product_uom_id.id) or payloads.DEFAULT_UNIT,
        )

    def _procountor_bank_iban(self, lookup):
        """``(iban, problems)``: the Procountor bank account of the invoice's bank account."""
        bank = self.partner_bank_id
        if not bank:
            return "", []  # Procountor then uses the company's default invoice account
        if bank.id not in lookup.journal_by_bank:
            journal = self.env["account.journal"].search(
                [
                    ("type", "=", "bank"),
                    ("bank_account_id", "=", bank.id),
                    ("company_id", "=", self.company_id.id),
                ],
                limit=1,
            )
            lookup.journal_by_bank[bank.id] = (journal.id, journal.name or "-")
        journal_id, journal_name = lookup.journal_by_bank[bank.id]
        iban = lookup.ibans.get(journal_id) if journal_id else ""
        if not iban:
            return "", [
                _(
                    "Bank account %(account)s (journal %(journal)s) is not mapped to a Procountor "
                    "bank account (connection, Mappings tab).",
                    account=bank.acc_number,
                    journal=journal_name,
                )
            ]
        return iban, []

    def _procountor_check_currency(self):
        currency = self.currency_id
        if currency.name not in payloads.CURRENCIES:
            return [
                _("Procountor does not know the currency %(currency)s.", currency=currency.name)
            ]
        if currency == self.company_currency_id:
            return []
        has_rate = self.env["res.currency.rate"].search_count(
            [
                ("currency_id", "=", currency.id),
                ("name", "<=", self.invoice_date),
                ("company_id", "in", (False, self.company_id.root_id.id, self.company_id.id)),
            ],
            limit=1,
        )
        if not has_rate:
            return [
                _(
                    "Currency %(currency)s has no exchange rate on or before %(date)s.",
                    currency=currency.name,
                    date=self.invoice_date,
                )
            ]
        return []

    def _procountor_check_accounting(self, connection):
        problems = []
        accounts = (
            self._procountor_product_lines().account_id
            | self.line_ids.filtered(lambda line: line.display_type == "payment_term").account_id
        )
        for account in accounts:
            if not connection._procountor_ledger_account_code(account):
                problems.append(
                    _(
                        "Account %(account)s has no Procountor ledger account.",
                        account=account.display_name,
                    )
                )
        for line in self._procountor_product_lines():
            for key in line.analytic_distribution or {}:
                for account_id in str(key).split(","):
                    analytic = self.env["account.analytic.account"].browse(int(account_id))
                    if not connection._procountor_dimension_item(analytic):
                        problems.append(
                            _(
                                "Analytic account %(account)s has no Procountor dimension item.",
                                account=analytic.display_name,
                            )
                        )
        return list(dict.fromkeys(problems))

    def _procountor_invoice_data(self, connection, partner, channel, lines, vat_status, iban):
        """The neutral data of ``procountor_api.payloads`` for this invoice."""
        invoice_partner = self.partner_id
        shipping = self.partner_shipping_id
        is_refund = self.move_type == "out_refund"
        contact = (
            invoice_partner
            if invoice_partner != partner and not invoice_partner.is_company
            else False
        )
        return payloads.SalesInvoiceData(
            number=self.name,
            invoice_date=self.invoice_date,
            due_date=self.invoice_date_due or self.invoice_date,
            currency=self.currency_id.name,
            currency_rate=payloads.to_decimal(self.invoice_currency_rate or 1.0),
            customer=_address(partner),
            lines=tuple(lines),
            is_credit_note=is_refund,
            credited_invoice_number=(self.reversed_entry_id.name or "") if is_refund else "",
            billing_address=_address(invoice_partner, partner)
            if invoice_partner != partner
            else None,
            delivery_address=_address(shipping, partner)
            if shipping and shipping != partner
            else None,
            business_id=partner.company_registry or "",
            vat=partner.vat or "",
            email=invoice_partner.email or partner.email or "",
            contact_person=contact.name if contact else "",
            customer_number=partner.ref or "",
            einvoice_address=partner.procountor_einvoice_address or "",
            einvoice_operator=partner.procountor_einvoice_operator or "",
            invoice_channel=channel,
            lang=invoice_partner.lang or partner.lang or "",
            vat_status=vat_status,
            bank_account_iban=iban,
            payment_reference=self.payment_reference or "",
            order_reference="" if is_refund else (self.ref or ""),
            additional_information=html2plaintext(self.narration or "").strip(),
            delivery_date=self.delivery_date or None,
            accounting_by_row=bool(connection.invoice_accounting_rows),
            partner_id=self._procountor_partner_id(connection),
        )

    def _procountor_partner_id(self, connection):
        """Procountor business partner id of the customer: none yet (partner sync may add it)."""
        return None


def _address(partner, company=None):
    """``payloads.Address`` of a partner; a contact's address names its company."""
    name = partner.name if not company or partner.is_company or not company.name else company.name
    specifier = partner.name if company and not partner.is_company and partner.name != name else ""
    return payloads.Address(
        name=name or "",
        specifier=specifier or partner.street2 or "",
        street=partner.street or "",
        zip=partner.zip or "",
        city=partner.city or "",
        country_code=partner.country_id.code or "",
    )


def _payload_hash(body):
    """A digest of the body, to notice later that the invoice changed in Odoo."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()
