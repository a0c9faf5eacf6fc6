# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Differences between Odoo's books and Procountor's, as the reconciliation found them.

One row per (connection, ``key``): the same difference found by a later run is the same
row, so a note and the "explained" state survive runs. A run writes what it found
(``_procountor_sync``): new rows are open; an explained row stays explained while both
values are unchanged and is opened again when one changes; rows of the run's period that
were not found again are resolved (and opened again should they come back).
"""

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..status_labels import STATUS_LABELS, status_label

KIND_SELECTION = [
    ("missing_in_procountor", "In Odoo, not in Procountor"),
    ("missing_in_odoo", "In Procountor, not in Odoo"),
    ("currency", "Currency differs"),
    ("total", "Total differs"),
    ("partner", "Partner differs"),
    ("date", "Date differs"),
    ("reference", "Reference differs"),
    ("paid_status", "Paid in one, open in the other"),
    ("paid_amount", "Paid amounts differ"),
    ("lines", "Accounts or VAT split differ"),
    ("balance", "Open balance differs"),
]
DOCUMENT_TYPE_SELECTION = [
    ("sale", "Sales invoice or credit note"),
    ("purchase", "Vendor bill or refund"),
    ("entry", "Journal entry"),
    ("partner", "Partner balance"),
]
#: Kinds a new send of the Odoo document may fix.
RESEND_KINDS = (
    "missing_in_procountor",
    "currency",
    "total",
    "partner",
    "date",
    "reference",
    "lines",
)


class ProcountorDifference(models.Model):
    _name = "procountor.difference"
    _description = "Procountor Reconciliation Difference"
    _order = "date desc, kind, id"
    _check_company_auto = True

    connection_id = fields.Many2one(
        "procountor.connection", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(related="connection_id.company_id", store=True)
    key = fields.Char(required=True, readonly=True, index=True)
    kind = fields.Selection(KIND_SELECTION, required=True, readonly=True)
    document_type = fields.Selection(DOCUMENT_TYPE_SELECTION, "Document", readonly=True)
    date = fields.Date(
        readonly=True, help="Date of the document, or the period end for a partner balance."
    )
    move_id = fields.Many2one(
        "account.move", "Odoo Document", ondelete="set null", readonly=True, index="btree_not_null"
    )
    partner_id = fields.Many2one("res.partner", ondelete="set null", readonly=True)
    procountor_id = fields.Char("Procountor ID", readonly=True)
    odoo_value = fields.Char("In Odoo", readonly=True)
    procountor_value = fields.Char("In Procountor (as Read)", readonly=True)
    # A document Procountor has only under a status (e.g. invalidated) shows that status in
    # words, not Procountor's raw code; other values (amounts, dates) as they are.
    procountor_value_label = fields.Char("In Procountor", compute="_compute_procountor_value_label")
    state = fields.Selection(
        [("open", "Open"), ("explained", "Explained"), ("resolved", "Resolved")],
        default="open",
        required=True,
        readonly=True,
        index=True,
    )
    note = fields.Text(help="Why the books differ here (required to mark it explained).")
    last_seen = fields.Datetime(readonly=True)
    resolved_date = fields.Datetime(readonly=True)

    _sql_constraints = [
        (
            "key_uniq",
            "unique(connection_id, key)",
            "A difference is listed only once per connection.",
        ),
    ]

    @api.depends("kind", "move_id", "partner_id", "procountor_id")
    def _compute_display_name(self):
        labels = dict(self._fields["kind"]._description_selection(self.env))
        for row in self:
            subject = row.move_id.name or row.partner_id.display_name or row.procountor_id or ""
            row.display_name = f"{labels.get(row.kind, row.kind)}: {subject}".rstrip(": ")

    # ------------------------------------------------------------------ what a run writes

    @api.model
    def _procountor_sync(self, connection, findings, date_from, date_to):
        """Store a run's findings (``payloads.reconcile.Finding``); returns ``(new, resolved)``:
        the rows that became open in this run (created or opened again) and those resolved."""
        now = fields.Datetime.now()
        existing = {
            row.key: row
            for row in self.search(
                [
                    ("connection_id", "=", connection.id),
                    ("key", "in", [finding.key for finding in findings]),
                ]
            )
        }
        new = self.browse()
        to_create = []
        for finding in findings:
            vals = self._procountor_finding_vals(finding)
            row = existing.get(finding.key)
            if row is None:
                to_create.append({**vals, "connection_id": connection.id, "key": finding.key})
                continue
            changed = (row.odoo_value or "", row.procountor_value or "") != (
                vals["odoo_value"],
                vals["procountor_value"],
            )
            if row.state == "resolved" or (row.state == "explained" and changed):
                vals.update(state="open", resolved_date=False)
                new |= row
            row.write({**vals, "last_seen": now})
        if to_create:
            new |= self.create([{**vals, "last_seen": now} for vals in to_create])
        gone = self.search(
            [
                ("connection_id", "=", connection.id),
                ("state", "in", ("open", "explained")),
                ("date", ">=", date_from),
                ("date", "<=", date_to),
                ("key", "not in", [finding.key for finding in findings]),
            ]
        )
        gone.write({"state": "resolved", "resolved_date": now})
        return new, gone

    @api.model
    def _procountor_finding_vals(self, finding):
        return {
            "kind": finding.kind,
            "document_type": finding.doc_type,
            "date": finding.date or False,
            "move_id": finding.move_id or False,
            "partner_id": finding.partner_id or False,
            "procountor_id": str(finding.procountor_id) if finding.procountor_id else False,
            "odoo_value": finding.odoo_value or "",
            "procountor_value": finding.procountor_value or "",
        }

    # ------------------------------------------------------------------ actions

    def action_explain(self):
        """Mark as explained: the note says why; it stays so until a value changes."""
        missing = self.filtered(lambda row: not (row.note or "").strip())
        if missing:
            raise UserError(
                self.env._(
                    "Write in the note why Odoo and Procountor differ before marking the "
                    "difference as explained."
                )
            )
        self.write({"state": "explained"})

    def action_reopen(self):
        self.filtered(lambda row: row.state == "explained").write({"state": "open"})

    def action_open_document(self):
        self.ensure_one()
        if self.move_id:
            return {
                "type": "ir.actions.act_window",
                "res_model": "account.move",
                "res_id": self.move_id.id,
                "view_mode": "form",
            }
        if self.partner_id:
            return {
                "type": "ir.actions.act_window",
                "res_model": "res.partner",
                "res_id": self.partner_id.id,
                "view_mode": "form",
            }
        raise UserError(self.env._("This difference has no Odoo document to open."))

    def _procountor_moves(self):
        moves = self.mapped("move_id")
        if not moves:
            raise UserError(self.env._("These differences have no Odoo document."))
        return moves

    def action_resend(self):
        """Send the Odoo documents again (a changed document is updated in Procountor
        where Procountor still allows it; otherwise the document says what to do; one that
        Procountor no longer has is created again)."""
        moves = self._procountor_moves()
        imported = moves.filtered("procountor_bill_id")
        if imported:
            # Procountor is the source of an imported bill: sending it would make a second
            # purchase invoice there.
            raise UserError(
                self.env._(
                    "%(bills)s came from Procountor: fetch the bill again instead of sending it.",
                    bills=", ".join(imported.mapped("display_name")),
                )
            )
        # A document Odoo holds as sent but Procountor no longer has (deleted there) is
        # created again, once Procountor confirms it is gone; everything else is sent as usual.
        moves._procountor_check_access()
        self.filtered(lambda row: row.kind == "missing_in_procountor").mapped(
            "move_id"
        )._procountor_forget_if_gone()
        return moves.action_procountor_send()

    def action_fetch_payments(self):
        return self._procountor_moves().action_procountor_fetch_payments()

    def action_fetch_bill(self):
        """Import (or follow) the Procountor purchase invoices of these differences."""
        groups = {}
        for row in self.filtered("procountor_id"):
            groups.setdefault(row.connection_id, []).append(int(row.procountor_id))
        if not groups:
            raise UserError(self.env._("These differences name no Procountor invoice."))
        summaries = [
            connection._procountor_fetch_bills(only_ids=ids) for connection, ids in groups.items()
        ]
        return next(iter(groups))._procountor_bill_notification(summaries)

    @api.depends_context("lang")
    @api.depends("procountor_value")
    def _compute_procountor_value_label(self):
        for row in self:
            value = row.procountor_value or ""
            row.procountor_value_label = (
                status_label(self.env, value) if value in STATUS_LABELS else value
            )
