# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Moves already in Procountor that are reset to draft or cancelled in Odoo
(docs/architecture.md, "Sent documents reset or cancelled in Odoo").

As Odoo's e-invoicing modules do (``account_edi``: ``button_draft``, ``button_cancel``,
``button_cancel_posted_moves``), nothing happens in Procountor behind the user's back:

- reset to draft while Procountor's document still takes changes (last known status
  UNFINISHED, or RECEIVED for a purchase invoice): allowed; posting and sending again
  updates it (PUT), as for any changed move;
- reset to draft once it is beyond that (approved, sent, paid ...): refused until the user
  confirms (``procountor_reset_confirmed``): changes can then no longer reach Procountor,
  and the chatter says what to do (credit note, reversal, or invalidate in Procountor);
- cancel: allowed; the move is marked out of date (``procountor_outdated``) with the
  remedy, and "Invalidate in Procountor" (an explicit, confirmed action) invalidates the
  document there where Procountor allows it. A refusal is stored on the move with the
  remedy. An invalidated document is ``procountor_state = "invalidated"``; posting the move
  again makes the next send create a new Procountor document.
"""

from odoo import api, fields, models
from odoo.exceptions import RedirectWarning, UserError

from ..procountor_api import payloads
from ..procountor_api.exceptions import ProcountorError
from .account_move import PURCHASE_MOVE_TYPES, SALES_MOVE_TYPES

#: Context key of a reset to draft the user confirmed (the warning's button sets it).
RESET_CONFIRMED = "procountor_reset_confirmed"
#: Procountor statuses in which each kind of document still takes a PUT (api-notes 4.1, 4.2).
EDITABLE_STATUSES = {
    "sales": ("UNFINISHED",),
    "purchase": payloads.PURCHASE_EDITABLE_STATUSES,
    "journal": (payloads.RECEIPT_UNFINISHED,),
}


class AccountMove(models.Model):
    _inherit = "account.move"

    procountor_state = fields.Selection(
        selection_add=[("invalidated", "Invalidated in Procountor")],
        ondelete={"invalidated": "set default"},
    )
    procountor_can_invalidate = fields.Boolean(
        "Can Be Invalidated in Procountor",
        compute="_compute_procountor_can_invalidate",
        help="The move is cancelled in Odoo, but its document is still live in Procountor.",
    )

    @api.depends("state", "procountor_state", "procountor_status")
    def _compute_procountor_can_invalidate(self):
        for move in self:
            move.procountor_can_invalidate = (
                move.state == "cancel" and move._procountor_document_live()
            )

    # ------------------------------------------------------------------ the document

    def _procountor_document_kind(self):
        """``sales``, ``purchase`` or ``journal``: what this move is in Procountor (from what
        it carries, not from today's connection options), or "" when it is not there."""
        self.ensure_one()
        if not self.procountor_connection_id:
            return ""
        if self.move_type == "entry":
            return "journal" if self.procountor_ledger_receipt_id else ""
        if not self.procountor_invoice_id:
            return ""
        if self.move_type in SALES_MOVE_TYPES:
            return "sales"
        if self.move_type in PURCHASE_MOVE_TYPES and not self.procountor_bill_id:
            return "purchase"
        return ""

    def _procountor_document_live(self):
        """Procountor has this move's document and it was not invalidated (as last known)."""
        self.ensure_one()
        return (
            bool(self._procountor_document_kind())
            and self.procountor_state != "invalidated"
            and self.procountor_status != payloads.RECEIPT_INVALIDATED
        )

    def _procountor_document_label(self):
        """ "invoice 10023" / "purchase invoice 10023" / "ledger receipt 5001", for messages."""
        kind = self._procountor_document_kind()
        if kind == "journal":
            number = self.procountor_receipt_number or self.procountor_ledger_receipt_id
            return self.env._("ledger receipt %(number)s", number=number)
        number = self.procountor_invoice_number or self.procountor_invoice_id
        if kind == "purchase":
            return self.env._("purchase invoice %(number)s", number=number)
        return self.env._("invoice %(number)s", number=number)

    def _procountor_correction_hint(self):
        """How a document Procountor no longer changes is corrected, per kind."""
        kind = self._procountor_document_kind()
        if kind == "journal":
            return self.env._(
                "reverse the entry in Odoo (it is sent as a correction of the receipt)"
            )
        if kind == "purchase":
            return self.env._("record the difference as a vendor refund in Odoo and send it")
        return self.env._("create a credit note in Odoo and send it")

    # ------------------------------------------------------------------ reset to draft

    def button_draft(self):
        in_procountor = self.filtered(
            lambda move: move.state == "posted" and move._procountor_document_live()
        )
        # An unknown status (never read back) is no reason to refuse: the next send reads it.
        locked = in_procountor.filtered(
            lambda move: (
                move.procountor_status
                and move.procountor_status
                not in EDITABLE_STATUSES[move._procountor_document_kind()]
            )
        )
        if locked and not self.env.context.get(RESET_CONFIRMED):
            raise RedirectWarning(
                self._procountor_reset_warning(locked),
                self.env.ref("procountor_connector.account_move_action_procountor_reset").id,
                self.env._("Reset to Draft Anyway"),
                {"active_model": "account.move", "active_ids": self.ids},
            )
        result = super().button_draft()
        for move in in_procountor:
            move._message_log(body=move._procountor_reset_note(move in locked))
        return result

    def _procountor_reset_warning(self, locked):
        lines = [
            self.env._(
                "%(move)s is %(status)s in Procountor (%(document)s): Procountor takes no "
                "more changes to it.",
                move=move.display_name,
                status=move.procountor_status_label or "?",
                document=move._procountor_document_label(),
            )
            for move in locked
        ]
        lines.append(
            self.env._(
                "Changes made after resetting to draft cannot reach Procountor: sending the "
                "move again will be refused. To correct a document already in Procountor, "
                "keep it posted and correct it the accounting way (credit note, vendor refund "
                "or reversal); to withdraw it, cancel it and invalidate it in Procountor."
            )
        )
        return "\n".join(lines)

    def _procountor_reset_note(self, locked):
        if locked:
            return self.env._(
                "Reset to draft after confirmation, although Procountor's %(document)s is "
                "%(status)s and takes no more changes. If this move is changed and posted, "
                "sending it again is refused: %(hint)s, or invalidate the document in "
                "Procountor first.",
                document=self._procountor_document_label(),
                status=self.procountor_status_label or "?",
                hint=self._procountor_correction_hint(),
            )
        return self.env._(
            "Reset to draft: Procountor's %(document)s is still %(status)s there. Post this "
            "move and send it again to update it.",
            document=self._procountor_document_label(),
            status=self.procountor_status_label or "?",
        )

    # ------------------------------------------------------------------ cancel

    def button_cancel(self):
        in_procountor = self.filtered(
            lambda move: move.state in ("posted", "draft") and move._procountor_document_live()
        )
        # Cancelling is its own decision (the move is marked below, nothing is changed in
        # Procountor): the reset to draft Odoo does on the way needs no second confirmation.
        result = super(AccountMove, self.with_context(**{RESET_CONFIRMED: True})).button_cancel()
        for move in in_procountor:
            move._procountor_write({"procountor_outdated": True})
            move._message_log(
                body=self.env._(
                    "Cancelled in Odoo, but Procountor still has its %(document)s (%(status)s). "
                    'Use "Invalidate in Procountor" to invalidate it there. Where Procountor '
                    "refuses (paid, closed period ...), reset this move to draft, post it "
                    "again and %(hint)s.",
                    document=move._procountor_document_label(),
                    status=move.procountor_status_label or "?",
                    hint=move._procountor_correction_hint(),
                )
            )
        return result

    def action_procountor_invalidate(self):
        """Invalidate in Procountor the documents of the selected cancelled moves; a
        notification sums up, each refusal is stored on its move."""
        self._procountor_check_access()
        not_cancelled = self.filtered(lambda move: move.state != "cancel")
        if not_cancelled:
            raise UserError(
                self.env._(
                    "Only the Procountor document of a cancelled move is invalidated: cancel "
                    "%(moves)s in Odoo first, or correct it with a credit note or reversal.",
                    moves=", ".join(not_cancelled.mapped("display_name")),
                )
            )
        done = failed = 0
        for move in self.filtered(lambda move: move._procountor_document_live()):
            if move._procountor_invalidate_one():
                done += 1
            else:
                failed += 1
        return self.env["procountor.connection"]._procountor_notification(
            self.env._("Procountor"),
            self.env._(
                "%(done)s invalidated in Procountor, %(failed)s refused.", done=done, failed=failed
            ),
            "danger" if failed else "success",
        )

    def _procountor_invalidate_one(self):
        """Invalidate this move's document (read first: one already invalidated in
        Procountor is only recorded). True when it is invalidated."""
        self.ensure_one()
        connection = self.procountor_connection_id.sudo()
        journal = self._procountor_document_kind() == "journal"
        try:
            client = connection._procountor_client()
        except UserError as exc:
            self._procountor_invalidate_refused(str(exc))
            return False
        with client:
            client.on_exchange = self._procountor_exchange_logger(connection)
            try:
                if journal:
                    remote_id = self.procountor_ledger_receipt_id
                    status = client.get_ledger_receipt(remote_id).get("status")
                    if status != payloads.RECEIPT_INVALIDATED:
                        client.invalidate_ledger_receipt(remote_id)
                else:
                    remote_id = self.procountor_invoice_id
                    status = client.get_invoice(remote_id).get("status")
                    if status != payloads.RECEIPT_INVALIDATED:
                        client.invalidate_invoice(remote_id)
            except ProcountorError as exc:
                self._procountor_invalidate_refused(self._procountor_explain(exc))
                return False
        self._procountor_write(
            {
                "procountor_state": "invalidated",
                "procountor_status": payloads.RECEIPT_INVALIDATED,
                "procountor_outdated": False,
                "procountor_error": False,
                "procountor_error_retryable": False,
                "procountor_attempt_date": fields.Datetime.now(),
            }
        )
        self._message_log(
            body=self.env._(
                "Procountor's %(document)s was invalidated: Procountor and Odoo both have "
                "this move cancelled.",
                document=self._procountor_document_label(),
            )
        )
        return True

    def _procountor_invalidate_refused(self, reason):
        self._procountor_write(
            {
                "procountor_error": self.env._(
                    "Procountor did not invalidate its %(document)s: %(reason)s\nThe document "
                    "stays in Procountor while this move is cancelled in Odoo. To make both "
                    "books agree, reset this move to draft, post it again and %(hint)s.",
                    document=self._procountor_document_label(),
                    reason=reason,
                    hint=self._procountor_correction_hint(),
                ),
                "procountor_error_retryable": False,
                "procountor_attempt_date": fields.Datetime.now(),
            }
        )

    # ------------------------------------------------------------------ posted again

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        invalidated = posted.filtered(lambda move: move.procountor_state == "invalidated")
        for move in invalidated:
            # Procountor's document is gone: sending creates a new one
            # (``_procountor_update_remote`` finds it invalidated).
            move._procountor_write({"procountor_outdated": True})
            move._message_log(
                body=self.env._(
                    "Posted again after its Procountor document was invalidated: send it to "
                    "Procountor to create a new one."
                )
            )
        return posted

    def _procountor_flag_if_changed(self):
        """Moves marked out of date (cancelled, changed) that are posted again exactly as
        Procountor has them match again: the mark is taken off. Moves whose document was
        invalidated are ``_post``'s (nothing to compare with)."""
        invalidated = self.filtered(lambda move: move.procountor_state == "invalidated")
        outdated = (self - invalidated).filtered("procountor_outdated")
        for move in outdated:
            connection = move.procountor_connection_id.sudo()
            if connection and move._procountor_payload_digest(connection) == (
                move.procountor_payload_hash
            ):
                move._procountor_write({"procountor_outdated": False})
                move._message_log(
                    body=self.env._(
                        "Posted again unchanged: it matches Procountor's document again."
                    )
                )
        return super(AccountMove, self - outdated - invalidated)._procountor_flag_if_changed()
