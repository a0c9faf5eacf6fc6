# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models


class AccountPayment(models.Model):
    """An Odoo payment made from a Procountor payment event (issue 8)."""

    _inherit = "account.payment"

    # Procountor ids are int64 in its newer endpoints while Odoo's Integer is a PostgreSQL int4:
    # kept as the decimal text of the id, which cannot overflow (digits only, checked below).
    procountor_payment_event_id = fields.Char(
        "Procountor Payment Event ID",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="The Procountor payment event this payment was registered from.",
    )
    procountor_connection_id = fields.Many2one(
        "procountor.connection",
        copy=False,
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
    )

    procountor_book_on_journal_account = fields.Boolean(
        "Booked on Journal Account",
        copy=False,
        readonly=True,
        help="Connection option Paid: booked straight on the journal's own bank or cash account "
        "(no outstanding account), so the payment is matched at once.",
    )

    _sql_constraints = [
        # The last barrier of "each payment event once": whatever the entry point or worker,
        # a second payment for the same event of the same connection cannot be committed.
        (
            "procountor_payment_event_unique",
            "UNIQUE(procountor_connection_id, procountor_payment_event_id)",
            "This Procountor payment event is already registered.",
        ),
        (
            "procountor_payment_event_digits",
            "CHECK(procountor_payment_event_id ~ '^[0-9]+$')",
            "A Procountor payment event id is a number.",
        ),
    ]

    @api.depends("procountor_book_on_journal_account")
    def _compute_outstanding_account_id(self):
        # Odoo's own way for journals without statement matching: with the journal's account as
        # outstanding account, the payment counts as matched and the invoice as Paid.
        result = super()._compute_outstanding_account_id()
        for payment in self.filtered("procountor_book_on_journal_account"):
            if payment.journal_id.default_account_id:
                payment.outstanding_account_id = payment.journal_id.default_account_id
        return result
