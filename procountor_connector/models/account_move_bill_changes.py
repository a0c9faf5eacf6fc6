# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Imported vendor bills whose Procountor purchase invoice changes after the import.

A purchase invoice can be returned to unfinished, changed and approved again, or
invalidated, after Odoo imported it. The import compares what the bill was made of
(``procountor_bill_fingerprint``, ``payloads.bill_fingerprint``) with what Procountor says
now: a draft bill is updated from Procountor; a posted one is never rewritten behind the
accountant's back but flagged (``procountor_bill_change`` says what changed, and the
chatter keeps it) until someone marks it reviewed."""

from odoo import fields, models
from odoo.exceptions import AccessError

from ..procountor_api import payloads
from ..status_labels import status_label


class AccountMove(models.Model):
    _inherit = "account.move"

    procountor_bill_fingerprint = fields.Json(copy=False, readonly=True)
    procountor_bill_change = fields.Text(
        "Changed in Procountor",
        copy=False,
        readonly=True,
        help="What changed in Procountor after this bill was imported (empty when nothing "
        "did, or once reviewed).",
    )

    # ------------------------------------------------------------------ what the run asks

    def _procountor_bill_maybe_changed(self, invoice):
        """Procountor gave the invoice a new version: its content may have changed (or only
        its payment): the run re-reads its accounting page and compares."""
        self.ensure_one()
        return bool(invoice.get("version")) and invoice.get("version") != (
            self.procountor_bill_version
        )

    def _procountor_bill_left(self, invoice):
        """The purchase invoice is no longer accepted in Procountor (back to unfinished or in
        circulation, rejected, invalidated): flag the bill, once per status. Returns 1 when
        it was flagged now, else 0."""
        self.ensure_one()
        status = invoice.get("status") or ""
        if status == self.procountor_bill_status:
            return 0
        if status == "INVALIDATED":
            text = self.env._(
                "Procountor invalidated purchase invoice %(number)s after it was imported: "
                "this bill no longer has a counterpart there. Cancel it or reverse it.",
                number=invoice.get("invoiceNumber") or invoice.get("id"),
            )
        else:
            text = self.env._(
                "Purchase invoice %(number)s went back to status %(status)s in Procountor "
                "after it was imported (it was %(before)s): it may be changed there. The "
                "next import compares it again once it is approved.",
                number=invoice.get("invoiceNumber") or invoice.get("id"),
                status=status_label(self.env, status),
                before=status_label(self.env, self.procountor_bill_status) or "-",
            )
        self._procountor_bill_flag(text)
        self.write(
            {"procountor_bill_status": status, "procountor_bill_version": invoice.get("version")}
        )
        return 1

    def _procountor_bill_flag(self, text):
        self.ensure_one()
        self.write({"procountor_bill_change": text})
        self._message_log(body=text)

    def _procountor_bill_change_text(self, changes):
        """One line per changed field of the fingerprint, before → after."""
        labels = {
            "supplier": self.env._("Supplier"),
            "move_type": self.env._("Type (bill or refund)"),
            "invoice_date": self.env._("Bill date"),
            "due_date": self.env._("Due date"),
            "accounting_date": self.env._("Accounting date"),
            "ref": self.env._("Supplier's invoice number"),
            "payment_reference": self.env._("Payment reference"),
            "currency": self.env._("Currency"),
            "currency_rate": self.env._("Currency rate"),
            "untaxed": self.env._("Untaxed amount"),
            "total": self.env._("Total"),
        }
        lines = []
        for key, before, after in changes:
            if key == "lines":
                lines.append(
                    self.env._(
                        "Lines (accounts, taxes, amounts or analytic): %(before)s line(s) "
                        "before, %(after)s now",
                        before=before,
                        after=after,
                    )
                )
            else:
                lines.append(f"{labels.get(key, key)}: {before or '-'} → {after or '-'}")
        return "\n".join(lines)

    # ------------------------------------------------------------------ the user

    def action_procountor_bill_change_reviewed(self):
        """The accountant checked the bill against Procountor: the flag goes; what
        Procountor says now is what the next comparison starts from."""
        if not self.env.user.has_group("procountor_connector.group_procountor_user"):
            raise AccessError(self.env._("Only Procountor users may review Procountor changes."))
        self.check_access("write")
        for move in self.filtered("procountor_bill_change"):
            move.sudo().write({"procountor_bill_change": False})
            move._message_log(body=self.env._("Procountor changes reviewed."))
        return True

    def _procountor_bill_remember(self, data):
        """Store what the bill now mirrors (after an import or a draft update)."""
        self.ensure_one()
        self.write({"procountor_bill_fingerprint": payloads.bill_fingerprint(data)})
