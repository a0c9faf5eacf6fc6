"""Payments from Procountor without Odoo: the decisions of ``payloads.payments``,
and the sandbox's payment control API, every answer checked against the 26.04 schemas."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
import schema_support

from procountor_api.payloads import (
    BANK,
    CASH,
    DISCOUNT,
    FLAG,
    FLAG_CURRENCY,
    FLAG_CURRENCY_UNKNOWN,
    FLAG_NOT_MONEY,
    FLAG_NOT_POSITIVE,
    FLAG_OVERPAID,
    FLAG_REMOVED,
    FLAG_UNEXPECTED,
    JOURNAL,
    OTHER,
    PAYMENT_KIND_BY_TYPE,
    SETOFF,
    PaymentEventRow,
    decide_payments,
    invoice_payment_snapshot,
    invoices_by_id,
    payment_kind,
    tolerance,
)
from procountor_sandbox import enums, purchases
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


def decide(events, registered=(), open_amount="125.50", currency="EUR", sign=1, **options):
    return decide_payments(
        events,
        registered_ids=registered,
        invoice_currency=currency,
        open_amount=Decimal(open_amount),
        sign=sign,
        **options,
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


def test_money_that_did_not_reach_the_bank_is_never_bank_money():
    for event_type in ("ELSEWHERE", "OTHERPAYMENTMETHOD", "BANKTRANSFERELSEWHERE", "CHARGECARD"):
        assert payment_kind(event_type) == FLAG
        assert decide([event(1, 20, type_=event_type)]).flags[0].code == FLAG_NOT_MONEY
    for event_type in ("CREDITLOSS", "COMPENSATIONINVOICE", "INVOICE_TO_INVOICE", "ADJUSTMENT"):
        assert payment_kind(event_type) == FLAG
    # Bank money allocated to a journal receipt the event does not name: Odoo may book that
    # receipt already (an entry the connector sent), a payment would count it twice.
    for event_type in ("BANKSTATEMENT_TO_JOURNAL", "REFERENCEPAYMENT_TO_JOURNAL"):
        assert payment_kind(event_type) == FLAG
        assert decide([event(1, 20, type_=event_type)]).flags[0].code == FLAG_NOT_MONEY
    assert payment_kind("CORRECTION") == OTHER == FLAG
    assert payment_kind("CASHDISCOUNT") == DISCOUNT and payment_kind("SETOFF") == SETOFF
    assert payment_kind("BANKSTATEMENT") == BANK and payment_kind("CASH") == CASH


def test_a_type_mapped_to_a_journal_is_registered_there():
    overrides = {"ELSEWHERE": JOURNAL, "CASHDISCOUNT": FLAG}
    decision = decide(
        [event(1, 20, type_="ELSEWHERE"), event(2, 5, type_="CASHDISCOUNT")], overrides=overrides
    )
    assert [(row.id, row.kind) for row in decision.register] == [(1, JOURNAL)]
    assert [flag.code for flag in decision.flags] == [FLAG_NOT_MONEY]


def test_cash_discount_and_setoff_are_booked_kinds():
    decision = decide([event(1, 105.5), event(2, 20, type_="CASHDISCOUNT")])
    assert [row.kind for row in decision.register] == [BANK, DISCOUNT]
    decision = decide([event(3, 125.5, type_="SETOFF")])
    assert [row.kind for row in decision.register] == [SETOFF]


def without(body, *keys):
    return {key: value for key, value in body.items() if key not in keys}


def test_an_amount_is_used_only_in_a_known_currency():
    bare = without(event(1, 30), "paidAmount", "paidCurrency", "currency")
    # On a USD invoice: 30 in the accounting currency is never 30 USD.
    flags = decide([bare], currency="USD", accounting_currency="EUR").flags
    assert [flag.code for flag in flags] == [FLAG_CURRENCY]
    assert [f.code for f in decide([bare], currency="USD").flags] == [FLAG_CURRENCY_UNKNOWN]
    # The accounting currency is the invoice's: known.
    assert decide([bare], accounting_currency="EUR").register[0].amount == Decimal(30)
    no_paid_currency = without(event(2, 30), "paidCurrency")
    assert [f.code for f in decide([no_paid_currency]).flags] == [FLAG_CURRENCY_UNKNOWN]


@pytest.mark.parametrize(
    ("broken", "detail"),
    [
        (without(event(1, 10), "id"), "without id"),
        ({**event(1, 10), "id": "abc"}, "'abc'"),
        ({**event(1, 10), "paymentDate": "10.03.2026"}, "10.03.2026"),
        ({**event(1, 10), "paymentDate": "2026-02-30"}, "2026-02-30"),
        (without(event(1, 10), "paymentDate"), "None"),
        ({**event(1, 10), "paidAmount": "ten"}, "'ten'"),
        ("garbage", "not an object"),
    ],
)
def test_an_event_the_fetch_cannot_read_is_flagged_and_the_others_go_on(broken, detail):
    decision = decide([broken, event(2, 50)], registered=[7])
    (flag,) = decision.flags  # no "removed" flag while an event could not be read
    assert flag.code == FLAG_UNEXPECTED and detail in flag.detail
    assert [row.id for row in decision.register] == [2]


def test_overpayment_tolerance_is_half_the_currency_unit():
    assert tolerance(2) == Decimal("0.005") and tolerance(0) == Decimal("0.5")
    over = event(1, 125.504)
    assert decide([over], open_amount="125.500", decimals=3).flags[0].code == FLAG_OVERPAID
    assert decide([event(1, 125.5004)], open_amount="125.500", decimals=3).register
    assert decide([event(1, 1255.4)], open_amount="1255", decimals=0).register


def test_invoices_by_id_refuses_garbage():
    assert invoices_by_id([{"id": 3}, {"id": "4"}]) == {3: {"id": 3}, 4: {"id": "4"}}
    assert invoices_by_id({"id": 5}) == {5: {"id": 5}}
    for garbage in ("garbage", [{"id": None}], [3]):
        with pytest.raises(ValueError):
            invoices_by_id(garbage)


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


def seeded_purchases(api, *specs):
    suppliers = [purchases.generated_supplier(i) for i in range(3)]
    response = api.control(
        "POST", "seed", json={"businessPartners": suppliers, "purchaseInvoices": list(specs)}
    )
    assert response.status_code == 200, response.text
    found = api.ok("GET", "/invoices", params={"types": "PURCHASE_INVOICE"})["results"]
    by_number = {row.get("originalInvoiceNumber"): row["id"] for row in found}
    ids = [by_number.get(spec["invoice"]["originalInvoiceNumber"]) for spec in specs]
    if None in ids:  # the search row may lack the number: read the invoices
        rows = api.ok("GET", "/invoices/" + ",".join(str(row["id"]) for row in found))
        rows = rows if isinstance(rows, list) else [rows]
        by_number = {row["originalInvoiceNumber"]: row["id"] for row in rows}
        ids = [by_number[spec["invoice"]["originalInvoiceNumber"]] for spec in specs]
    return ids


def purchase_spec(index, quantity=1, number=None):
    spec = purchases.generated_purchase_invoice(index)
    row = spec["invoice"]["invoiceRows"][0]
    row.update(unitPrice=100.0, quantity=quantity, vatPercent=25.5, vatStatus=2)
    spec["invoice"]["invoiceRows"] = [row]
    spec["invoice"]["originalInvoiceNumber"] = number or f"P-{index}"
    spec["accounting"] = [{"account": "4000"}]
    spec["status"] = "APPROVED"
    spec.pop("paymentDate", None)
    return spec


def test_purchase_payments_in_parts_discount_setoff_and_bare_events(api, schemas):
    bill_id, other_id, credit_id = seeded_purchases(
        api, purchase_spec(0), purchase_spec(1), purchase_spec(21, quantity=-1, number="HYV-1")
    )
    bill = {"id": bill_id}
    first = control_pay(api, bill, amount=50, paymentDate="2026-03-10")
    assert first["status"] == "PARTLY_PAID"
    control_pay(api, bill, amount=55.5, paymentDate="2026-03-11", type="REFERENCEPAYMENT")
    discount = control_pay(api, bill, amount=20, paymentDate="2026-03-11", type="CASHDISCOUNT")
    assert discount["type"] == "CASHDISCOUNT" and discount["status"] == "PAID"
    # An event that names no currency at all, as the schema allows.
    bare = control_pay(
        api,
        {"id": other_id},
        amount=30,
        paymentDate="2026-03-12",
        type="ELSEWHERE",
        omit=["paidAmount", "paidCurrency", "currency"],
    )
    assert "paidAmount" not in bare and "currency" not in bare and bare["amount"] == 30
    # A set-off: a SETOFF event on the invoice and one on the credit note.
    response = api.control(
        "POST",
        f"invoices/{other_id}/setoff",
        json={"creditNoteId": credit_id, "amount": 95.5, "paymentDate": "2026-03-13"},
    )
    assert response.status_code == 200, response.text
    setoff = response.json()
    assert setoff["invoice"]["paidAmount"] == 95.5 and setoff["creditNote"]["paidAmount"] == -95.5
    assert {setoff["invoice"]["type"], setoff["creditNote"]["type"]} == {"SETOFF"}
    reads = check_reads(api, schemas, [bill_id, other_id, credit_id])
    assert reads[bill_id][0]["status"] == "PAID"
    assert [e["type"] for e in reads[bill_id][1]] == [
        "CASHDISCOUNT",
        "REFERENCEPAYMENT",
        "BANKSTATEMENT",
    ]
    assert reads[other_id][0]["status"] == "PAID"
    (on_credit,) = reads[credit_id][1]
    assert on_credit["type"] == "SETOFF" and on_credit["paidAmount"] == -95.5
    for event_body in reads[other_id][1]:
        assert_valid(schemas, "PaymentEvent", event_body)
        if event_body["type"] == "ELSEWHERE":
            assert "paidAmount" not in event_body and "currency" not in event_body
    bad = api.control("POST", f"invoices/{other_id}/setoff", json={"creditNoteId": 1, "amount": 1})
    assert bad.status_code in (400, 404)
    bad = api.control(
        "POST", f"invoices/{bill_id}/payments", json={"amount": 1, "omit": ["invoiceId"]}
    )
    assert bad.status_code == 400


def test_foreign_payment_keeps_the_euros_procountor_booked():
    """``amount`` next to ``paidAmount`` is the accounting currency's: kept as the
    company amount only when the event names that currency or none."""
    event = {
        "id": 7,
        "invoiceId": 1,
        "type": "BANKSTATEMENT",
        "paymentDate": "2026-03-20",
        "paidAmount": 1255.0,
        "paidCurrency": "SEK",
        "amount": 109.32,
        "currency": "EUR",
    }
    row = PaymentEventRow.from_event(event, accounting_currency="EUR")
    assert (row.amount, row.currency, row.company_amount) == (
        Decimal("1255.0"),
        "SEK",
        Decimal("109.32"),
    )
    refund = PaymentEventRow.from_event(event, sign=-1, accounting_currency="EUR")
    assert refund.company_amount == Decimal("-109.32")
    unnamed = PaymentEventRow.from_event({**event, "currency": None}, accounting_currency="EUR")
    assert unnamed.company_amount == Decimal("109.32")
    other = PaymentEventRow.from_event({**event, "currency": "USD"}, accounting_currency="EUR")
    assert other.company_amount is None
    odd = PaymentEventRow.from_event({**event, "amount": "x"}, accounting_currency="EUR")
    assert odd.company_amount is None
