# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Imported vendor bills whose purchase invoice changed in Procountor afterwards: the run's
side (``account_move_bill_changes.py`` has the bill's). Invoices that left the accepted
statuses are searched too, for the bills already imported; accepted ones with a new
version are mapped again and compared."""

import psycopg2

from odoo import Command, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import mute_logger

from ..procountor_api import payloads
from .procountor_connection_bill import BULK_CONTEXT
from .procountor_connection_bill_create import _Refused


class ProcountorConnection(models.Model):
    _inherit = "procountor.connection"

    def _procountor_bill_search_left(self, client):
        """Search rows of purchase invoices that left the accepted statuses since the mark
        and that a bill of this connection was imported from (the others are no business
        of the import)."""
        if not self.bill_import_version:
            return []
        rows = list(
            client.search_invoices(
                **payloads.bill_search_filters(
                    self.bill_import_version, statuses=payloads.BILL_LEFT_STATUSES
                )
            )
        )
        ids = [row.get("id") for row in rows if isinstance(row, dict)]
        imported = set(
            self.env["account.move"]
            .sudo()
            .search(
                [("procountor_bill_connection_id", "=", self.id), ("procountor_bill_id", "in", ids)]
            )
            .mapped("procountor_bill_id")
        )
        return [row for row in rows if isinstance(row, dict) and row.get("id") in imported]

    def _procountor_bill_recheck(self, move, data, problems):
        """An imported bill whose invoice has a new version: compare what Procountor says
        now with what the bill was made of. Returns 1 when the bill was flagged or updated."""
        if problems:
            move._procountor_bill_flag(
                self.env._(
                    "The purchase invoice changed in Procountor after it was imported and can "
                    "no longer be read as a bill: %(reasons)s",
                    reasons=self._procountor_bill_reasons(problems),
                )
            )
            return 1
        now = payloads.bill_fingerprint(data)
        if not move.procountor_bill_fingerprint:
            # Imported before fingerprints were kept: this is the first reference.
            move._procountor_bill_remember(data)
            return 0
        changes = payloads.bill_fingerprint_changes(move.procountor_bill_fingerprint, now)
        if not changes:
            return 0
        text = move._procountor_bill_change_text(changes)
        supplier_same = not any(key == "supplier" for key, _b, _a in changes)
        if move.state == "draft" and supplier_same:
            reason = self._procountor_bill_update_draft(move, data)
            if not reason:
                move._message_log(
                    body=self.env._(
                        "Updated from Procountor (the purchase invoice changed "
                        "there):\n%(changes)s",
                        changes=text,
                    )
                )
                return 1
            text += "\n" + reason
        move._procountor_bill_flag(
            self.env._(
                "The purchase invoice changed in Procountor after it was imported; this bill "
                "was not changed:\n%(changes)s",
                changes=text,
            )
        )
        # Flagged once: the next comparison starts from what Procountor says now.
        move._procountor_bill_remember(data)
        return 1

    def _procountor_bill_update_draft(self, move, data):
        """Rewrite a draft bill from Procountor's new content (lines and header), in a
        savepoint and with the same checks as an import. Returns "" or the reason why not."""
        vals = self._procountor_bill_vals(data, move.partner_id)
        for key in ("move_type", "journal_id", "company_id", "partner_id", "invoice_line_ids"):
            vals.pop(key, None)
        vals["invoice_line_ids"] = [Command.clear()] + [
            Command.create(self.env["account.move"]._procountor_bill_line_vals(line))
            for line in data.lines
        ]
        try:
            with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                move.with_context(**BULK_CONTEXT).write(vals)
                self._procountor_bill_settle(move, data)
                self.env.flush_all()
        except _Refused as refused:
            return refused.reason
        except (UserError, ValidationError, psycopg2.Error) as exc:
            return self.env._(
                "Odoo refused the update: %(error)s", error=exc.args[0] if exc.args else exc
            )
        move.write({"procountor_bill_change": False})
        move._procountor_bill_remember(data)
        return ""
