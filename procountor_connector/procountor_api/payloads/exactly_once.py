# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The exactly-once creation protocol (docs/architecture.md, "Invoices"), plain Python."""

import re

from ..exceptions import ProcountorError
from .totals import invoice_totals

#: Procountor status of an invoice that no longer counts (invalidated by a user).
INVALIDATED = "INVALIDATED"


class AdoptionConflict(ProcountorError):
    """Procountor has a live invoice with our number, but it is not the one we sent: another
    customer or another total (two Odoo databases or companies numbering alike and writing
    to one Procountor company). Nothing is adopted and nothing is created.

    ``candidates``: ``[(procountor id, [differences])]``; a difference is ``counterparty``
    or ``total``. Never retryable: a person decides (docs/architecture.md, "Crons, batches
    and bad input").

    Subclasses for other records say what was found and what this is (``FOUND``,
    ``THIS``) and the operation it concerns."""

    FOUND = "invoice(s) numbered"
    THIS = "invoice"
    OPERATION = "create_invoice"

    def __init__(self, number, candidates):
        self.number = number
        self.candidates = list(candidates)
        described = ", ".join(
            f"{remote_id} ({' and '.join(differences)} differ)"
            for remote_id, differences in self.candidates
        )
        super().__init__(
            f"Procountor has {self.FOUND} {number!r} that are not this {self.THIS}: "
            f"{described}; nothing was adopted or created",
            operation=self.OPERATION,
            retryable=False,
            ambiguous=False,
        )


def live_invoice(rows):
    """The invoice to adopt among search rows for one number: the oldest that is not
    invalidated, or None. (Several live ones mean an earlier duplicate; the oldest wins.)"""
    live = _live(rows)
    return live[0] if live else None


def _live(rows):
    """Search rows not invalidated, with a usable id, oldest first."""
    live = [
        row
        for row in rows
        if isinstance(row, dict)
        and row.get("status") != INVALIDATED
        and isinstance(row.get("id"), int)
        and not isinstance(row.get("id"), bool)
    ]
    return sorted(live, key=lambda row: row["id"])


def _identifier(value):
    return re.sub(r"[\s.\-]", "", str(value or "")).upper()


def _name(value):
    return " ".join(str(value or "").split()).casefold()


def adoption_differences(remote, body):
    """What differs between a Procountor invoice and the body we sent: a list of
    ``counterparty`` and ``total`` (empty: it is ours).

    Counterparty: the business ID (``counterParty.identifier``) when we sent one, else the
    customer's name. Total: the sums of both invoices' rows computed the same way
    (``invoice_totals``), so that only a real difference counts, not Procountor's rounding.
    """
    differences = []
    sent = body.get("counterParty") or {}
    found = remote.get("counterParty") if isinstance(remote.get("counterParty"), dict) else {}
    if sent.get("identifier"):
        same = _identifier(sent["identifier"]) == _identifier(found.get("identifier"))
    else:
        sent_name = (sent.get("counterPartyAddress") or {}).get("name")
        found_name = (found.get("counterPartyAddress") or {}).get("name")
        same = _name(sent_name) == _name(found_name)
    if not same:
        differences.append("counterparty")
    try:
        same_total = invoice_totals(remote).total == invoice_totals(body).total
    except (ArithmeticError, KeyError, TypeError, ValueError):
        same_total = False  # rows Procountor answered that we cannot add up: not ours
    if not same_total:
        differences.append("total")
    return differences


def create_once(client, body, *, create_unknown, claim, types=None, belongs=None):
    """Create a sales invoice in Procountor at most once; returns ``(invoice, adopted)``.

    The protocol, whatever stores the state (Odoo's ``account.move`` or a test's table):

    - ``create_unknown`` is true when an earlier POST of this invoice got no confirmed
      answer (timeout, 5xx, lost connection, crash after the claim). Then Procountor is
      first searched by ``originalInvoiceNumber``; a live invoice found is adopted only
      when its counterparty and total are those of ``body`` (``adoption_differences``).
      Live invoices of that number that all differ raise ``AdoptionConflict``: the number
      is used by someone else, and neither adopting nor creating is safe;
    - otherwise, or when nothing is found, ``claim()`` must durably record "a POST may be
      on its way" (and set ``create_unknown`` for the next attempt) before the POST;
    - a ``ProcountorError`` propagates; only when it is not ``ambiguous`` did Procountor
      create nothing, and only then may the caller clear ``create_unknown``.

    ``types``: the invoice types searched (default: the client's, sales invoices).
    ``belongs(row, body)``: when given, only the search rows it accepts are candidates at
    all (purchase invoices: a supplier's invoice number is unique for that supplier only,
    so another supplier's invoice with the same number is neither adopted nor a conflict).
    """
    number = body["originalInvoiceNumber"]
    if create_unknown:
        conflicts = []
        if types is None:
            found = client.find_invoices_by_original_number(number)
        else:
            found = client.find_invoices_by_original_number(number, types=types)
        for row in _live(found):
            if belongs is not None and not belongs(row, body):
                continue
            remote = client.get_invoice(row["id"])
            differences = adoption_differences(remote, body)
            if not differences:
                return remote, True
            conflicts.append((row["id"], differences))
        if conflicts:
            raise AdoptionConflict(number, conflicts)
    claim()
    return client.create_invoice(body), False
