# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The exactly-once creation protocol (docs/architecture.md, "Invoices"), plain Python."""

#: Procountor status of an invoice that no longer counts (invalidated by a user).
INVALIDATED = "INVALIDATED"


def live_invoice(rows):
    """The invoice to adopt among search rows for one number: the oldest that is not
    invalidated, or None. (Several live ones mean an earlier duplicate; the oldest wins.)"""
    live = [row for row in rows if row.get("status") != INVALIDATED]
    return min(live, key=lambda row: int(row["id"])) if live else None


def create_once(client, body, *, create_unknown, claim):
    """Create a sales invoice in Procountor at most once; returns ``(invoice, adopted)``.

    The protocol, whatever stores the state (Odoo's ``account.move`` or a test's table):

    - ``create_unknown`` is true when an earlier POST of this invoice got no confirmed
      answer (timeout, 5xx, lost connection, crash after the claim). Then Procountor is
      first searched by ``originalInvoiceNumber`` and a live invoice found is adopted;
    - otherwise, or when nothing is found, ``claim()`` must durably record "a POST may be
      on its way" (and set ``create_unknown`` for the next attempt) before the POST;
    - a ``ProcountorError`` propagates; only when it is not ``ambiguous`` did Procountor
      create nothing, and only then may the caller clear ``create_unknown``.
    """
    number = body["originalInvoiceNumber"]
    if create_unknown:
        found = live_invoice(client.find_invoices_by_original_number(number))
        if found:
            return client.get_invoice(found["id"]), True
    claim()
    return client.create_invoice(body), False
