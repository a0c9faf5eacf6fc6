"""The sandbox's in-memory state: one lock, increasing ids, version stamps, JSON file.

Handlers take ``store.lock`` for a whole request so that a read-modify-write is atomic.
Objects are kept as the JSON-ready dicts the API returns (plus a few internal keys that
start with ``_``); ``save()`` writes everything to ``data_file`` when one is set.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from . import finnish

# Different starting points per kind make an id used in the wrong place fail loudly.
COUNTER_STARTS = {
    "invoice": 100001,
    "invoiceNumber": 1001,
    "invoiceRow": 110001,
    "ledgerReceipt": 200001,
    "receiptNumber": 1,
    "transaction": 210001,
    "businessPartner": 4001,
    "product": 5001,
    "attachment": 600001,
    "paymentEvent": 700001,
    "bankAccount": 11,
    "dimension": 1,
    "dimensionItem": 101,
    "fiscalYear": 1,
    "trackingPeriod": 1,
}
# Counters of what the API creates (documents, and partners and products a client adds).
# A CLI sandbox (``clock_ids``) starts them at ``clock_floor(start time)`` so that a restart,
# whose state is empty again, never hands out an id of an earlier run: a client such as
# Odoo keeps the ids it was given. Seeded records keep the fixed ids they are seeded with.
CLOCK_KINDS = (
    "invoice",
    "invoiceRow",
    "ledgerReceipt",
    "transaction",
    "businessPartner",
    "product",
    "attachment",
    "paymentEvent",
)
CLOCK_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
#: Ids per second of a run before the next start's floor: a run that created fewer than
#: ``CLOCK_IDS_PER_SECOND x (seconds until the next start)`` ids of a kind shares none.
CLOCK_IDS_PER_SECOND = 10
#: Floors stay in [CLOCK_FLOOR_MIN, CLOCK_FLOOR_MIN + CLOCK_SPAN): above every fixed and
#: default-counter id, and below Procountor's int32 ids (2 147 483 647) with room for
#: 146 million ids per run. The floor wraps around after CLOCK_SPAN / 10 s (6.3 years).
CLOCK_FLOOR_MIN = 1_000_000
CLOCK_SPAN = 2_000_000_000
TABLES = (
    "bankAccounts",
    "businessPartners",
    "products",
    "invoices",
    "ledgerReceipts",
    "paymentEvents",
    "attachments",
)
LISTS = ("vatPercents", "vatStatuses", "ledgerAccounts", "dimensions", "fiscalYears")
SETTINGS = ("company", "session", "vatSettings", "accountingDefaults")
VERSION_FORMAT = "%Y-%m-%dT%H:%M:%S"


def clock_floor(moment: datetime) -> int:
    """First id of a clocked counter for a run started at ``moment`` (aware datetime)."""
    seconds = int((moment - CLOCK_EPOCH).total_seconds())
    return CLOCK_FLOOR_MIN + (seconds * CLOCK_IDS_PER_SECOND) % CLOCK_SPAN


def format_version(moment: datetime) -> str:
    """``2026-01-30T15:20:00.123``: Procountor's datetime with milliseconds."""
    return moment.strftime(VERSION_FORMAT) + f".{moment.microsecond // 1000:03d}"


class Store:
    def __init__(self, data_file: str | os.PathLike | None = None):
        self.lock = threading.RLock()
        self.data_file = Path(data_file) if data_file else None
        self._last_version: datetime | None = None
        self.clear()

    # --- lifecycle ------------------------------------------------------------------
    def clear(self) -> None:
        with self.lock:
            for name in SETTINGS:
                setattr(self, name, {})
            self.vatPercents: list[dict] = []
            self.vatStatuses: list[dict] = []
            self.ledgerAccounts: list[dict] = []
            self.dimensions: list[dict] = []
            self.fiscalYears: list[dict] = []
            for name in TABLES:
                setattr(self, name, {})
            self.attachment_content: dict[int, bytes] = {}
            self.counters = dict(COUNTER_STARTS)

    def next_id(self, kind: str) -> int:
        with self.lock:
            value = self.counters[kind]
            self.counters[kind] = value + 1
            return value

    def bump_counter(self, kind: str, used: int) -> None:
        """Keep the counter above an id given explicitly (seed data)."""
        with self.lock:
            self.counters[kind] = max(self.counters[kind], used + 1)

    def start_counters_at(self, floor: int, kinds=CLOCK_KINDS) -> None:
        """Raise the counters of ``kinds`` to ``floor`` (none goes down)."""
        with self.lock:
            for kind in kinds:
                self.counters[kind] = max(self.counters[kind], floor)

    def new_version(self) -> str:
        """A version stamp that is strictly later than every earlier one."""
        with self.lock:
            now = datetime.now()
            now = now.replace(microsecond=now.microsecond // 1000 * 1000)
            if self._last_version is not None and now <= self._last_version:
                now = self._last_version + timedelta(milliseconds=1)
            self._last_version = now
            return format_version(now)

    # --- persistence ----------------------------------------------------------------
    def to_json(self) -> dict:
        with self.lock:
            data = {name: getattr(self, name) for name in SETTINGS + LISTS}
            for name in TABLES:
                data[name] = {str(key): value for key, value in getattr(self, name).items()}
            data["attachmentContent"] = {
                str(key): base64.b64encode(value).decode("ascii")
                for key, value in self.attachment_content.items()
            }
            data["counters"] = self.counters
            data["lastVersion"] = format_version(self._last_version) if self._last_version else None
            return data

    def load_json(self, data: dict) -> None:
        with self.lock:
            self.clear()
            for name in SETTINGS + LISTS:
                if name in data:
                    setattr(self, name, data[name])
            for name in TABLES:
                table = {int(key): value for key, value in data.get(name, {}).items()}
                setattr(self, name, table)
            self.attachment_content = {
                int(key): base64.b64decode(value)
                for key, value in data.get("attachmentContent", {}).items()
            }
            self.counters.update(data.get("counters", {}))
            if data.get("lastVersion"):
                self._last_version = datetime.strptime(data["lastVersion"], VERSION_FORMAT + ".%f")

    def save(self) -> None:
        """Write the state atomically (temporary file, then rename)."""
        if self.data_file is None:
            return
        with self.lock:
            payload = json.dumps(self.to_json(), ensure_ascii=False, indent=1)
            directory = self.data_file.parent
            directory.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=directory, prefix=".sandbox-")
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(payload)
            os.replace(temporary, self.data_file)

    def load_file(self) -> bool:
        """Load ``data_file`` if it exists; True when state was loaded."""
        if self.data_file is None or not self.data_file.exists():
            return False
        with self.data_file.open(encoding="utf-8") as stream:
            self.load_json(json.load(stream))
        return True

    # --- look-ups used by validators and handlers -----------------------------------
    def company_currency(self) -> str:
        return self.company.get("companyCurrency", "EUR")

    def vat_percent_in_use(self, percent, on_date: date | None, side: str) -> bool:
        """Is ``percent`` enabled for ``side`` ("sales"/"purchase") on ``on_date``?"""
        for entry in self.vatPercents:
            if float(entry["vatPercent"]) != float(percent) or not entry.get(side):
                continue
            if on_date is None:
                return True
            valid_from = entry.get("validFrom")
            valid_to = entry.get("validTo")
            if valid_from and on_date < date.fromisoformat(valid_from):
                continue
            if valid_to and on_date > date.fromisoformat(valid_to):
                continue
            return True
        return False

    def vat_status(self, number) -> dict | None:
        for entry in self.vatStatuses:
            if entry["vatStatus"] == number:
                return entry
        return None

    def ledger_account(self, code: str) -> dict | None:
        for entry in self.ledgerAccounts:
            if entry["ledgerAccountCode"] == code:
                return entry
        return None

    def dimension(self, dimension_id) -> dict | None:
        for entry in self.dimensions:
            if entry["id"] == dimension_id:
                return entry
        return None

    def dimension_item(self, dimension_id, item_id) -> dict | None:
        dimension = self.dimension(dimension_id)
        for item in (dimension or {}).get("items", []):
            if item["id"] == item_id:
                return item
        return None

    def period_is_open(self, on_date: date) -> bool:
        """True when ``on_date`` falls in an OPEN tracking period of an open year."""
        for year in self.fiscalYears:
            if not year["startDate"] <= on_date.isoformat() <= year["endDate"]:
                continue
            if not year.get("isOpen", True):
                return False
            for period in year.get("trackingPeriods", []):
                if period["startDate"] <= on_date.isoformat() <= period["endDate"]:
                    return period["status"] == "OPEN"
            return True
        return False

    def company_bank_account_by_iban(self, value: str) -> dict | None:
        wanted = finnish.compact_iban(value)
        for account in self.bankAccounts.values():
            if finnish.compact_iban(account["iban"]) == wanted:
                return account
        return None

    def default_invoice_bank_account(self) -> dict | None:
        accounts = sorted(self.bankAccounts.values(), key=lambda a: a.get("orderNo", 0))
        for account in accounts:
            if account.get("defaultForInvoice") and account.get("status") == "ACTIVE":
                return account
        return accounts[0] if accounts else None
