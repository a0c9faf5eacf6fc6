# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Journal entries → Procountor JOURNAL ledger receipts, exactly once.

``_procountor_send_one`` (account_move_send_pipeline.py) locks the row, runs the common
skip checks and hands entries of kind ``journal`` to ``_procountor_send_one_journal``:
checks before any HTTP call, the claim, ``payloads.create_journal_once``, the optional
approve step, updates of a changed entry, and failures stored on the entry
(docs/architecture.md, "Journal entries").
"""

import logging

from odoo import _, api, fields, models
from odoo.tools.translate import LazyTranslate

from ..procountor_api import payloads
from ..procountor_api.exceptions import ProcountorError
from ..status_labels import status_label
from .account_move import (
    STEP_ORDER,
    ProcountorTokenUnavailable,
    _payload_hash,
)

_logger = logging.getLogger(__name__)
_lt = LazyTranslate(__name__)

#: Procountor error codes of journal receipts → (what it means, how to fix it).
JOURNAL_ERROR_HELP = {
    "CLOSED_FISCAL_PERIOD": (
        _lt("The entry's date is in a closed accounting period in Procountor."),
        _lt(
            "Open the period in Procountor (accounting periods of the fiscal year), or, if the "
            "period is closed for good, reverse the entry in Odoo and book it again in an open "
            "period."
        ),
    ),
    "RECEIPT_DOES_NOT_BALANCE": (
        _lt("Procountor found that the receipt does not balance with the VAT it computes."),
        _lt("Check the entry's tax lines and taxes, then send it again."),
    ),
    "ERROR_LEDGERACCOUNT_VATPERCENTAGE_COMBINATION": (
        _lt("A ledger account does not exist in Procountor or does not allow this VAT."),
        _lt("Correct the account mapping, or the VAT settings of the account in Procountor."),
    ),
    "LEDGER_ACCOUNT_NOT_FOUND": (
        _lt("A ledger account does not exist in Procountor."),
        _lt("Fetch the settings from Procountor and correct the account mapping."),
    ),
    "DIMENSION_OR_DIMENSION_ITEM_IDENTIFIERS_DOES_NOT_MATCH_THOSE_STORED_IN_DATABASE": (
        _lt("A dimension or dimension item is unknown or closed in Procountor."),
        _lt("Fetch the settings from Procountor and correct the analytic account mapping."),
    ),
    "DIMENSION_ITEM_VALUES_DO_NOT_SUM_TO_ACCOUNTING_VALUE": (
        _lt("The dimension values of a row do not add up to the row's amount."),
        _lt("Distribute each line fully (100 %) on each analytic plan."),
    ),
    "VAT_PERCENT_NOT_IN_USE": (
        _lt("A VAT percent is not in use in the Procountor company on the entry's date."),
        _lt("Enable the VAT percent in Procountor's VAT defaults, or correct the tax mapping."),
    ),
    "VAT_STATUS_NOT_IN_USE": (
        _lt("A VAT status is not enabled for this side (sales or purchases) in Procountor."),
        _lt("Enable the VAT status in Procountor, or correct the tax mapping."),
    ),
    "ERROR_VATSTATUS_VATPERC": (
        _lt("The VAT status and the VAT percent of a row do not fit together."),
        _lt("Correct the Procountor VAT status in the tax mapping of the row's tax."),
    ),
}


class AccountJournal(models.Model):
    _inherit = "account.journal"

    # The other side of ``procountor.connection.journal_send_journal_ids`` (same table), so
    # that search filters and the cron can ask "is this entry's journal sent?" in SQL.
    procountor_send_connection_ids = fields.Many2many(
        "procountor.connection",
        "procountor_connection_send_journal_rel",
        "journal_id",
        "connection_id",
        "Procountor Connections Sending This Journal",
        readonly=True,
    )


class AccountMove(models.Model):
    _inherit = "account.move"

    procountor_receipt_number = fields.Integer(
        copy=False,
        readonly=True,
        help="Number of the journal ledger receipt in Procountor.",
    )
    procountor_journal_sendable = fields.Boolean(
        "Sent to Procountor as Ledger Receipt",
        compute="_compute_procountor_journal_sendable",
        compute_sudo=True,
        help="A journal entry of a journal the company's Procountor connection sends, or one "
        "already in Procountor.",
    )

    @api.depends(
        "move_type",
        "journal_id",
        "procountor_state",
        "procountor_ledger_receipt_id",
        "company_id.procountor_connection_id.journal_send_journal_ids",
    )
    def _compute_procountor_journal_sendable(self):
        for move in self:
            chosen = move.company_id.procountor_connection_id.journal_send_journal_ids
            move.procountor_journal_sendable = move.move_type == "entry" and (
                move.journal_id in chosen
                or bool(move.procountor_ledger_receipt_id)
                or move.procountor_state != "not_sent"
            )

    # ------------------------------------------------------------------ kind-aware overrides

    def _procountor_target_connection(self):
        """An entry stays on the connection that has its receipt, or that may have it (an
        unconfirmed creation is looked up where it was sent). Entries have no Procountor
        invoice: ``procountor_invoice_id`` stays 0 for them (the hidden invoice Procountor
        makes for a journal receipt is not something an accountant knows or looks for)."""
        self.ensure_one()
        if (
            self.move_type == "entry"
            and self.procountor_connection_id
            and (self.procountor_ledger_receipt_id or self.procountor_create_unknown)
        ):
            return self.procountor_connection_id
        return super()._procountor_target_connection()

    def _procountor_payload_digest(self, connection):
        self.ensure_one()
        if self.move_type != "entry":
            return super()._procountor_payload_digest(connection)
        data, problems = self._procountor_journal_prepare(connection)
        return False if problems else _payload_hash(payloads.build_journal_receipt(data))

    def _procountor_flag_if_changed(self):
        entries = self.filtered(lambda move: move.move_type == "entry")
        result = super(AccountMove, self - entries)._procountor_flag_if_changed()
        for move in entries:
            connection = move.procountor_connection_id.sudo()
            if not connection or not move.procountor_ledger_receipt_id:
                continue
            digest = move._procountor_payload_digest(connection)
            if digest != move.procountor_payload_hash and not move.procountor_outdated:
                move._procountor_write({"procountor_outdated": True})
                move._message_log(
                    body=_(
                        "This journal entry changed after it was sent to Procountor (receipt "
                        "%(number)s). Send it again to update Procountor.",
                        number=move.procountor_receipt_number or move.procountor_ledger_receipt_id,
                    )
                )
        return result

    @api.model
    def _procountor_explain(self, error):
        """Entries get the ledger receipt meanings of Procountor's codes."""
        if len(self) != 1 or self.move_type != "entry":
            return super()._procountor_explain(error)
        return self._procountor_explain_with(
            error,
            JOURNAL_ERROR_HELP,
            _(
                "Procountor may have received the ledger receipt; the next attempt looks it "
                "up before creating anything."
            ),
        )

    # ------------------------------------------------------------------ the pipeline

    def _procountor_send_one_journal(self, connection, client, lookup=None):
        """Send one journal entry (row locked, common skip checks done by the caller).
        Returns ``sent`` or ``failed``; a ``ProcountorError`` is stored, then raised."""
        self.ensure_one()
        data, problems = self._procountor_journal_prepare(connection, lookup)
        if problems:
            self._procountor_fail_before_http(problems)
            return "failed"
        try:
            client.ensure_token()
        except ProcountorError as exc:
            raise ProcountorTokenUnavailable(exc) from exc
        try:
            if self.procountor_ledger_receipt_id and self.procountor_outdated:
                return self._procountor_journal_update_remote(connection, client, data)
            resumed = bool(self.procountor_ledger_receipt_id)
            if not resumed:
                self._procountor_journal_create_once(connection, client, data)
            self._procountor_journal_run_steps(connection, client, resumed=resumed)
        except payloads.JournalAdoptionConflict as exc:
            self._procountor_journal_fail_conflict(exc)
            return "failed"
        except ProcountorError as exc:
            # Stored, then raised as for invoices (``_procountor_send_retrying``).
            self._procountor_fail_remote(exc)
            raise
        return "sent"

    def _procountor_journal_create_once(self, connection, client, data):
        """Create the receipt, or adopt the one an unconfirmed attempt made
        (``payloads.create_journal_once``). Only a POST refused without ambiguity clears
        ``procountor_create_unknown``."""
        body = payloads.build_journal_receipt(data)
        remote, adopted = self._procountor_create_claimed(
            connection,
            lambda claim: payloads.create_journal_once(
                client,
                body,
                number=data.number,
                create_unknown=self.procountor_create_unknown,
                claim=claim,
            ),
        )
        self._procountor_journal_store_created(connection, remote, body, adopted)

    @api.model
    def _procountor_journal_remote_vals(self, remote):
        vals = {
            "procountor_ledger_receipt_id": int(remote["id"]),
            "procountor_status": remote.get("status") or False,
            "procountor_version": remote.get("version") or False,
        }
        if remote.get("receiptNumber"):
            vals["procountor_receipt_number"] = int(remote["receiptNumber"])
        return vals

    def _procountor_journal_store_created(self, connection, remote, body, adopted):
        self._procountor_write(
            self._procountor_created_vals(
                connection,
                body,
                self._procountor_journal_remote_vals(remote),
                steps_left=bool(connection.journal_approve),
                adopted=adopted,
            )
        )
        if adopted:
            self._message_log(
                body=_(
                    "Procountor already had this entry (ledger receipt %(id)s) from an earlier "
                    "attempt whose answer was lost: it was adopted, not created again.",
                    id=remote.get("id"),
                )
            )
        elif payloads.journal_adoption_differences(remote, body):
            self._message_log(
                body=_(
                    "Procountor stored ledger receipt %(id)s with other rows than Odoo sent; "
                    "compare them in Procountor.",
                    id=remote.get("id"),
                )
            )
        self._procountor_commit()

    def _procountor_journal_run_steps(self, connection, client, resumed=False):
        """The optional ``approved`` step (``journal_approve``), then ``sent``.

        ``resumed``: an earlier attempt may have approved without recording it (it died in
        between): the receipt is read first, and an approved one is not approved again."""
        done = STEP_ORDER.index(self.procountor_step)
        todo = connection.journal_approve and done < STEP_ORDER.index("approved")
        status = self.procountor_status
        vals = {}
        if todo:
            if resumed:
                remote = client.get_ledger_receipt(self.procountor_ledger_receipt_id)
                status = remote.get("status")
                vals["procountor_version"] = remote.get("version") or self.procountor_version
            if status == payloads.RECEIPT_UNFINISHED:
                try:
                    client.approve_ledger_receipt(self.procountor_ledger_receipt_id)
                except ProcountorError:
                    self._procountor_write({"procountor_status": status or False})
                    raise
                status = payloads.RECEIPT_APPROVED
            vals["procountor_step"] = "approved"
        if todo or self.procountor_state != "sent":
            vals.update(
                {
                    "procountor_state": "sent",
                    "procountor_status": status or False,
                    "procountor_error": False,
                    "procountor_error_retryable": False,
                    "procountor_claimed_at": False,
                    "procountor_attempt_date": fields.Datetime.now(),
                }
            )
            self._procountor_write(vals)

    def _procountor_journal_update_remote(self, connection, client, data):
        """The entry changed after it was sent: PUT the receipt while it is unfinished in
        Procountor, create a new one when it was invalidated there, else refuse."""
        remote = client.get_ledger_receipt(self.procountor_ledger_receipt_id)
        status = remote.get("status")
        number = remote.get("receiptNumber") or self.procountor_ledger_receipt_id
        if status == payloads.RECEIPT_INVALIDATED:
            self._procountor_write(
                {
                    "procountor_ledger_receipt_id": 0,
                    "procountor_receipt_number": 0,
                    "procountor_step": "none",
                    "procountor_status": False,
                    "procountor_version": False,
                    "procountor_outdated": False,
                }
            )
            self._procountor_journal_create_once(connection, client, data)
            self._procountor_journal_run_steps(connection, client)
            return "sent"
        if status != payloads.RECEIPT_UNFINISHED:
            self._procountor_write(
                {
                    "procountor_status": status or False,
                    "procountor_error": _(
                        "Procountor ledger receipt %(number)s is %(status)s: Procountor accepts no "
                        "changes to an approved receipt, so the changed entry was not sent.\n"
                        "To correct it: reset this entry to what was sent (or leave it), reverse "
                        "it in Odoo (Reverse) and post a new entry with the right amounts. The "
                        "reversal is sent to Procountor as a correction of receipt %(number)s, in "
                        "its own period. Alternatively invalidate the receipt in Procountor and "
                        "send this entry again: a new receipt is created.",
                        number=number,
                        status=status_label(self.env, status),
                    ),
                    "procountor_error_retryable": False,
                    "procountor_attempt_date": fields.Datetime.now(),
                }
            )
            return "failed"
        body = payloads.build_journal_receipt_update(data, remote.get("version"))
        updated = client.update_ledger_receipt(self.procountor_ledger_receipt_id, body)
        self._procountor_write(
            {
                **self._procountor_journal_remote_vals(updated),
                "procountor_step": "created",
                "procountor_payload_hash": _payload_hash(payloads.build_journal_receipt(data)),
                "procountor_outdated": False,
                "procountor_error": False,
                "procountor_error_retryable": False,
            }
        )
        self._message_log(
            body=_(
                "Procountor ledger receipt %(number)s was updated with the changed entry.",
                number=number,
            )
        )
        self._procountor_commit()
        self._procountor_journal_run_steps(connection, client)
        if self.procountor_state != "sent":
            self._procountor_write(
                {"procountor_state": "sent", "procountor_attempt_date": fields.Datetime.now()}
            )
        return "sent"

    def _procountor_journal_fail_conflict(self, conflict):
        """Procountor has receipts named after this entry that are not it: stop and say
        what to do. ``procountor_create_unknown`` stays set: sending again looks again."""
        self.ensure_one()
        labels = {"date": _("date"), "rows": _("accounts or amounts")}
        differences = []
        for _remote_id, items in conflict.candidates:
            differences += [labels[item] for item in items if labels[item] not in differences]
        ids = ", ".join(str(remote_id) for remote_id, _items in conflict.candidates)
        text = _(
            "Not sent to Procountor: Procountor already has a journal receipt named after entry "
            "%(number)s (ledger receipt id %(ids)s), but with other %(what)s. An earlier "
            "attempt to send this entry got no answer, and that receipt is not it: it may have "
            "been changed in Procountor, or come from another Odoo database or company with "
            "the same entry numbering. Nothing was adopted or created.\n"
            "What to do: open receipt %(ids)s in Procountor. If it is this entry, changed "
            "there, invalidate it and send this entry again (a new receipt is created). If it "
            "belongs to someone else, give each company or database its own entry numbering "
            "(journal sequence prefix).",
            number=conflict.number,
            ids=ids,
            what=" / ".join(differences),
        )
        self._procountor_store_conflict(text)
        _logger.warning("Procountor: %s not adopted: %s", self.name, conflict.message)
