# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Exactly-once creation of register records (business partners, products).

The same protocol as the invoice's ``create_once`` (``exactly_once.py``), with the
lookup keys of the register instead of ``originalInvoiceNumber``: an earlier POST
without a confirmed answer is first looked up and adopted, otherwise the caller claims
durably before the POST.
"""

from .partners import partner_keys


def register_create_once(*, create, find, claim, create_unknown):
    """``(record, adopted)``: ``find()`` first when ``create_unknown``; else ``claim()``
    then ``create()``. A ``ProcountorError`` propagates (the caller keeps
    ``create_unknown`` unless the error is not ``ambiguous``)."""
    if create_unknown:
        found = find()
        if found:
            return found, True
    claim()
    return create(), False


def find_business_partner(client, body):
    """The Procountor partner an unconfirmed POST of ``body`` may have created: searched
    by business ID (identifier header), then customer number, then name; it must have
    the same type and, when looked up by number or name, the same name and identifier.
    The oldest candidate wins; returns the full object or None."""
    wanted = partner_keys(body)
    partner_type = body.get("type")
    searches = []
    identifier = (body.get("invoicingInfo") or {}).get("identifier")
    if identifier:
        searches.append({"identifier": identifier})
    if wanted["customer_number"]:
        searches.append({"customerNumber": wanted["customer_number"]})
    if wanted["name"]:
        searches.append({"name": wanted["name"]})
    for filters in searches:
        rows = [
            row
            for row in client.search_business_partners(type=partner_type, **filters)
            if row.get("type") == partner_type
            and (row.get("name") or "").strip() == wanted["name"]
            and _same_identifier(partner_keys(row), wanted)
        ]
        if rows:
            oldest = min(rows, key=lambda row: int(row["id"]))
            return client.get_business_partner(oldest["id"])
    return None


def _same_identifier(found, wanted):
    return all(not wanted[key] or found[key] == wanted[key] for key in ("business_id", "vat"))


def find_product(client, body):
    """The Procountor product an unconfirmed POST of ``body`` may have created: same
    type, name and code; the oldest wins."""
    filters = {"type": body.get("type"), "name": body.get("name")}
    if body.get("code"):
        filters["code"] = body["code"]
    rows = [
        row
        for row in client.search_products(**filters)
        if row.get("name") == body.get("name")
        and (row.get("code") or "") == (body.get("code") or "")
        and row.get("type") == body.get("type")
    ]
    return min(rows, key=lambda row: int(row["id"])) if rows else None
