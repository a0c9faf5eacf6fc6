# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""One Procountor invoice is one Odoo move (docs/architecture.md, "One Procountor
invoice, one move").

A Procountor that gives an id twice (a sandbox restarted with its counters reset, a
company restored from a copy) must not make two moves share their status and payments:

- a partial unique index on ``account_move (procountor_connection_id,
  procountor_invoice_id)`` where the id is set (the ORM stores an empty integer as 0); a
  created or adopted id already linked to another move is stored as that move's error
  instead (``_procountor_check_invoice_id_free``);
- the payment fetch (and the status it stores) checks that the Procountor invoice read for
  a move is the one the move sent: its type and ``originalInvoiceNumber``
  (``_procountor_remote_mismatch``), from the data already read."""

import logging

import psycopg2

from odoo import models
from odoo.tools import SQL, mute_logger

from ..procountor_api.exceptions import ProcountorError

_logger = logging.getLogger(__name__)

INVOICE_ID_INDEX = "account_move_procountor_invoice_id_uniq"
INVOICE_ID_KEY = "procountor_connection_id, procountor_invoice_id"
INVOICE_ID_WHERE = "procountor_invoice_id IS NOT NULL AND procountor_invoice_id != 0"
#: Procountor's invoice type of each kind of move this connector sends.
REMOTE_TYPES = {
    "out_invoice": "SALES_INVOICE",
    "out_refund": "SALES_INVOICE",
    "in_invoice": "PURCHASE_INVOICE",
    "in_refund": "PURCHASE_INVOICE",
}


class ProcountorInvoiceIdTaken(ProcountorError):
    """Procountor answered with an invoice id another move of the connection holds."""

    def __init__(self, message):
        super().__init__(message, retryable=False, ambiguous=False)


class AccountMove(models.Model):
    _inherit = "account.move"

    def init(self):
        result = super().init()
        try:
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                self.env.cr.execute(
                    SQL(
                        "CREATE UNIQUE INDEX IF NOT EXISTS %s ON account_move (%s) WHERE %s",
                        SQL.identifier(INVOICE_ID_INDEX),
                        SQL(INVOICE_ID_KEY),
                        SQL(INVOICE_ID_WHERE),
                    )
                )
        except psycopg2.errors.UniqueViolation:
            # A database where ids were already given twice: creating the index would stop
            # the upgrade. The send's own check keeps new doubles out; the existing ones
            # are for the accountant (the payment fetch flags the move that is not its
            # Procountor invoice's).
            self.env.cr.execute(
                SQL(
                    "SELECT array_agg(id ORDER BY id) FROM account_move WHERE %s "
                    "GROUP BY %s HAVING count(*) > 1",
                    SQL(INVOICE_ID_WHERE),
                    SQL(INVOICE_ID_KEY),
                )
            )
            _logger.warning(
                "Moves linked to the same Procountor invoice (move ids per Procountor "
                "invoice): %s. The unique index %s is created once only one move per "
                "Procountor invoice keeps its id.",
                [row[0] for row in self.env.cr.fetchall()],
                INVOICE_ID_INDEX,
            )
        return result

    def _procountor_check_invoice_id_free(self, connection, remote_id):
        """Raise ``ProcountorInvoiceIdTaken`` when another move of ``connection`` holds the
        Procountor invoice ``remote_id``."""
        self.ensure_one()
        holder = self.search(
            [
                ("procountor_connection_id", "=", connection.id),
                ("procountor_invoice_id", "=", int(remote_id)),
                ("id", "!=", self.id),
            ],
            limit=1,
        )
        if holder:
            raise ProcountorInvoiceIdTaken(self._procountor_id_taken_message(remote_id, holder))

    def _procountor_id_taken_message(self, remote_id, holder):
        return self.env._(
            "Not linked to Procountor: Procountor answered with invoice id %(id)s, which is "
            "already linked to %(other)s in Odoo. Procountor gave the same id twice (for "
            "example a test environment that was reset). Nothing was overwritten: %(other)s "
            "keeps its link, and this document stays unlinked.\n"
            "What to do: open invoice %(id)s in Procountor and check which document it is; "
            "invalidate a copy that should not be there, then send this document again "
            "(it looks Procountor up by its number before creating anything).",
            id=remote_id,
            other=holder.display_name if holder else "?",
        )

    def _procountor_store_linked(self, connection, remote_id, write):
        """``write()`` the Procountor id ``remote_id`` on this move; the unique index
        refusing it (another worker linked the same id meanwhile) becomes
        ``ProcountorInvoiceIdTaken``."""
        try:
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                write()
        except psycopg2.errors.UniqueViolation as exc:
            self._procountor_check_invoice_id_free(connection, remote_id)
            raise ProcountorInvoiceIdTaken(
                self._procountor_id_taken_message(remote_id, self.browse())
            ) from exc

    # ------------------------------------------------------------------ reading it back

    def _procountor_remote_mismatch(self, remote):
        """Why the Procountor invoice ``remote`` (read for this move by its id by the
        payment fetch) is not the document this move sent, as a translated sentence, or
        False."""
        problems = self._procountor_remote_differences(remote)
        if not problems:
            return False
        return self.env._(
            "Procountor invoice %(id)s is not the document this move sent: %(problems)s. "
            "Procountor may have given its id to another document (for example a test "
            "environment that was reset). Nothing was booked from it and its status was "
            "not copied. Check the document in Procountor; register the payments of this "
            "move by hand if needed, then dismiss this flag.",
            id=remote.get("id"),
            problems="; ".join(problems),
        )

    def _procountor_update_mismatch(self, remote):
        """As ``_procountor_remote_mismatch``, for a send that would update ``remote``."""
        problems = self._procountor_remote_differences(remote)
        if not problems:
            return False
        return self.env._(
            "Not sent to Procountor: Procountor invoice %(id)s is not the document this move "
            "sent: %(problems)s. Procountor may have given its id to another document (for "
            "example a test environment that was reset). Nothing was changed in Procountor. "
            "Check the document in Procountor before sending this move again.",
            id=remote.get("id"),
            problems="; ".join(problems),
        )

    def _procountor_remote_differences(self, remote):
        """What differs between the Procountor invoice ``remote`` and what this move sent,
        as translated phrases. Only what Procountor answered is compared (a field it left
        out proves nothing)."""
        self.ensure_one()
        if not isinstance(remote, dict) or not self.procountor_invoice_id:
            # Bills imported from Procountor hold its id as ``procountor_bill_id``: Odoo
            # sent nothing to compare with.
            return []
        expected_type = REMOTE_TYPES.get(self.move_type)
        remote_type = remote.get("type")
        problems = []
        if expected_type and remote_type and remote_type != expected_type:
            problems.append(
                self.env._(
                    "it is a %(type)s, not a %(expected)s", type=remote_type, expected=expected_type
                )
            )
        number = remote.get("originalInvoiceNumber")
        sent_number = self._procountor_sent_number()
        if sent_number and number and str(number).strip() != sent_number:
            problems.append(
                self.env._(
                    "it carries the number %(number)s, not %(sent)s",
                    number=number,
                    sent=sent_number,
                )
            )
        remote_invoice_number = remote.get("invoiceNumber")
        if (
            self.procountor_invoice_number
            and isinstance(remote_invoice_number, int)
            and remote_invoice_number != self.procountor_invoice_number
        ):
            problems.append(
                self.env._(
                    "its Procountor number is %(number)s, not %(stored)s",
                    number=remote_invoice_number,
                    stored=self.procountor_invoice_number,
                )
            )
        return problems

    def _procountor_sent_number(self):
        """The ``originalInvoiceNumber`` this move sends: its own number for sales
        documents; nothing checked for bills (a supplier's number, which may be edited)."""
        if self.move_type in ("out_invoice", "out_refund") and self.name and self.name != "/":
            return self.name.strip()
        return ""
