# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models

from ..models.account_payment import procountor_fetch_context


class AccountPaymentRegister(models.TransientModel):
    """Odoo's Register Payment wizard, told by the Procountor fetch what to put on the payment.

    The fetch registers each Procountor payment event through this wizard, so partial payments,
    credit-note refunds and exchange differences are exactly Odoo's own; the context only adds
    the event id, its connection and (option "Paid") that the payment is booked on the
    journal's own account, and for a foreign-currency payment the euros Procountor booked.
    Those keys count only next to the fetch's pass
    (``account_payment.FETCH_PASS``), which no user context can carry: a crafted context
    from the client is ignored here and refused by ``account.payment``.
    """

    _inherit = "account.payment.register"

    def _create_payment_vals_from_wizard(self, batch_result):
        vals = super()._create_payment_vals_from_wizard(batch_result)
        if not procountor_fetch_context(self.env):
            return vals
        context = self.env.context
        if context.get("procountor_payment_event_id"):
            vals["procountor_payment_event_id"] = str(context["procountor_payment_event_id"])
            vals["procountor_connection_id"] = context["procountor_connection_id"]
        if context.get("procountor_book_on_journal_account"):
            vals["procountor_book_on_journal_account"] = True
        if context.get("procountor_payment_company_amount") is not None:
            # Odoo's own hook for a payment whose company-currency amount is known.
            vals["force_balance"] = context["procountor_payment_company_amount"]
        return vals
