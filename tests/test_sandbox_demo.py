"""The demo registers of ``python -m procountor_sandbox`` (procountor_sandbox.demo)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from stdnum import iban
from stdnum.fi import ytunnus

from procountor_sandbox.__main__ import parse_args, server_options
from procountor_sandbox.app import SandboxApp
from procountor_sandbox.demo import CUSTOMERS, PRODUCTS, SUPPLIERS, demo_seed, demo_supplier
from procountor_sandbox.server import create_server
from procountor_sandbox.testing import SandboxApi

ROOT = Path(__file__).resolve().parents[1]
DEMO_PARTNER_IDS = {row[0] for row in CUSTOMERS + SUPPLIERS}
DEMO_PRODUCT_IDS = {row[0] for row in PRODUCTS}


def demo_app() -> SandboxApp:
    return SandboxApp(demo=True)


def test_demo_registers_are_there_with_valid_business_ids():
    store = demo_app().store
    customers = [p for p in store.businessPartners.values() if p["id"] in DEMO_PARTNER_IDS]
    assert len([p for p in customers if p["type"] == "CUSTOMER"]) >= 3
    for partner in customers:
        code = partner["invoicingInfo"]["identifier"]
        assert ytunnus.is_valid(code), code
    assert DEMO_PRODUCT_IDS <= set(store.products)
    assert len(DEMO_PRODUCT_IDS) >= 3
    # the default company stays as it is
    assert store.company["name"] == "Sandbox Oy"


def test_demo_purchase_invoices_are_accepted_and_name_demo_suppliers():
    store = demo_app().store
    purchases = [i for i in store.invoices.values() if i["type"] == "PURCHASE_INVOICE"]
    assert len(purchases) >= 2
    supplier_ids = {row[0] for row in SUPPLIERS}
    for invoice in purchases:
        assert invoice["status"] == "APPROVED"
        assert invoice["partnerId"] in supplier_ids
        assert invoice["ledgerReceiptId"] in store.ledgerReceipts


def _register_state(store) -> dict:
    """What a restart must give again: ids and content (versions are times, they differ)."""

    def strip(row):
        return {k: v for k, v in row.items() if k not in ("version", "_created")}

    return {
        "partners": {i: strip(p) for i, p in store.businessPartners.items()},
        "products": {i: strip(p) for i, p in store.products.items()},
        "invoices": {
            i: {k: v for k, v in strip(inv).items() if k != "ledgerReceiptId"}
            for i, inv in store.invoices.items()
        },
    }


def test_demo_registers_are_the_same_after_a_restart():
    first, second = demo_app().store, demo_app().store
    assert _register_state(first) == _register_state(second)
    assert sorted(first.invoices) == sorted(second.invoices)


def test_demo_registers_come_back_after_a_reset():
    app = demo_app()
    before = _register_state(app.store)
    app.reset()
    assert _register_state(app.store) == before


def test_test_server_has_no_demo_registers_by_default():
    server, app = create_server("127.0.0.1", 0)
    server.server_close()
    assert not DEMO_PARTNER_IDS & set(app.store.businessPartners)
    assert not DEMO_PRODUCT_IDS & set(app.store.products)
    assert not app.store.invoices


@pytest.mark.parametrize(
    ("argv", "seed", "demo"),
    [([], True, True), (["--empty"], True, False), (["--no-seed"], False, False)],
)
def test_cli_flags(argv, seed, demo):
    options = server_options(parse_args(argv))
    assert (options["seed"], options["demo"]) == (seed, demo)
    # the demo sandbox's new ids follow the clock, as its Odoo keeps them across restarts
    assert options["clock_ids"] is demo


def test_demo_seed_is_a_fresh_copy():
    first = demo_seed()
    first["businessPartners"].clear()
    assert demo_seed()["businessPartners"]


def test_cli_serves_the_demo_purchase_invoices_over_the_api():
    process = subprocess.Popen(
        [sys.executable, "-m", "procountor_sandbox", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        line = process.stdout.readline()
        url = line.split("serving on ", 1)[1].split(" ", 1)[0]
        api = SandboxApi(url)
        found = api.ok("GET", "/invoices", params={"types": "PURCHASE_INVOICE"})
        assert len(found["results"]) >= 2
    finally:
        process.terminate()
        process.wait(10)
        process.stdout.close()


# --- ids of a CLI sandbox across restarts -------------------------------------------------------
class FrozenClock:
    """Stands in for ``datetime`` in procountor_sandbox.app: ``now()`` is ``moment``."""

    def __init__(self, moment):
        self.moment = moment

    def now(self, tz=None):
        return self.moment


def start_cli_like(monkeypatch, moment):
    """An in-thread sandbox with the CLI's options, started at ``moment``."""
    import procountor_sandbox.app as app_module
    from procountor_sandbox.server import start_in_thread

    monkeypatch.setattr(app_module, "datetime", FrozenClock(moment), raising=False)
    return start_in_thread(**server_options(parse_args([])))


def created_invoice_ids(handle, count):
    from procountor_sandbox.testing import pin_calendar, sales_invoice

    pin_calendar(handle.url)
    api = SandboxApi(handle.url)
    return [api.ok("POST", "/invoices", json=sales_invoice())["id"] for _ in range(count)]


def test_cli_restart_never_reuses_document_ids(monkeypatch):
    from datetime import UTC, datetime, timedelta

    started = datetime(2026, 12, 6, 14, 0, tzinfo=UTC)
    runs = []
    for moment in (started, started + timedelta(seconds=1)):
        handle = start_cli_like(monkeypatch, moment)
        try:
            store = handle.state
            registers = (set(store.businessPartners), set(store.products))
            purchases = sorted(store.invoices)
            invoices = created_invoice_ids(handle, 5)
            receipts = {store.invoices[i]["ledgerReceiptId"] for i in invoices}
        finally:
            handle.stop()
        runs.append((registers, purchases, invoices, receipts))
    (registers_1, purchases_1, invoices_1, receipts_1) = runs[0]
    (registers_2, purchases_2, invoices_2, receipts_2) = runs[1]
    # seeded records keep their fixed ids
    assert registers_1 == registers_2
    assert DEMO_PARTNER_IDS <= registers_1[0] and DEMO_PRODUCT_IDS <= registers_1[1]
    assert purchases_1 == purchases_2 and len(purchases_1) == 2
    # what the API created is new in each run, inside Procountor's int32 ids
    assert not set(invoices_1) & set(invoices_2), (invoices_1, invoices_2)
    assert not receipts_1 & receipts_2
    assert not set(purchases_1) & set(invoices_1 + invoices_2)
    assert all(1_000_000 <= i < 2**31 for i in invoices_1 + invoices_2)


def test_clock_floor_stays_in_int32_and_grows_with_time():
    from datetime import UTC, datetime, timedelta

    from procountor_sandbox.store import CLOCK_IDS_PER_SECOND, clock_floor

    moment = datetime(2026, 12, 6, 14, 0, tzinfo=UTC)
    step = clock_floor(moment + timedelta(seconds=1)) - clock_floor(moment)
    assert step == CLOCK_IDS_PER_SECOND
    for years in range(0, 80):
        floor = clock_floor(moment + timedelta(days=365 * years))
        assert 1_000_000 <= floor and floor + 100_000_000 < 2**31


def test_test_server_keeps_fixed_counter_starts():
    app = SandboxApp(demo=True)
    # the demo's two purchase invoices took the first invoice ids
    assert sorted(app.store.invoices) == [100001, 100002]
    assert app.store.next_id("invoice") == 100003


def test_demo_products_carry_the_general_vat_rate():
    # Odoo's l10n_fi gives a fetched product the company's 25.5 % sale tax and has no 13.5 %
    # one: a demo product at another rate would be invoiced at a VAT Procountor's lacks.
    assert {row[-1] for row in PRODUCTS} == {25.5}


def test_demo_suppliers_have_distinct_valid_ibans():
    ibans = [demo_supplier(row)["paymentInfo"]["bankAccount"] for row in SUPPLIERS]
    assert len(set(ibans)) == len(SUPPLIERS)
    for number in ibans:
        assert iban.is_valid(number), number
    for invoice in demo_seed()["purchaseInvoices"]:
        supplier = next(row for row in SUPPLIERS if row[0] == invoice["invoice"]["partnerId"])
        bank = invoice["invoice"]["paymentInfo"]["bankAccount"]["accountNumber"]
        assert bank == demo_supplier(supplier)["paymentInfo"]["bankAccount"]


def test_demo_bills_book_to_accounts_that_mean_what_they_buy():
    store = demo_app().store
    names = {a["ledgerAccountCode"]: a["name"] for a in store.ledgerAccounts}
    booked = {}
    for invoice in store.invoices.values():
        receipt = store.ledgerReceipts[invoice["ledgerReceiptId"]]
        entries = [t for t in receipt["transactions"] if t["transactionType"] == "ENTRY"]
        for row, entry in zip(invoice["invoiceRows"], entries, strict=True):
            booked[row["product"]] = names[entry["account"]]
    assert booked == {
        "Kopiopaperi A4": "Toimistotarvikkeet",
        "Mapit": "Toimistotarvikkeet",
        "Toimiston siivous": "Siivous ja puhtaanapito",
    }


@pytest.mark.parametrize("today", [date(2026, 12, 6), date(2027, 1, 1), date(2026, 2, 28)])
def test_demo_bills_are_dated_this_month_and_not_yet_due(today):
    for spec in demo_seed(today)["purchaseInvoices"]:
        invoice = spec["invoice"]
        bill_date = date.fromisoformat(invoice["date"])
        due = date.fromisoformat(invoice["paymentInfo"]["dueDate"])
        assert (bill_date.year, bill_date.month) == (today.year, today.month)
        assert bill_date <= today < due
