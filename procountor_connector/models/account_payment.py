# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import AccessError

#: Fields of a payment that only the payment fetch sets (the event the payment books, its
#: connection, and the option that books it on the journal's own account).
PROCOUNTOR_FETCH_FIELDS = (
    "procountor_payment_event_id",
    "procountor_connection_id",
    "procountor_book_on_journal_account",
)
#: Context key of the payment fetch; its value must be ``FETCH_PASS`` itself.
FETCH_CONTEXT_KEY = "procountor_payment_fetch_pass"


class _FetchPass:
    """The pass of the payment fetch: a Python object, so no RPC context (JSON) can carry
    it and no ``default_`` key can stand in for it."""

    __slots__ = ()

    def __repr__(self):
        return "<procountor payment fetch>"


FETCH_PASS = _FetchPass()


def procountor_fetch_context(env):
    """``True`` when the running code is the payment fetch (it set ``FETCH_PASS``)."""
    return env.context.get(FETCH_CONTEXT_KEY) is FETCH_PASS


class AccountPayment(models.Model):
    """An Odoo payment made from a Procountor payment event."""

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

    @api.model_create_multi
    def create(self, vals_list):
        payments = super().create(vals_list)
        # Checked on the created records, not the values: context defaults
        # (default_procountor_payment_event_id ...) fill fields after the values are read.
        if not procountor_fetch_context(self.env):
            for payment in payments:
                if any(payment[name] for name in PROCOUNTOR_FETCH_FIELDS):
                    raise self._procountor_fetch_fields_refused()
        return payments

    def write(self, vals):
        if not procountor_fetch_context(self.env) and any(
            name in vals for name in PROCOUNTOR_FETCH_FIELDS
        ):
            raise self._procountor_fetch_fields_refused()
        return super().write(vals)

    def copy_data(self, default=None):
        # The fields are copy=False; a default given to copy() is refused like any write.
        if default and not procountor_fetch_context(self.env):
            if any(default.get(name) for name in PROCOUNTOR_FETCH_FIELDS):
                raise self._procountor_fetch_fields_refused()
        return super().copy_data(default=default)

    def _procountor_fetch_fields_refused(self):
        return AccessError(
            self.env._(
                "Only the Procountor payment fetch sets the Procountor payment event, "
                "connection and journal-account booking of a payment."
            )
        )

    @api.depends("procountor_book_on_journal_account")
    def _compute_outstanding_account_id(self):
        # Odoo's own way for journals without statement matching: with the journal's account as
        # outstanding account, the payment counts as matched and the invoice as Paid.
        result = super()._compute_outstanding_account_id()
        for payment in self.filtered("procountor_book_on_journal_account"):
            if payment.journal_id.default_account_id:
                payment.outstanding_account_id = payment.journal_id.default_account_id
        return result
