# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The send pipeline of one move: claim, create exactly once, the optional steps and updates
of a changed move (docs/architecture.md, "Invoices"). Sales invoices use it as it is; vendor
bills through the per-kind hooks (``account_move_purchase_send.py``); journal entries branch
off to ``account_move_journal_send.py``. How failures are stored:
``account_move_send_failures.py``."""

import logging
from decimal import Decimal

from odoo import _, api, fields, models

from ..procountor_api import const as api_const
from ..procountor_api import payloads
from ..procountor_api.exceptions import ProcountorError
from ..status_labels import status_label
from .account_move import (
    REMOTE_EDITABLE_STATUS,
    REMOTE_INVALIDATED_STATUS,
    STEP_ORDER,
    ProcountorTokenUnavailable,
    _payload_hash,
)
from .account_move_procountor_identity import ProcountorInvoiceIdTaken

_logger = logging.getLogger(__name__)


class AccountMove(models.Model):
    _inherit = "account.move"

    def _procountor_send_one(self, connection, client, pdf=None, lookup=None):
        """Send one invoice as far as the connection's steps go. Returns the outcome:
        ``sent``, ``skipped`` (already done, or being sent by another worker) or ``failed``
        (a problem found before any HTTP call, an adoption conflict). A ``ProcountorError``
        is stored on the invoice, then raised (``_procountor_send_retrying``).
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
        if self._procountor_send_kind() == "journal":
            # A ledger receipt has its own creation, steps and updates (journal entries).
            return self._procountor_send_one_journal(connection, client, lookup)
        data, problems = self._procountor_prepare(connection, lookup)
        if not problems:
            problems = self._procountor_check_pdf_size(connection, pdf)
        if problems:
            self._procountor_fail_before_http(problems)
            return "failed"
        try:
            # The first invoice that passed its checks asks for the batch's token (then it
            # is cached): refused credentials stop the batch before anything is claimed.
            client.ensure_token()
        except ProcountorError as exc:
            raise ProcountorTokenUnavailable(exc) from exc
        try:
            if self.procountor_invoice_id and self.procountor_outdated:
                return self._procountor_update_remote(connection, client, data, pdf)
            resumed = bool(self.procountor_invoice_id)
            if not resumed:
                self._procountor_create_once(connection, client, data)
            self._procountor_run_steps(connection, client, pdf, resumed=resumed)
        except payloads.AdoptionConflict as exc:
            self._procountor_fail_conflict(exc)
            return "failed"
        except ProcountorInvoiceIdTaken as exc:
            # Procountor gave an id another move holds: a person decides, nothing is
            # created again blindly (``procountor_create_unknown`` stays set).
            self._procountor_store_conflict(exc.message)
            return "failed"
        except ProcountorError as exc:
            # Stored first, then raised: ``_procountor_send_retrying`` tries the invoice
            # again in this run (a transient fault), stops the batch (refused credentials,
            # a long rate limit) or counts it as failed.
            self._procountor_fail_remote(exc)
            raise
        return "sent"

    def _procountor_check_pdf_size(self, connection, pdf):
        """Refuse, before the invoice is created, a PDF that Procountor's attachment limit
        (``ATTACHMENT_MAX_BYTES``, 10,000,000 bytes, api-notes 4.9) would refuse after."""
        if self._procountor_send_kind() != "sales":
            return []
        if "attached" not in connection._procountor_invoice_steps():
            return []
        attached = STEP_ORDER.index(self.procountor_step) >= STEP_ORDER.index("attached")
        if attached and not self.procountor_outdated:
            return []
        size = len(pdf[1]) if pdf else (self.invoice_pdf_report_id.file_size or 0)
        if size <= api_const.ATTACHMENT_MAX_BYTES:
            return []
        # Formatted outside the _() call: Odoo's term extractor evaluates string arguments.
        size_text = f"{size:,}"
        max_text = f"{api_const.ATTACHMENT_MAX_BYTES:,}"
        return [
            _(
                "The invoice PDF is %(size)s bytes; Procountor accepts attachments of at most "
                "%(max)s bytes. Make the PDF smaller (images of the report layout), or switch "
                'off "Attach Invoice PDF" on the connection.',
                size=size_text,
                max=max_text,
            )
        ]

    # ------------------------------------------------------------------ exactly-once creation

    def _procountor_create_once(self, connection, client, data):
        """Create the Procountor invoice, or adopt the one an unconfirmed attempt made
        (``payloads.create_once``: search by number first when ``procountor_create_unknown``).

        Only a POST answered 4xx clears ``procountor_create_unknown``: after a timeout, a
        5xx, a lost answer or a crash it stays set for the next attempt.
        """
        body = self._procountor_build_body(data)
        remote, adopted = self._procountor_create_claimed(
            connection,
            lambda claim: payloads.create_once(
                client,
                body,
                create_unknown=self.procountor_create_unknown,
                claim=claim,
                **self._procountor_create_once_options(),
            ),
        )
        self._procountor_store_created(connection, remote, body, adopted=adopted)
        self._procountor_note_cuts(data)

    def _procountor_create_claimed(self, connection, create):
        """Run a create-once protocol, ``create(claim) -> (remote, adopted)``, with this
        move's durable claim; any kind of move (invoices, ledger receipts)."""
        claimed = []

        def claim():
            self._procountor_claim(connection)
            claimed.append(True)

        try:
            return create(claim)
        except ProcountorError as exc:
            # Only the POST of this attempt (and the token request before it) follows the
            # claim: refused without ambiguity, it created nothing and a new POST is safe
            # later. An error before the claim (the search of an earlier unconfirmed POST,
            # an adoption conflict) proves nothing about that earlier POST: the flag stays.
            if claimed and self.procountor_create_unknown and not exc.ambiguous:
                self._procountor_write({"procountor_create_unknown": False})
            raise

    def _procountor_build_body(self, data):
        """The ``POST /invoices`` body of the prepared data (per kind of move)."""
        return payloads.build_sales_invoice(data)

    def _procountor_build_update_body(self, data, version):
        """The ``PUT /invoices/{id}`` body of the prepared data (per kind of move)."""
        return payloads.build_sales_invoice_update(data, version)

    def _procountor_create_once_options(self):
        """Extra ``payloads.create_once`` arguments of this kind of move (search types,
        which found invoices may be this one's): none for sales invoices."""
        return {}

    def _procountor_steps(self, connection):
        """The optional steps after creation that this move goes through."""
        return connection._procountor_invoice_steps()

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

    def _procountor_store_created(self, connection, remote, body, adopted=False, commit=True):
        """One write with everything Procountor answered, then commit (``commit=False``: the
        caller commits, after storing more)."""
        steps_left = bool(self._procountor_steps(connection))
        remote_vals = self._procountor_remote_vals(remote)
        remote_id = remote_vals["procountor_invoice_id"]
        self._procountor_check_invoice_id_free(connection, remote_id)
        self._procountor_store_linked(
            connection,
            remote_id,
            lambda: self._procountor_write(
                self._procountor_created_vals(connection, body, remote_vals, steps_left, adopted)
            ),
        )
        if adopted:
            self._message_log(
                body=_(
                    "Procountor already had this invoice (id %(id)s) from an earlier attempt "
                    "whose answer was lost: it was adopted, not created again.",
                    id=remote.get("id"),
                )
            )
        self._procountor_check_remote_totals(remote, body)
        if commit:
            self._procountor_commit()

    def _procountor_created_vals(self, connection, body, remote_vals, steps_left, adopted):
        """The write that records a created (or adopted) Procountor record, any kind of move."""
        vals = {
            "procountor_state": "sending" if steps_left else "sent",
            "procountor_step": "created",
            "procountor_connection_id": connection.id,
            "procountor_create_unknown": False,
            "procountor_error": False,
            "procountor_error_retryable": False,
            "procountor_payload_hash": self._procountor_body_hash(body),
            "procountor_outdated": False,
            **remote_vals,
        }
        if not steps_left:
            vals.update(procountor_claimed_at=False, procountor_attempt_date=fields.Datetime.now())
        elif adopted:
            # The commit that follows releases the row lock while the steps are still to run.
            # An adoption made no claim (only a POST does): without one, a second worker would
            # take the move as abandoned and run the same steps (second PDF, second approval).
            vals["procountor_claimed_at"] = fields.Datetime.now()
        return vals

    def _procountor_body_hash(self, body):
        """``procountor_payload_hash`` of what is sent with ``body`` (per kind of move): a
        change of it after sending marks the move out of date."""
        return _payload_hash(body)

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
        steps = self._procountor_steps(connection)
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
            entry.update(self._procountor_accounting_row_values(line))
        receivable = self.line_ids.filtered(lambda line: line.display_type == "payment_term")[:1]
        for transaction in receipt.get("transactions") or ():
            if transaction.get("transactionType") == "REVERSING_ENTRY" and receivable:
                transaction["account"] = connection._procountor_ledger_account_code(
                    receivable.account_id
                )
        client.update_ledger_receipt(self.procountor_ledger_receipt_id, receipt)

    def _procountor_accounting_row_values(self, line):
        """More values of the accounting row of ``line`` (per kind of move): none for sales."""
        return {}

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
        mismatch = self._procountor_update_mismatch(remote)
        if mismatch:
            # Another document under this move's id (an id given twice): neither updated
            # nor, when invalidated, replaced; a person decides.
            self._procountor_write(
                {
                    "procountor_error": mismatch,
                    "procountor_error_retryable": False,
                    "procountor_attempt_date": fields.Datetime.now(),
                }
            )
            return "failed"
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
        if not self._procountor_remote_editable(status):
            self._procountor_write(
                {
                    "procountor_status": status or False,
                    "procountor_error": self._procountor_update_refusal(remote, status),
                    "procountor_error_retryable": False,
                    "procountor_attempt_date": fields.Datetime.now(),
                }
            )
            return "failed"
        self._procountor_before_update(connection, client, remote, pdf)
        body = self._procountor_build_update_body(data, remote.get("version"))
        updated = client.update_invoice(self.procountor_invoice_id, body)
        vals = {
            **self._procountor_remote_vals(updated),
            "procountor_step": "created",
            "procountor_payload_hash": self._procountor_body_hash(
                self._procountor_build_body(data)
            ),
            "procountor_outdated": False,
            "procountor_error": False,
        }
        self._procountor_write(vals)
        self._message_log(body=_("The Procountor invoice was updated with the changed invoice."))
        self._procountor_note_cuts(data)
        self._procountor_commit()
        self._procountor_run_steps(connection, client, pdf)
        if self.procountor_state != "sent":
            self._procountor_write(
                {"procountor_state": "sent", "procountor_attempt_date": fields.Datetime.now()}
            )
        return "sent"

    def _procountor_remote_editable(self, status):
        """Does Procountor still accept a PUT of this move's invoice in ``status``?"""
        return status == REMOTE_EDITABLE_STATUS

    def _procountor_before_update(self, connection, client, remote, pdf):
        """What must happen in Procountor before the PUT of a changed move."""
        if connection.invoice_attach_pdf:
            self._procountor_delete_stale_pdfs(client, remote, pdf)

    def _procountor_update_refusal(self, remote, status):
        """Why a changed move cannot update its Procountor invoice, and what to do."""
        return _(
            "Procountor invoice %(number)s is %(status)s: Procountor accepts changes "
            "only while an invoice is unfinished.\nTo correct it, either invalidate it "
            "in Procountor and send this invoice again (a new Procountor invoice is "
            "created), or create a credit note in Odoo for the difference and send "
            "that.",
            number=remote.get("invoiceNumber") or self.procountor_invoice_id,
            status=status_label(self.env, status),
        )

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
