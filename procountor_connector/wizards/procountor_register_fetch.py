# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The fetch-and-match wizard: a preview of what fetching Procountor's partners or
products would do, line by line, then exactly that on confirm."""

import json

from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from ..models.procountor_connection_register import LINE_ACTIONS, line_action
from ..models.procountor_connection_register_refusals import REFUSED
from ..procountor_api import payloads

STATUSES = [
    (payloads.UNCHANGED, "Unchanged"),
    (payloads.LINKED, "Linked, changed in Procountor"),
    (payloads.MATCHED, "Matched"),
    (payloads.NEW, "New"),
    (payloads.CONFLICT, "Conflict"),
]
MATCH_KEYS = [
    ("link", "Existing link"),
    ("business_id", "Business ID"),
    ("vat", "VAT number"),
    ("customer_number", "Customer number"),
    ("default_code", "Internal reference"),
    ("barcode", "Barcode"),
    ("name", "Name"),
]

#: What a user may change on a preview line.
USER_LINE_FIELDS = frozenset(("skip",))


class ProcountorRegisterFetch(models.TransientModel):
    _name = "procountor.register.fetch"
    _description = "Fetch Partners or Products from Procountor"

    connection_id = fields.Many2one("procountor.connection", required=True, ondelete="cascade")
    kind = fields.Selection([("partner", "Partners"), ("product", "Products")], required=True)
    incremental = fields.Boolean(
        "Only Changes", help="Fetch only what changed in Procountor since the last fetch."
    )
    create_missing = fields.Boolean(default=True, help="Create the new Procountor records in Odoo.")
    update_matched = fields.Boolean(
        help="Overwrite the Odoo fields of matched and linked records with Procountor's values "
        "(empty Procountor fields never blank Odoo's).",
    )
    max_version = fields.Char(
        readonly=True,
        help="Technical: the bookmark the fetch moves to on confirm; set by the fetch only.",
    )
    state = fields.Selection([("preview", "Preview"), ("done", "Done")], default="preview")
    result = fields.Text(readonly=True)
    line_ids = fields.One2many("procountor.register.fetch.line", "wizard_id", "Lines")
    count_matched = fields.Integer(compute="_compute_counts")
    count_new = fields.Integer(compute="_compute_counts")
    count_conflict = fields.Integer(compute="_compute_counts")
    count_unchanged = fields.Integer(compute="_compute_counts")

    @api.depends("line_ids.status")
    def _compute_counts(self):
        for wizard in self:
            statuses = wizard.line_ids.mapped("status")
            wizard.count_matched = sum(s in ("matched", "linked") for s in statuses)
            wizard.count_new = statuses.count("new")
            wizard.count_conflict = statuses.count("conflict")
            wizard.count_unchanged = statuses.count("unchanged")

    @api.model_create_multi
    def create(self, vals_list):
        self._procountor_check_fetched_fields(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._procountor_check_fetched_fields([vals])
        return super().write(vals)

    @api.model
    def _procountor_check_fetched_fields(self, vals_list):
        """The bookmark comes from what Procountor answered: set by users (RPC), it would
        make every later incremental fetch skip changes. Only the fetch (as superuser)
        writes it."""
        if not self.env.su and any("max_version" in vals for vals in vals_list):
            raise AccessError(_("The fetch bookmark is set by the fetch from Procountor only."))

    def _procountor_load(self):
        """Fetch from Procountor and store one line per record."""
        self.ensure_one()
        preview = self.connection_id._procountor_register_preview(self.kind, self.incremental)
        model = "res.partner" if self.kind == "partner" else "product.product"
        field = "partner_id" if self.kind == "partner" else "product_id"
        vals_list = []
        for row in preview["rows"]:
            match, basic = row["match"], row["basic"]
            vals = {
                "wizard_id": self.id,
                "procountor_id": match.remote_id,
                "name": basic.get("name"),
                "code": (basic.get("invoicingInfo") or {}).get("customerNumber")
                or basic.get("code"),
                "status": match.status,
                "match_key": match.key or False,
                field: match.odoo_id or False,
                "remote_data": json.dumps(row["remote"] or basic),
            }
            if match.status == payloads.CONFLICT:
                vals["note"] = self._procountor_conflict_note(model, match)
            vals_list.append(vals)
        # sudo: lines and bookmark hold what Procountor answered; users may not set them
        # (only ``skip`` on a line, see ``ProcountorRegisterFetchLine``).
        self.env["procountor.register.fetch.line"].sudo().create(vals_list)
        self.sudo().max_version = preview["max_version"]

    def _procountor_conflict_note(self, model, match):
        labels = self.env["procountor.register.fetch.line"]._fields["match_key"]
        key = dict(labels._description_selection(self.env)).get(match.key, match.key)
        records = self.env[model].with_context(active_test=False).browse(match.odoo_ids)
        names = ", ".join(records.mapped("display_name"))
        if len(records) > 1:
            return _("Several Odoo records have the same %(key)s: %(names)s", key=key, names=names)
        return _(
            "%(names)s (same %(key)s) is already linked to another Procountor record",
            names=names,
            key=key,
        )

    def _procountor_reopen(self):
        return {
            "type": "ir.actions.act_window",
            "name": _("Fetch from Procountor"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_confirm(self):
        """Apply exactly what the preview shows."""
        self.ensure_one()
        lines = [
            (
                line.action,
                line.procountor_id,
                (line.partner_id or line.product_id).id,
                line._remote(),
            )
            for line in self.line_ids
        ]
        notes = {}
        counts = self.connection_id._procountor_register_apply(
            self.kind, (lines, self.max_version), self.create_missing, self.update_matched, notes
        )
        labels = dict(
            self.env["procountor.register.fetch.line"]
            ._fields["action"]
            ._description_selection(self.env)
        )
        labels[REFUSED] = _("Refused by Odoo")
        # sudo: the lines are written by the fetch only; the note says what Odoo refused.
        for line in self.line_ids.sudo():
            if line.procountor_id in notes:
                line.note = notes[line.procountor_id]
        self.write(
            {
                "state": "done",
                "result": "\n".join(
                    [
                        *(
                            f"{labels[action]}: {count}"
                            for action, count in counts.items()
                            if count
                        ),
                        *notes.values(),
                    ]
                ),
            }
        )
        return self._procountor_reopen()


class ProcountorRegisterFetchLine(models.TransientModel):
    _name = "procountor.register.fetch.line"
    _description = "Fetch from Procountor: Line"
    _order = "id"

    wizard_id = fields.Many2one("procountor.register.fetch", required=True, ondelete="cascade")
    procountor_id = fields.Integer("Procountor ID", readonly=True)
    name = fields.Char(readonly=True)
    code = fields.Char("Number / Code", readonly=True)
    status = fields.Selection(STATUSES, readonly=True)
    match_key = fields.Selection(MATCH_KEYS, "Matched By", readonly=True)
    partner_id = fields.Many2one("res.partner", "Odoo Partner", readonly=True)
    product_id = fields.Many2one("product.product", "Odoo Product", readonly=True)
    note = fields.Char(readonly=True)
    skip = fields.Boolean(help="Leave this record out.")
    action = fields.Selection(LINE_ACTIONS, compute="_compute_action")
    remote_data = fields.Text(readonly=True)

    @api.depends("status", "skip", "wizard_id.create_missing", "wizard_id.update_matched")
    def _compute_action(self):
        for line in self:
            action = line_action(
                line.status, line.wizard_id.create_missing, line.wizard_id.update_matched
            )
            line.action = "skip" if line.skip and action != "none" else action

    @api.model_create_multi
    def create(self, vals_list):
        self._procountor_check_user_fields(vals_list, creating=True)
        return super().create(vals_list)

    def write(self, vals):
        self._procountor_check_user_fields([vals])
        return super().write(vals)

    @api.model
    def _procountor_check_user_fields(self, vals_list, creating=False):
        """A line is what Procountor answered and what confirm does with it (which Odoo
        record, which Procountor id, the remote data): users only choose to skip it."""
        if self.env.su:
            return
        if creating or any(set(vals) - USER_LINE_FIELDS for vals in vals_list):
            raise AccessError(
                _("The lines of a fetch come from Procountor: only Skip may be changed.")
            )

    def _remote(self):
        return json.loads(self.remote_data or "{}")
