# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Procountor's status of a sent invoice kept current by the payment fetch.

The status is otherwise read only when sending; the invoice then reads "In Procountor
(unfinished)" long after Procountor sent it to the customer and it was paid. The payment fetch
reads every candidate invoice from Procountor anyway: what it read is stored here, so the
screens say "Sent to customer", "Partly paid", "Paid"."""

from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _procountor_note_remote_status(self, remote):
        """Store ``remote``'s status (the Procountor invoice this move was sent as, just read)
        when it changed. Never while a send is under way (it writes the status itself) nor on
        a row another worker holds: the next fetch stores it then."""
        self.ensure_one()
        status = remote.get("status") if isinstance(remote, dict) else None
        if (
            not status
            or not isinstance(status, str)
            or status == self.procountor_status
            or self.procountor_state != "sent"
            or str(remote.get("id")) != str(self.procountor_invoice_id)
            or self._procountor_remote_mismatch(remote)
        ):
            return False
        if not self._procountor_try_lock() or self.procountor_state != "sent":
            return False
        self._procountor_write({"procountor_status": status})
        return True
