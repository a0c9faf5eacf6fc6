# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A sent document that Procountor no longer has (deleted there by hand), sent again on
request from the reconciliation's *Send Again* (docs/reconciliation.md).

Odoo keeps the Procountor id of a sent move, so the send pipeline takes such a move for sent
and skips it. Only when a person asks, and only when Procountor answers 404 for that very
id, is the id forgotten: the next send then creates a new document through the usual
create-once path (whose look-up after a lost answer still guards against a double). Any
other answer, or an error, leaves the move as it is: a document that is there is never
replaced by a second one.
"""

from odoo import fields, models

from ..procountor_api.exceptions import ProcountorError, ProcountorNotFoundError

#: What a move forgets of a Procountor document that is gone.
_GONE_VALS = {
    "procountor_state": "not_sent",
    "procountor_invoice_id": 0,
    "procountor_invoice_number": 0,
    "procountor_ledger_receipt_id": 0,
    "procountor_receipt_number": 0,
    "procountor_step": "none",
    "procountor_status": False,
    "procountor_version": False,
    "procountor_outdated": False,
    "procountor_payload_hash": False,
    "procountor_error": False,
    "procountor_error_retryable": False,
}


class AccountMove(models.Model):
    _inherit = "account.move"

    def _procountor_forget_if_gone(self):
        """Forget the Procountor document of each move that Procountor answers 404 for.
        Returns the moves whose document was gone."""
        gone = self.browse()
        for move in self.filtered(lambda m: m._procountor_document_kind()):
            connection = move.procountor_connection_id.sudo()
            journal = move._procountor_document_kind() == "journal"
            remote_id = move.procountor_ledger_receipt_id if journal else move.procountor_invoice_id
            label = move._procountor_document_label()
            client = connection._procountor_client()
            with client:
                client.on_exchange = move._procountor_exchange_logger(connection)
                try:
                    if journal:
                        client.get_ledger_receipt(remote_id)
                    else:
                        client.get_invoice(remote_id)
                except ProcountorNotFoundError:
                    gone |= move
                except ProcountorError as exc:
                    move._procountor_write(
                        {
                            "procountor_error": move._procountor_explain(exc),
                            "procountor_attempt_date": fields.Datetime.now(),
                        }
                    )
                    continue
                else:
                    continue
            move._procountor_write(dict(_GONE_VALS))
            move._message_log(
                body=self.env._(
                    "Procountor no longer has its %(document)s (not found there): it is sent "
                    "again as a new document.",
                    document=label,
                )
            )
        return gone
