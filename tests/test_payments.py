"""Payments from Procountor (issue 8) without Odoo: the decisions of ``payloads.payments``,
and the sandbox's payment control API, every answer checked against the 26.04 schemas."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
import schema_support

from procountor_api.payloads import (
    BANK,
    CASH,
    FLAG_CURRENCY,
    FLAG_NOT_MONEY,
    FLAG_NOT_POSITIVE,
    FLAG_OVERPAID,
    FLAG_REMOVED,
    OTHER,
    PAYMENT_KIND_BY_TYPE,
    decide_payments,
    invoice_payment_snapshot,
    payment_kind,
)
from procountor_sandbox import enums
from procountor_sandbox.testing import SandboxApi, pin_calendar, sales_invoice

TOTAL = 251  # the sample invoice of procountor_sandbox.testing


def event(event_id, amount, type_="BANKSTATEMENT", currency="EUR", day="2026-03-20"):
    return {
        "id": event_id,
        "invoiceId": 7,
        "type": type_,
        "paymentDate": day,
        "status": "PARTLY_PAID",
        "amount": amount,
        "currency": "EUR",
        "paidAmount": amount,
        "paidCurrency": currency,
    }


def decide(events, registered=(), open_amount="125.50", currency="EUR", sign=1):
    return decide_payments(
        events,
        registered_ids=registered,
        invoice_currency=currency,
        open_amount=Decimal(open_amount),
        sign=sign,
    )


# --- decisions ------------------------------------------------------------------------------


def test_new_events_are_registered_oldest_first_and_known_ones_left():
    decision = decide([event(12, 75.5), event(11, 50)], registered=[11])
    assert [row.id for row in decision.register] == [12]
    assert decision.register[0].amount == Decimal("75.5")
    assert decision.register[0].kind == BANK
    assert decision.known == [11]
    assert not decision.flags


def test_nothing_new_changes_nothing():
    decision = decide([event(11, 50), event(12, 75.5)], registered=[11, 12])
    assert not decision.changed and decision.known == [11, 12]


def test_removed_event_with_an_odoo_payment_is_flagged():
    decision = decide([event(12, 20)], registered=[11])
    assert [(f.code, f.event_id) for f in decision.flags] == [(FLAG_REMOVED, 11)]
    assert [row.id for row in decision.register] == [12]


@pytest.mark.parametrize(
    ("events", "code"),
    [
        ([event(1, -10)], FLAG_NOT_POSITIVE),
        ([event(1, 0)], FLAG_NOT_POSITIVE),
        ([event(1, 20, currency="USD")], FLAG_CURRENCY),
        ([event(1, 200)], FLAG_OVERPAID),
        ([event(1, 100), event(2, 30)], FLAG_OVERPAID),  # the second no longer fits
        ([event(1, 20, type_="CREDITLOSS")], FLAG_NOT_MONEY),
        ([event(1, 20, type_="SOMETHING_NEW")], FLAG_NOT_MONEY),
    ],
)
def test_what_is_not_guessed_is_flagged(events, code):
    decision = decide(events)
    assert [flag.code for flag in decision.flags] == [code]
    assert all(row.id != decision.flags[0].event_id for row in decision.register)


def test_overpaid_flag_tells_what_was_open():
    (flag,) = decide([event(1, 100), event(2, 30)]).flags
    assert flag.event_id == 2 and flag.open_amount == Decimal("25.50")


def test_a_cent_of_rounding_is_not_an_overpayment():
    decision = decide([event(1, 125.504)])
    assert [row.id for row in decision.register] == [1] and not decision.flags


def test_credit_note_refunds_are_negative_in_procountor():
    decision = decide([event(5, -125.5)], sign=-1)
    assert decision.register[0].amount == Decimal("125.5")
    assert not decision.flags
    assert decide([event(5, 125.5)], sign=-1).flags[0].code == FLAG_NOT_POSITIVE


def test_cash_goes_to_the_cash_kind():
    (row,) = decide([event(3, 10, type_="CASH")]).register
    assert row.kind == CASH


def test_every_sandbox_event_type_has_a_kind():
    assert set(PAYMENT_KIND_BY_TYPE) == set(enums.PAYMENT_EVENT_TYPES)
    assert payment_kind("REFERENCEPAYMENT") == BANK and payment_kind(None) == OTHER


def test_snapshot_changes_with_status_payment_date_or_version():
    invoice = {"status": "SENT", "version": "2026-03-02T10:00:00", "id": 1}
    before = invoice_payment_snapshot(invoice)
    assert invoice_payment_snapshot(dict(invoice)) == before
    for key, value in (
        ("status", "PARTLY_PAID"),
        ("paymentDate", "2026-03-20"),
        ("version", "2026-03-20T08:00:00"),
    ):
        assert invoice_payment_snapshot({**invoice, key: value}) != before


# --- sandbox control API and schemas ----------------------------------------------------------


@pytest.fixture(scope="module")
def schemas():
    loaded = schema_support.load()
    if loaded is None:
        pytest.skip(schema_support.SKIP_REASON)
    return loaded


def test_every_schema_event_type_has_a_kind(schemas):
    enum = schemas.definitions["PaymentEvent"]["properties"]["type"]["enum"]
    assert set(PAYMENT_KIND_BY_TYPE) == set(enum)


@pytest.fixture
def api(sandbox_reset):
    pin_calendar(sandbox_reset.url)
    return SandboxApi(sandbox_reset.url)


def approved_invoice(api, **overrides):
    invoice = api.ok("POST", "/invoices", json=sales_invoice(**overrides))
    api.ok("PUT", f"/invoices/{invoice['id']}/approve", json={})
    return api.ok("GET", f"/invoices/{invoice['id']}")


def control_pay(api, invoice, **body):
    response = api.control("POST", f"invoices/{invoice['id']}/payments", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def assert_valid(schemas, type_name, body):
    problems = schemas.errors(type_name, body)
    assert not problems, "\n".join(problems)


def check_reads(api, schemas, invoice_ids):
    """Every read the connector makes, validated; returns {invoice id: (invoice, events)}."""
    ids = ",".join(map(str, invoice_ids))
    invoices = api.ok("GET", f"/invoices/{ids}")
    invoices = invoices if isinstance(invoices, list) else [invoices]
    rows = api.ok("GET", "/payments/paymentevents", params={"invoiceId": ids})
    assert_valid(schemas, "PaymentSearchResult", rows)
    result = {}
    for invoice in invoices:
        assert_valid(schemas, "Invoice", invoice)
        events = api.ok("GET", f"/invoices/{invoice['id']}/paymentevents")
        assert_valid(schemas, "PaymentEventSearchResult", events)
        result[invoice["id"]] = (invoice, events["results"])
    return result


def test_partial_full_and_removed_payments(api, schemas):
    invoice = approved_invoice(api)
    status, version = invoice["status"], invoice["version"]
    first = control_pay(api, invoice, amount=100, paymentDate="2026-03-20")
    assert_valid(schemas, "PaymentEvent", first)
    (seen, events) = check_reads(api, schemas, [invoice["id"]])[invoice["id"]]
    assert seen["status"] == "PARTLY_PAID" and seen["paymentDate"] == "2026-03-20"
    assert seen["version"] != version and [e["id"] for e in events] == [first["id"]]
    second = control_pay(api, invoice, amount=151, paymentDate="2026-03-25", type="CASH")
    (seen, events) = check_reads(api, schemas, [invoice["id"]])[invoice["id"]]
    assert seen["status"] == "PAID" and seen["paymentDate"] == "2026-03-25"
    assert {e["id"]: e["type"] for e in events} == {
        first["id"]: "BANKSTATEMENT",
        second["id"]: "CASH",
    }
    before = invoice_payment_snapshot(seen)
    removed = api.control("DELETE", f"invoices/{invoice['id']}/payments/{second['id']}")
    assert removed.status_code == 200 and removed.json()["status"] == "PARTLY_PAID"
    (seen, events) = check_reads(api, schemas, [invoice["id"]])[invoice["id"]]
    assert invoice_payment_snapshot(seen) != before
    assert seen["status"] == "PARTLY_PAID" and seen["paymentDate"] == "2026-03-20"
    assert [e["id"] for e in events] == [first["id"]]
    api.control("DELETE", f"invoices/{invoice['id']}/payments/{first['id']}")
    (seen, events) = check_reads(api, schemas, [invoice["id"]])[invoice["id"]]
    assert seen["status"] == status and "paymentDate" not in seen and not events
    gone = api.control("DELETE", f"invoices/{invoice['id']}/payments/{first['id']}")
    assert gone.status_code == 404


def test_negative_foreign_currency_and_credit_note_events(api, schemas):
    invoice = approved_invoice(api)
    negative = control_pay(api, invoice, amount=-10, paymentDate="2026-03-20")
    foreign = control_pay(api, invoice, amount=20, paidCurrency="USD", paymentDate="2026-03-21")
    for body in (negative, foreign):
        assert_valid(schemas, "PaymentEvent", body)
    assert negative["paidAmount"] == -10 and foreign["paidCurrency"] == "USD"
    bad = api.control(
        "POST", f"invoices/{invoice['id']}/payments", json={"amount": 1, "paidCurrency": "XYZ1"}
    )
    assert bad.status_code == 400
    # A credit note: rows with negative quantities, refunded with a negative amount.
    body = sales_invoice()
    rows = copy.deepcopy(body["invoiceRows"])
    for row in rows:
        row["quantity"] = -row["quantity"]
    credit = approved_invoice(api, invoiceRows=rows, originalInvoiceNumber="RINV/1")
    refund = control_pay(api, credit, amount=-TOTAL, paymentDate="2026-03-22")
    assert refund["status"] == "PAID"
    reads = check_reads(api, schemas, [invoice["id"], credit["id"]])
    assert reads[credit["id"]][0]["status"] == "PAID"
    decision = decide_payments(
        reads[credit["id"]][1],
        registered_ids=(),
        invoice_currency="EUR",
        open_amount=Decimal(TOTAL),
        sign=-1,
    )
    assert [row.amount for row in decision.register] == [Decimal(TOTAL)]
    decision = decide_payments(
        reads[invoice["id"]][1],
        registered_ids=(),
        invoice_currency="EUR",
        open_amount=Decimal(TOTAL),
    )
    assert sorted(flag.code for flag in decision.flags) == [FLAG_CURRENCY, FLAG_NOT_POSITIVE]


def test_client_reads_what_the_fetch_needs(client, sandbox_reset):
    pin_calendar(sandbox_reset.url)
    api = SandboxApi(sandbox_reset.url)
    invoices = [approved_invoice(api, originalInvoiceNumber=f"INV/{n}") for n in range(3)]
    control_pay(api, invoices[1], amount=100, paymentDate="2026-03-20")
    read = client.get_invoices([i["id"] for i in invoices])
    assert sorted(i["id"] for i in read) == sorted(i["id"] for i in invoices)
    (row,) = client.get_invoice_payment_events(invoices[1]["id"])
    assert row["type"] == "BANKSTATEMENT" and row["paidAmount"] == 100
