# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Options of the purchase side of a connection: vendor bills imported from Procountor,
vendor bills sent to Procountor as purchase invoices, and journal entries sent as ledger
receipts. The work itself lives in the capability's own files."""

from odoo import fields, models


class ProcountorConnection(models.Model):
    _inherit = "procountor.connection"

    # Vendor bills ← Procountor (accepted purchase invoices).
    bill_import_enabled = fields.Boolean(
        "Import Vendor Bills",
        help="Fetch the accepted purchase invoices of Procountor (approved, in payment, paid) "
        "and create one Odoo vendor bill for each, for reporting and project costing.",
    )
    bill_import_journal_id = fields.Many2one(
        "account.journal",
        "Vendor Bill Journal",
        domain="[('type', '=', 'purchase'), ('company_id', '=', company_id)]",
        help="The purchase journal imported vendor bills are created in.",
    )
    bill_import_post = fields.Boolean(
        "Post Imported Bills",
        help="Post each imported vendor bill; otherwise it stays a draft for review.",
    )
    bill_import_payment_state = fields.Boolean(
        "Fetch Payments of Vendor Bills",
        help="Vendor bills imported from Procountor and vendor bills sent to it get their "
        "payments from Procountor's payment events, as sales invoices do: one Odoo payment "
        "per bank or cash payment (partial payments stay partial), cash discounts and "
        "set-offs booked as the connection's payment options say, anything else flagged for "
        "the accountant.",
    )
    # Vendor bills → Procountor purchase invoices.
    purchase_send_enabled = fields.Boolean(
        "Send Vendor Bills",
        help="Send posted vendor bills and refunds to Procountor as purchase invoices "
        "(for companies that receive bills in Odoo and keep the books in Procountor).",
    )
    purchase_approve = fields.Boolean(
        "Approve Purchase Invoices",
        help="Approve each purchase invoice in Procountor after creating it.",
    )
    # Journal entries → Procountor ledger receipts (JOURNAL).
    journal_send_journal_ids = fields.Many2many(
        "account.journal",
        "procountor_connection_send_journal_rel",
        "connection_id",
        "journal_id",
        "Journals Sent as Ledger Receipts",
        domain="[('type', '=', 'general'), ('company_id', '=', company_id)]",
        help="Posted entries of these miscellaneous journals (payroll, accruals, ...) are "
        "sent to Procountor as journal ledger receipts.",
    )
    journal_approve = fields.Boolean(
        "Approve Ledger Receipts",
        help="Approve each journal ledger receipt in Procountor after creating it.",
    )
