# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models

#: Channels an API client may choose for a Procountor sales invoice (EDIFACT and paper
#: invoices are refused by Procountor's POST/PUT). Values are Procountor's enum.
PROCOUNTOR_INVOICE_CHANNELS = [
    ("EMAIL", "E-mail"),
    ("MAIL", "Mail (printing service)"),
    ("ELECTRONIC_INVOICE", "E-invoice"),
    ("NO_SENDING", "No sending"),
]


class ResPartner(models.Model):
    """How Procountor delivers this customer's invoices.

    Odoo 18 and ``l10n_fi`` have no Finvoice address fields, so the e-invoice address
    (OVT / IBAN-like address) and the operator's code are kept here. They are commercial
    fields: contacts share their company's values.
    """

    _inherit = "res.partner"

    procountor_invoice_channel = fields.Selection(
        PROCOUNTOR_INVOICE_CHANNELS,
        help="How Procountor sends this customer's invoices; empty: the connection's default.",
    )
    procountor_einvoice_address = fields.Char(
        "E-invoice Address", help="Finvoice receiving address (e.g. OVT code 003712345678)"
    )
    procountor_einvoice_operator = fields.Char(
        "E-invoice Operator", help="Operator (intermediator) code, e.g. 003721291126"
    )

    @api.model
    def _commercial_fields(self):
        return super()._commercial_fields() + [
            "procountor_invoice_channel",
            "procountor_einvoice_address",
            "procountor_einvoice_operator",
        ]
