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

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import split_every
from odoo.tools.translate import LazyTranslate

from ..procountor_api import in_run, payloads
from ..procountor_api.exceptions import (
    ProcountorAuthError,
    ProcountorRateLimitError,
)
from .procountor_cron_guard import procountor_can_commit, procountor_isolated
from .procountor_row_lock import try_lock_row
from .procountor_send_summary import ProcountorSendSummary

_logger = logging.getLogger(__name__)
_lt = LazyTranslate(__name__)

PROCOUNTOR_USER_GROUP = "procountor_connector.group_procountor_user"
SALES_MOVE_TYPES = ("out_invoice", "out_refund")
PURCHASE_MOVE_TYPES = ("in_invoice", "in_refund")

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
        _lt(
            "A VAT status is not enabled in the Procountor company for this kind of invoice "
            "(sales or purchases)."
        ),
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


class ProcountorTokenUnavailable(Exception):
    """No access token could be had for a batch (``error``: the ``ProcountorError``): the
    batch stops on the connection before the invoice at hand is claimed."""

    def __init__(self, error):
        super().__init__(str(error))
        self.error = error


def _payload_hash(body):
    """A digest of the body, to notice later that the invoice changed in Odoo."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


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
    #   sent ──cancelled in Odoo───────────────────────────▶ sent + procountor_outdated
    #   sent + cancelled ──Invalidate in Procountor───────▶ invalidated
    #   invalidated ──posted again───────────────────────▶ invalidated + outdated (send: a new one)
    procountor_state = fields.Selection(
        [
            ("not_sent", "Not in Procountor"),
            ("sending", "Sending"),
            # "sent" is stored for any document Procountor has, whatever its status there:
            # "In Procountor" (procountor_state_label says what happened to it there).
            ("sent", "In Procountor"),
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
        "Procountor Status Code",
        copy=False,
        readonly=True,
        help="Procountor's status of the invoice",
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
            digest = move._procountor_payload_digest(connection)
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
        """Send the selected posted moves: sales invoices and credit notes, vendor bills and
        refunds (when the connection sends them) and entries of the connection's chosen
        journals (``_procountor_send_kind``); a notification sums up."""
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
                "%(sent)s now in Procountor, %(skipped)s skipped, %(failed)s failed.",
                sent=len(summary.sent),
                skipped=len(summary.skipped),
                failed=len(summary.failed),
            )
        ]
        # "Sent" alone would say the customer got them: say where they stand there.
        standing = summary.sent.grouped("procountor_state_label")
        lines.extend(f"{label}: {len(moves)}" for label, moves in standing.items() if label)
        for move in summary.failed[:10]:
            # The first problem itself, not the heading of the list ("Not sent to Procountor:").
            first = [
                line.strip("• ").strip()
                for line in (move.procountor_error or "").splitlines()
                if line.strip()
            ]
            if len(first) > 1 and first[0].endswith(":"):
                first = first[1:]
            lines.append(f"{move.name}: {first[0] if first else '?'}")
        if len(summary.failed) > 10:
            lines.append(_("… and %(count)s more.", count=len(summary.failed) - 10))
        if summary.stopped:
            lines.insert(0, summary.stopped)
        kind = (
            "danger"
            if summary.failed or summary.stopped
            else ("success" if summary.sent else "warning")
        )
        return self.env["procountor.connection"]._procountor_notification(
            _("Procountor"), "\n".join(lines), kind
        )

    # ------------------------------------------------------------------ sending

    @api.model
    def _procountor_can_commit(self):
        """Commit only outside tests (both flags: pytest-odoo sets only ``test_enable``)."""
        return procountor_can_commit()

    def _procountor_commit(self):
        if self._procountor_can_commit():
            # Makes the claim or the Procountor id durable before/after the HTTP call: a
            # crash or a request retried by Odoo must find them (exactly-once sending).
            self.env.cr.commit()  # pylint: disable=invalid-commit

    def _procountor_is_candidate(self):
        self.ensure_one()
        return self.state == "posted" and bool(self._procountor_send_kind())

    def _procountor_send_kind(self):
        """What this move becomes in Procountor when sent, or "" (it is not sent):

        - ``sales``: a sales invoice or credit note (``SALES_INVOICE``);
        - ``purchase``: a vendor bill or refund (``PURCHASE_INVOICE``), when the connection
          sends vendor bills; a bill imported *from* Procountor never goes back;
        - ``journal``: a journal entry of one of the connection's chosen journals
          (a ``JOURNAL`` ledger receipt).
        """
        self.ensure_one()
        if self.move_type in SALES_MOVE_TYPES:
            return "sales"
        connection = self._procountor_target_connection()
        if not connection:
            return ""
        if self.move_type in PURCHASE_MOVE_TYPES:
            sendable = connection.purchase_send_enabled and not self.procountor_bill_id
            return "purchase" if sendable else ""
        if self.move_type == "entry" and self.journal_id in connection.journal_send_journal_ids:
            return "journal"
        return ""

    def _procountor_payload_digest(self, connection):
        """Hash of what would be sent now (False when the checks fail): a posted move whose
        digest differs from ``procountor_payload_hash`` changed since it was sent."""
        self.ensure_one()
        data, problems = self._procountor_prepare(connection)
        return False if problems else _payload_hash(payloads.build_sales_invoice(data))

    def _procountor_send_batch(self, from_cron=False, pdf_by_move=None, limit=None):
        """Send every candidate of ``self``; one invoice's failure never stops the others.

        ``pdf_by_move`` ({move: (filename, bytes)}) gives PDFs rendered by the caller (the
        Send wizard). ``limit``: attempt at most that many (the cron's batch size); the
        candidates beyond it are left as they are. Returns a ``ProcountorSendSummary``.
        """
        summary = ProcountorSendSummary(self.env)
        summary.retry = self._procountor_in_run_retry(from_cron)
        summary.limit = limit
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
            # In the connection's company: Odoo 18 reads an account's code and the partners'
            # company-dependent fields for env.company, and a cron runs in its user's company.
            company = connection.company_id
            moves.with_company(company)._procountor_send_with_connection(
                connection.with_company(company), summary, pdf_by_move or {}
            )
        return summary

    @api.model
    def _procountor_in_run_retry(self, from_cron):
        """The waiting budget of a send: a person waiting for the answer gets a shorter one."""
        return in_run.InRunRetry(
            wait_max=in_run.RUN_WAIT_MAX if from_cron else in_run.INTERACTIVE_WAIT_MAX,
            attempts=in_run.ATTEMPTS,
        )

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
        if connection._procountor_paused():
            self._procountor_stop(
                summary,
                _(
                    "Procountor asked to slow down: sending through %(connection)s is paused "
                    "until %(until)s (UTC).",
                    connection=connection.name,
                    until=connection.invoice_paused_until,
                ),
            )
            return
        lookup = ProcountorMappingLookup(connection)
        throttle = connection._procountor_throttle()
        if throttle.paused_for() > throttle.max_pause_wait:
            # The long pause that ended an earlier batch is over (the connection says so).
            throttle.resume()
        with client:
            if connection.procountor_max_in_flight <= 1:
                self._procountor_send_one_by_one(connection, client, pdf_by_move, lookup, summary)
                return
            # The few moves that go one at a time first (changed, resumed, bills, entries),
            # so that a month-end backlog of new invoices does not hold them back.
            first = self.filtered(lambda move: not move._procountor_parallel_eligible())
            rest = self - first
            stop = first._procountor_send_one_by_one(
                connection, client, pdf_by_move, lookup, summary
            )
            if stop:
                rest._procountor_stop(summary, stop)
                return
            later, stop = rest._procountor_send_parallel(
                connection, client, pdf_by_move, lookup, summary
            )
            if not stop:
                later._procountor_send_one_by_one(connection, client, pdf_by_move, lookup, summary)

    def _procountor_send_one_by_one(self, connection, client, pdf_by_move, lookup, summary):
        """Send ``self`` one move after another; returns why the batch stopped, or ""."""
        todo = self
        for chunk in split_every(PDF_BATCH_SIZE, self.ids, self.browse):
            pdfs = dict(pdf_by_move)
            if connection.invoice_attach_pdf:
                pdfs.update(chunk._procountor_render_missing_pdfs(pdf_by_move))
            for move in chunk:
                if summary.room() == 0:
                    return ""
                todo -= move
                # Every invoice commits (claim, id) and each commit empties the ORM
                # cache: prefetching the whole chunk would re-read up to
                # PDF_BATCH_SIZE rows at every read of one invoice, a cost growing
                # with the batch. One invoice reads only its own row.
                move = move.with_prefetch()  # noqa: PLW2901
                stop = move._procountor_send_guarded(
                    connection, client, pdfs.get(move), lookup, summary
                )
                if stop:
                    todo._procountor_stop(summary, stop)
                    return stop
        return ""

    def _procountor_send_guarded(self, connection, client, pdf, lookup, summary):
        """Send one invoice of a batch, whatever happens; returns why the batch must stop
        (refused credentials, rate limit) or "".

        An unexpected error (``KeyError``, ``ValueError`` ...) is logged with its traceback
        and stored on this invoice by ``procountor_isolated``; the batch goes on."""
        self.ensure_one()
        outcome, stop = "failed", ""
        with procountor_isolated(self, self._procountor_fail_unexpected, f"sending {self.name}"):
            # Each exchange of the client is logged against the invoice it concerns.
            client.on_exchange = self._procountor_exchange_logger(connection)
            try:
                outcome = self._procountor_send_retrying(
                    connection, client, pdf, lookup, summary.retry
                )
            except ProcountorTokenUnavailable as exc:
                # No token (credentials refused, token endpoint answering garbage): the
                # connection is what is broken; this invoice was not touched.
                outcome = "skipped"
                stop = connection._procountor_store_error(exc.error)
            except ProcountorAuthError as exc:
                # The invoice keeps its own error (stored by the pipeline); the connection
                # is what is broken: the rest of the batch would meet the same refusal.
                stop = connection._procountor_store_error(exc)
            except ProcountorRateLimitError as exc:
                until = connection._procountor_pause(exc)
                stop = _(
                    "Procountor asked to slow down (HTTP 429): sending is paused until "
                    "%(until)s (UTC); the remaining invoices wait for the next run.",
                    until=until,
                )
        if outcome == "sent" and connection.state == "error":
            # Procountor answers again (a refused key was fixed): the connection works.
            connection.sudo().write({"state": "connected", "last_error": False})
        summary.add(outcome, self)
        if outcome != "skipped":
            summary.attempted += 1
        self._procountor_commit()
        return stop

    def _procountor_stop(self, summary, reason):
        """The batch stops: ``self`` (the invoices not tried) stays untouched."""
        summary.stopped = reason
        for move in self:
            summary.add("skipped", move)

    def _procountor_render_missing_pdfs(self, known):
        """{move: (filename, bytes)} for the invoices whose PDF step is still to come and
        that have no PDF yet, rendered together (one wkhtmltopdf run per batch, as Odoo's
        Send does) instead of one run per invoice."""
        todo = self.filtered(
            lambda move: (
                move not in known
                and not move.invoice_pdf_report_id
                and move._procountor_is_candidate()
                and move._procountor_send_kind() == "sales"
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
        """Lock the invoice row for this transaction; False when another worker has it (it is
        being sent, or edited, elsewhere right now)."""
        if not try_lock_row(self):
            return False
        # What other workers committed before we got the lock must be what we look at.
        self.invalidate_recordset()
        return True

    def _procountor_claim_is_active(self):
        self.ensure_one()
        claimed = self.procountor_claimed_at
        return bool(claimed) and fields.Datetime.now() - claimed < CLAIM_LEASE
