# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The send cron also sends vendor bills when the connection sends them.

The cron itself (``_cron_procountor_send_invoices``), its batch size, start date, pauses
and retry delays are the sales invoices' (procountor_connection_invoice.py): only the
moves it looks for grow by the posted vendor bills and refunds not imported from
Procountor."""

from odoo import models

SALES_MOVE_TYPES = ("out_invoice", "out_refund")
PURCHASE_MOVE_TYPES = ("in_invoice", "in_refund")


class ProcountorConnection(models.Model):
    _inherit = "procountor.connection"

    def _procountor_invoice_cron_domain(self, now=None):
        domain = super()._procountor_invoice_cron_domain(now=now)
        if not self.purchase_send_enabled:
            return domain
        sales_leaf = ("move_type", "in", SALES_MOVE_TYPES)
        moves = [
            "|",
            sales_leaf,
            "&",
            ("move_type", "in", PURCHASE_MOVE_TYPES),
            # A bill imported from Procountor never goes back (``_procountor_send_kind``).
            "|",
            ("procountor_bill_id", "=", False),
            ("procountor_bill_id", "=", 0),
        ]
        result = []
        for term in domain:
            if isinstance(term, tuple | list) and tuple(term[:2]) == sales_leaf[:2]:
                result += moves
            else:
                result.append(term)
        return result
