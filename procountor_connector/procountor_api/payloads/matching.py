# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Matching Procountor register records with Odoo records (plain Python).

The fetch wizard builds an :class:`OdooIndex` from Odoo in a few queries, then
:func:`match_records` decides per Procountor record, without touching the database:

- ``linked``: a link already exists (``unchanged`` when its version is the same);
- ``matched``: exactly one Odoo record has the first key that gives a hit, in the
  configured order, and it is not linked to another Procountor record;
- ``conflict``: several Odoo records have that key, or the one found is already
  linked elsewhere (or claimed by an earlier record of the same fetch);
- ``new``: no key hits: the record would be created in Odoo.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

#: Matching order of partners and products.
PARTNER_KEYS = ("business_id", "vat", "customer_number", "name")
PRODUCT_KEYS = ("default_code", "barcode", "name")

LINKED = "linked"
UNCHANGED = "unchanged"
MATCHED = "matched"
NEW = "new"
CONFLICT = "conflict"

#: How far behind its bookmark an incremental fetch starts again. Procountor stamps a
#: record's ``version`` when its change starts, and the change becomes visible when it is
#: committed: a record stamped before the newest one seen may appear later. Re-reading the
#: window costs a few unchanged rows (they change nothing) and skips no change.
FETCH_OVERLAP = timedelta(minutes=10)


@dataclass
class OdooIndex:
    """``links``: Procountor id -> (Odoo id, stored version); ``linked``: Odoo id ->
    Procountor id; ``keys``: key name -> normalised value -> [Odoo ids]."""

    links: dict = field(default_factory=dict)
    linked: dict = field(default_factory=dict)
    keys: dict = field(default_factory=dict)

    def add(self, key, value, odoo_id):
        if value:
            ids = self.keys.setdefault(key, {}).setdefault(value, [])
            if odoo_id not in ids:
                ids.append(odoo_id)


@dataclass(frozen=True)
class Match:
    remote_id: int
    status: str
    odoo_id: int | None = None
    key: str = ""
    odoo_ids: tuple = ()


def match_records(remotes, index, key_order, keys_of):
    """One :class:`Match` per Procountor record of ``remotes`` (dicts with ``id`` and
    ``version``), in their order. ``keys_of(remote)`` gives its normalised keys."""
    claimed = {}
    result = []
    for remote in remotes:
        remote_id = remote["id"]
        link = index.links.get(remote_id)
        if link:
            odoo_id, version = link
            status = UNCHANGED if version and version == remote.get("version") else LINKED
            result.append(Match(remote_id, status, odoo_id, "link"))
            claimed[odoo_id] = remote_id
            continue
        keys = keys_of(remote)
        match = Match(remote_id, NEW)
        for key in key_order:
            value = keys.get(key)
            ids = index.keys.get(key, {}).get(value) if value else None
            if not ids:
                continue
            if len(ids) > 1:
                match = Match(remote_id, CONFLICT, None, key, tuple(sorted(ids)))
            else:
                odoo_id = ids[0]
                other = index.linked.get(odoo_id) or claimed.get(odoo_id)
                if other and other != remote_id:
                    match = Match(remote_id, CONFLICT, odoo_id, key, (odoo_id,))
                else:
                    match = Match(remote_id, MATCHED, odoo_id, key)
                    claimed[odoo_id] = remote_id
            break
        result.append(match)
    return result


def fetch_window_start(bookmark, overlap=FETCH_OVERLAP):
    """``versionStartDate`` of an incremental fetch: ``bookmark`` (the newest version seen,
    an ISO date-time) moved back by ``overlap``; None (fetch everything) when the bookmark
    cannot be read, so that no change is skipped."""
    try:
        moment = datetime.fromisoformat(bookmark)
    except (TypeError, ValueError):
        return None
    start = moment - overlap
    return start.isoformat(timespec="milliseconds" if start.microsecond else "seconds")
