# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""How a move's Procountor failures are stored, for every kind of move (sales invoices,
vendor bills, journal entries): the one write of Procountor bookkeeping fields, problems
found before any HTTP call, remote refusals, unexpected errors and adoption conflicts, each
with what it means and what to do (docs/architecture.md, the state diagram of
``models/account_move.py``)."""

import logging

from odoo import _, api, fields, models

from ..procountor_api.exceptions import ProcountorAuthError
from .account_move import PROCOUNTOR_ERROR_HELP
from .procountor_cron_guard import unexpected_error_text

_logger = logging.getLogger(__name__)


class AccountMove(models.Model):
    _inherit = "account.move"

    # ------------------------------------------------------------------ failures

    def _procountor_write(self, vals):
        """Write Procountor bookkeeping fields (never accounting data) in one write.

        Only ``procountor_*`` fields are written here, so the accounting machinery that a
        write on a posted invoice triggers is skipped: the sync of tax and payment-term lines
        (``skip_invoice_sync``) and the balance check (``check_move_validity``) would find
        nothing to do at about 20 ms each. Nor is the invoice marked as manually modified.
        """
        if not all(name.startswith("procountor_") for name in vals):
            raise ValueError(f"not a Procountor field in {sorted(vals)}")
        self.with_context(
            skip_is_manually_modified=True,
            tracking_disable=True,
            skip_invoice_sync=True,
            check_move_validity=False,
        ).write(vals)

    def _procountor_fail_before_http(self, problems):
        """Checks failed: nothing was sent. The error lists every problem at once."""
        self.ensure_one()
        text = (
            _("Not sent to Procountor:") + "\n" + "\n".join(f"• {problem}" for problem in problems)
        )
        vals = {
            "procountor_error": text,
            "procountor_error_retryable": True,
            "procountor_attempt_date": fields.Datetime.now(),
        }
        # An unconfirmed creation keeps "sending": the next attempt must look Procountor up.
        if not self.procountor_create_unknown and self.procountor_state != "sent":
            vals["procountor_state"] = "error"
        self._procountor_write(vals)

    def _procountor_fail_remote(self, error):
        """Store a failed call; an unconfirmed creation stays ``sending`` (see the diagram)."""
        self.ensure_one()
        vals = {
            "procountor_error": self._procountor_explain(error),
            # Refused credentials are the connection's problem, not the invoice's: once they
            # are fixed the cron sends it without anyone touching it.
            "procountor_error_retryable": bool(error.retryable)
            or isinstance(error, ProcountorAuthError),
            "procountor_claimed_at": False,
            "procountor_attempt_date": fields.Datetime.now(),
        }
        if self.procountor_create_unknown:
            vals["procountor_state"] = "sending"
        elif not (self.procountor_state == "sent" and self.procountor_outdated):
            vals["procountor_state"] = "error"
        self._procountor_write(vals)
        _logger.info("Procountor: sending %s failed: %s", self.name, error.message)

    def _procountor_fail_unexpected(self, error):
        """``procountor_isolated``'s ``on_error`` for an invoice: an error nobody expected.

        Not retried by the cron (a bug would fail the same way every ten minutes); the
        state follows the diagram as for a remote failure."""
        self.ensure_one()
        vals = {
            "procountor_error": unexpected_error_text(self.env, error),
            "procountor_error_retryable": False,
            "procountor_claimed_at": False,
            "procountor_attempt_date": fields.Datetime.now(),
        }
        if self.procountor_create_unknown:
            vals["procountor_state"] = "sending"
        elif not (self.procountor_state == "sent" and self.procountor_outdated):
            vals["procountor_state"] = "error"
        self._procountor_write(vals)

    def _procountor_fail_conflict(self, conflict):
        """Procountor has an invoice with this number that is not this one: stop, say why
        and what to do. ``procountor_create_unknown`` stays set, so sending again checks
        Procountor again (after the conflict is resolved there) instead of POSTing."""
        self.ensure_one()
        labels = {"counterparty": _("customer"), "total": _("total")}
        differences = []
        for _remote_id, items in conflict.candidates:
            differences += [labels[item] for item in items if labels[item] not in differences]
        ids = ", ".join(str(remote_id) for remote_id, _items in conflict.candidates)
        text = _(
            "Not sent to Procountor: Procountor already has an invoice numbered %(number)s "
            "(Procountor id %(ids)s), but with another %(what)s. An earlier attempt to send "
            "this invoice got no answer, and that invoice is not it: it may come from another "
            "Odoo database or company that sends to the same Procountor company with the same "
            "invoice numbering. Nothing was adopted or created.\n"
            "What to do: open invoice %(ids)s in Procountor. If it is this invoice, changed "
            "in Procountor, invalidate it there and send this invoice again (a new Procountor "
            "invoice is created). If it belongs to someone else, give each company or "
            "database its own invoice numbering (journal sequence prefix) and ask your "
            "Procountor administrator how to record this invoice.",
            number=conflict.number,
            ids=ids,
            what=" / ".join(differences),
        )
        self._procountor_store_conflict(text)
        _logger.warning("Procountor: %s not adopted: %s", self.name, conflict.message)

    def _procountor_store_conflict(self, text):
        """Procountor has a record that looks like this move's but is not: a person decides.
        ``procountor_create_unknown`` stays set, so a later attempt checks Procountor again
        instead of creating."""
        self._procountor_write(
            {
                "procountor_state": "error",
                "procountor_error": text,
                "procountor_error_retryable": False,
                "procountor_claimed_at": False,
                "procountor_attempt_date": fields.Datetime.now(),
            }
        )

    @api.model
    def _procountor_explain(self, error):
        """Readable text of a Procountor error: the codes with what they mean and the fix."""
        return self._procountor_explain_with(
            error,
            PROCOUNTOR_ERROR_HELP,
            _(
                "Procountor may have received the invoice; the next attempt looks it up "
                "before creating anything."
            ),
        )

    @api.model
    def _procountor_explain_with(self, error, help_by_code, ambiguous_note):
        """``error``'s message, ``ambiguous_note`` when Procountor may have applied the
        write, then each error code found in ``help_by_code`` with its meaning and fix."""
        parts = [error.message]
        if getattr(error, "ambiguous", False):
            parts.append(ambiguous_note)
        for item in error.errors:
            explanation = help_by_code.get(item.message or "")
            if explanation:
                meaning, fix = explanation
                where = f" ({item.field})" if item.field else ""
                parts.append(f"{item.message}{where}: {meaning} {_('Fix:')} {fix}")
        return "\n".join(str(part) for part in parts)
