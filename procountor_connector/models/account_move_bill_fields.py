# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Where an imported vendor bill came from: the Procountor purchase invoice it mirrors.

An imported bill is never sent back to Procountor (``_procountor_send_kind``)."""

from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    procountor_bill_id = fields.Integer(
        "Procountor Purchase Invoice ID",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="The Procountor purchase invoice this vendor bill was imported from.",
    )
    procountor_bill_connection_id = fields.Many2one(
        "procountor.connection",
        "Imported Through",
        copy=False,
        readonly=True,
        index="btree_not_null",
    )
