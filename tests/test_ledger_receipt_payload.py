"""JOURNAL ledger receipts of Odoo journal entries: the builder, the create-once protocol
and the conformance of every request and response with the Procountor 26.04 schemas.

Plain Python against the sandbox: ``build_journal_receipt`` from neutral data,
``create_journal_once`` with lost answers, adoption and conflicts (the Odoo suite,
``procountor_connector/tests/test_journal_send.py``, drives the same protocol from real
entries)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import requests
import schema_support

from procountor_api.client import ProcountorClient
from procountor_api.exceptions import ProcountorError, ProcountorValidationError
from procountor_api.payloads import (
    NO_VAT_STATUS,
    DimensionValue,
    JournalAdoptionConflict,
    JournalLine,
    JournalReceiptData,
    PayloadError,
    build_journal_receipt,
    build_journal_receipt_update,
    create_journal_once,
    journal_adoption_differences,
    name_carries_number,
    procountor_deductible_vat,
    procountor_vat,
    receipt_imbalance,
    receipt_name,
)
from procountor_sandbox import defaults
from procountor_sandbox.testing import pin_calendar

DAY = date(2026, 3, 31)


def _accrual(number="MISC/2026/03/0001", **overrides):
    """Accrued rent with 25.5 % purchase VAT, on a cost centre and a project."""
    values = {
        "number": number,
        "receipt_date": DAY,
        "reference": "Accrued rent 03/2026",
        "lang": "fi_FI",
        "lines": (
            JournalLine(
                account="6800",
                balance=Decimal("1000.00"),
                description="Rent March",
                vat_percent=Decimal("25.5"),
                vat_status=2,
                vat_type="PURCHASE",
                dimensions=(
                    DimensionValue(1, 101, Decimal("600.00")),
                    DimensionValue(1, 102, Decimal("400.00")),
                    DimensionValue(2, 201, Decimal("1000.00")),
                ),
            ),
            JournalLine(account="2940", balance=Decimal("-1255.00"), description="Accrual"),
        ),
    }
    values.update(overrides)
    return JournalReceiptData(**values)


def _payroll(number="PAY/2026/03/0001"):
    return JournalReceiptData(
        number=number,
        receipt_date=DAY,
        reference="Salaries 03/2026",
        lines=(
            JournalLine(account="6800", balance=Decimal("3200.00"), description="Gross"),
            JournalLine(account="2940", balance=Decimal("-700.00"), description="Withholding"),
            JournalLine(account="1910", balance=Decimal("-2500.00"), description="Net pay"),
        ),
    )


# --- the builder ---------------------------------------------------------------------------


def test_accrual_body():
    body = build_journal_receipt(_accrual())
    assert body == {
        "type": "JOURNAL",
        "name": "MISC/2026/03/0001 Accrued rent 03/2026",
        "receiptDate": "2026-03-31",
        "vatType": "PURCHASE",
        "vatStatus": 2,
        "transactionDescription": "Accrued rent 03/2026",
        "transactions": [
            {
                "transactionType": "ENTRY",
                "account": "6800",
                "accountingValue": 1000,
                "vatPercent": 25.5,
                "vatStatus": 2,
                "description": "Rent March",
                "dimensionItemValues": [
                    {"dimensionId": 1, "itemId": 101, "value": 600},
                    {"dimensionId": 1, "itemId": 102, "value": 400},
                    {"dimensionId": 2, "itemId": 201, "value": 1000},
                ],
            },
            {
                "transactionType": "ENTRY",
                "account": "2940",
                "accountingValue": -1255,
                "vatPercent": 0,
                "vatStatus": NO_VAT_STATUS,
                "description": "Accrual",
            },
        ],
    }
    assert receipt_imbalance(body["transactions"]) == 0


def test_untaxed_entry_has_no_vat_handling_status():
    body = build_journal_receipt(_payroll())
    assert (body["vatType"], body["vatStatus"]) == ("PURCHASE", NO_VAT_STATUS)
    assert {t["vatStatus"] for t in body["transactions"]} == {NO_VAT_STATUS}
    assert "accountantsNotes" not in body


def test_unbalanced_entry_is_refused():
    data = _accrual(
        lines=(
            JournalLine(
                account="6800",
                balance=Decimal("1000.00"),
                vat_percent=Decimal("25.5"),
                vat_status=2,
                vat_type="PURCHASE",
            ),
            # Odoo's tax line of 255 is not sent; a credit of 1000 alone leaves 255 open.
            JournalLine(account="2940", balance=Decimal("-1000.00")),
        )
    )
    with pytest.raises(PayloadError, match="does not balance"):
        build_journal_receipt(data)


def test_long_number_is_refused_never_cut_and_reference_is_cut():
    with pytest.raises(PayloadError, match="longer than 80"):
        build_journal_receipt(_accrual(number="M" * 81))
    body = build_journal_receipt(_accrual(reference="R" * 300))
    assert body["name"].startswith("MISC/2026/03/0001 R") and len(body["name"]) == 80
    assert len(body["transactionDescription"]) == 255


def test_mixed_sales_and_purchase_vat_is_refused():
    data = _accrual(
        lines=(
            JournalLine("3000", Decimal("-100"), "", Decimal("25.5"), 1, "SALES"),
            JournalLine("6800", Decimal("100"), "", Decimal("25.5"), 2, "PURCHASE"),
        )
    )
    with pytest.raises(PayloadError, match="mixes sales and purchase"):
        build_journal_receipt(data)


def test_correction_keeps_original_reference_and_names_its_receipt():
    data = _accrual(
        number="MISC/2026/04/0003",
        receipt_date=date(2026, 4, 1),
        reference="Reversal of: MISC/2026/03/0001",
        correction_of="MISC/2026/03/0001",
        correction_of_receipt=1234,
        correction_of_reference="Accrued rent 03/2026",
        lines=tuple(
            JournalLine(
                line.account,
                -line.balance,
                line.description,
                line.vat_percent,
                line.vat_status,
                line.vat_type,
                line.dimensions,
            )
            for line in _accrual().lines
        ),
    )
    body = build_journal_receipt(data)
    assert body["name"] == "MISC/2026/04/0003 Accrued rent 03/2026"
    assert body["receiptDate"] == "2026-04-01"
    assert body["transactionDescription"] == "Accrued rent 03/2026"
    assert body["accountantsNotes"] == (
        "Oikaisu tositteeseen MISC/2026/03/0001 (Procountor-tosite 1234)"
    )


@pytest.mark.parametrize(
    ("value", "percent", "vat"),
    [
        ("100", "25.5", "25.50"),
        ("0.02", "25.5", "0.01"),
        ("-0.02", "25.5", "-0.01"),
        ("7", "0", "0"),
    ],
)
def test_procountor_vat_rounds_half_up(value, percent, vat):
    assert procountor_vat(Decimal(value), Decimal(percent)) == Decimal(vat)


def test_name_carries_number_exactly():
    assert name_carries_number(receipt_name("MISC/1", "x"), "MISC/1")
    assert name_carries_number("MISC/1", "MISC/1")
    assert not name_carries_number("MISC/10 x", "MISC/1")
    assert not name_carries_number("X MISC/1", "MISC/1")


def test_adoption_differences_ignore_row_order():
    body = build_journal_receipt(_accrual())
    remote = {**body, "transactions": list(reversed(body["transactions"]))}
    assert journal_adoption_differences(remote, body) == []
    changed = {**body, "receiptDate": "2026-03-30"}
    assert journal_adoption_differences(changed, body) == ["date"]
    other_rows = {**body, "transactions": body["transactions"][:1]}
    assert journal_adoption_differences(other_rows, body) == ["rows"]


# --- the create-once protocol (against the sandbox) ----------------------------------------


@pytest.fixture
def journal_client(client, sandbox_reset):
    pin_calendar(sandbox_reset.url)
    return client


def _fault(sandbox, **spec):
    requests.post(f"{sandbox.url}/_sandbox/faults", json=spec, timeout=10).raise_for_status()


def _journals(client):
    return list(client.search_ledger_receipts(types=["JOURNAL"]))


class _Claims:
    def __init__(self):
        self.count = 0

    def __call__(self):
        self.count += 1


def test_create_then_adopt_after_a_lost_answer(journal_client, sandbox_reset):
    body = build_journal_receipt(_accrual())
    slow = ProcountorClient(
        base_url=sandbox_reset.url,
        client_id=defaults.CLIENT_ID,
        client_secret=defaults.CLIENT_SECRET,
        api_key=defaults.API_KEY,
        redirect_uri=defaults.REDIRECT_URI,
        backoff_factor=0,
        timeout=(2, 0.3),
    )
    _fault(
        sandbox_reset,
        kind="timeout_after_commit",
        path="/ledgerreceipts",
        method="POST",
        times=1,
        seconds=0.8,
    )
    claims = _Claims()
    with pytest.raises(ProcountorError) as caught:
        create_journal_once(
            slow, body, number="MISC/2026/03/0001", create_unknown=False, claim=claims
        )
    assert caught.value.ambiguous and claims.count == 1
    # The next attempt searches first and adopts what the lost POST created.
    remote, adopted = create_journal_once(
        journal_client, body, number="MISC/2026/03/0001", create_unknown=True, claim=claims
    )
    assert adopted and claims.count == 1
    assert len(_journals(journal_client)) == 1
    assert remote["status"] == "UNFINISHED" and remote["receiptNumber"]


def test_nothing_found_creates_and_a_changed_receipt_is_a_conflict(journal_client):
    claims = _Claims()
    body = build_journal_receipt(_payroll())
    remote, adopted = create_journal_once(
        journal_client, body, number="PAY/2026/03/0001", create_unknown=True, claim=claims
    )
    assert not adopted and claims.count == 1
    assert journal_adoption_differences(remote, body) == []
    other = dict(body)
    other["transactions"] = [
        {**body["transactions"][0], "accountingValue": 3300},
        {**body["transactions"][1], "accountingValue": -800},
        body["transactions"][2],
    ]
    with pytest.raises(JournalAdoptionConflict) as caught:
        create_journal_once(
            journal_client, other, number="PAY/2026/03/0001", create_unknown=True, claim=claims
        )
    assert caught.value.candidates == [(remote["id"], ["rows"])]
    assert claims.count == 1 and len(_journals(journal_client)) == 1


def test_invalidated_receipt_is_not_adopted(journal_client):
    claims = _Claims()
    body = build_journal_receipt(_payroll())
    remote, _adopted = create_journal_once(
        journal_client, body, number="PAY/2026/03/0001", create_unknown=False, claim=claims
    )
    journal_client.request(
        "PUT", f"/ledgerreceipts/{remote['id']}/invalidate", operation="invalidate"
    )
    again, adopted = create_journal_once(
        journal_client, body, number="PAY/2026/03/0001", create_unknown=True, claim=claims
    )
    assert not adopted and again["id"] != remote["id"] and claims.count == 2


def test_sandbox_refuses_an_unbalanced_receipt(journal_client):
    body = build_journal_receipt(_payroll())
    body["transactions"][0]["accountingValue"] = 3300
    with pytest.raises(ProcountorValidationError) as caught:
        journal_client.create_ledger_receipt(body)
    assert "RECEIPT_DOES_NOT_BALANCE" in caught.value.codes


def test_every_call_validates_against_the_26_04_schemas(journal_client, sandbox_reset):
    schemas = schema_support.load()
    if schemas is None:
        pytest.skip(schema_support.SKIP_REASON)
    requests.delete(f"{sandbox_reset.url}/_sandbox/journal", timeout=10).raise_for_status()
    claims = _Claims()
    created, _adopted = create_journal_once(
        journal_client,
        build_journal_receipt(_accrual()),
        number="MISC/2026/03/0001",
        create_unknown=True,
        claim=claims,
    )
    current = journal_client.get_ledger_receipt(created["id"])
    update = build_journal_receipt_update(
        _accrual(reference="Accrued rent 03/2026 (corrected)"), current["version"]
    )
    journal_client.update_ledger_receipt(created["id"], update)
    journal_client.approve_ledger_receipt(created["id"])
    payroll, _adopted = create_journal_once(
        journal_client,
        build_journal_receipt(_payroll()),
        number="PAY/2026/03/0001",
        create_unknown=False,
        claim=claims,
    )
    assert journal_client.get_ledger_receipt(created["id"])["status"] == "APPROVED"
    assert payroll["status"] == "UNFINISHED"
    entries = requests.get(f"{sandbox_reset.url}/_sandbox/journal", timeout=10).json()
    entries = entries.get("entries", entries) if isinstance(entries, dict) else entries
    checked = set()
    for entry in entries:
        if entry["path"] == "/oauth/token":
            continue
        operation = schemas.operation_for(entry["method"], entry["path"])
        assert operation is not None, entry["path"]
        if operation.request_body and entry["request_body"] is not None:
            assert schemas.errors(operation.request_body, entry["request_body"]) == []
        response_type = operation.responses.get(str(entry["status"]))
        if response_type and entry["response_body"] is not None:
            assert schemas.errors(response_type, entry["response_body"]) == [], entry["path"]
        checked.add(operation.name)
    assert {
        "searchLedgerReceipt",
        "saveLedgerReceipt",
        "getLedgerReceipt",
        "updateLedgerReceipt",
        "approveInvoice",
    } <= checked


# --- non-deductible VAT (vatDeductionPercent) -------------------------------------------


def _half_deductible_accrual():
    """Entertainment costs with 25.5 % purchase VAT of which half is deductible."""
    return _accrual(
        lines=(
            JournalLine(
                account="6800",
                balance=Decimal("1000.00"),
                description="Entertainment",
                vat_percent=Decimal("25.5"),
                vat_status=2,
                vat_type="PURCHASE",
                vat_deduction_percent=Decimal(50),
            ),
            JournalLine(account="2940", balance=Decimal("-1255.00"), description="Accrual"),
        )
    )


def test_deduction_percent_goes_on_the_entry_row_only_when_not_fully_deductible():
    body = build_journal_receipt(_half_deductible_accrual())
    entertainment, accrual = body["transactions"]
    assert entertainment["vatDeductionPercent"] == 50
    assert "vatDeductionPercent" not in accrual
    assert "vatDeductionPercent" not in build_journal_receipt(_accrual())["transactions"][0]
    # The VAT Procountor computes is the same: only its deductible share changes.
    assert receipt_imbalance(body["transactions"]) == 0
    assert procountor_deductible_vat(Decimal("1000.00"), Decimal("25.5"), Decimal(50)) == Decimal(
        "127.50"
    )
    assert procountor_deductible_vat(Decimal("33.33"), Decimal("25.5"), Decimal(50)) == Decimal(
        "4.25"
    )


def test_deduction_on_a_sales_row_is_refused():
    data = _accrual(
        lines=(
            JournalLine(
                account="3000",
                balance=Decimal("-1000.00"),
                vat_percent=Decimal("25.5"),
                vat_status=1,
                vat_type="SALES",
                vat_deduction_percent=Decimal(50),
            ),
            JournalLine(account="1700", balance=Decimal("1255.00")),
        )
    )
    with pytest.raises(PayloadError) as caught:
        build_journal_receipt(data)
    assert "deductible share" in str(caught.value)


def test_adoption_compares_the_deduction_percent():
    body = build_journal_receipt(_half_deductible_accrual())
    remote = {**body, "transactions": [dict(t) for t in body["transactions"]]}
    assert journal_adoption_differences(remote, body) == []
    # Procountor may show the default deduction (100) on rows we sent without one.
    remote["transactions"][1]["vatDeductionPercent"] = 100
    assert journal_adoption_differences(remote, body) == []
    remote["transactions"][0]["vatDeductionPercent"] = 100
    assert journal_adoption_differences(remote, body) == ["rows"]


def test_sandbox_keeps_the_deduction_percent_and_checks_it(journal_client):
    created = journal_client.create_ledger_receipt(
        build_journal_receipt(_half_deductible_accrual())
    )
    stored = journal_client.get_ledger_receipt(created["id"])
    assert stored["transactions"][0]["vatDeductionPercent"] == 50
    bad = build_journal_receipt(_half_deductible_accrual())
    bad["transactions"][0]["vatDeductionPercent"] = 150
    with pytest.raises(ProcountorValidationError) as caught:
        journal_client.create_ledger_receipt(bad)
    assert "transactions[0].vatDeductionPercent" in str(caught.value)
    bad = build_journal_receipt(_half_deductible_accrual())
    bad["transactions"][1]["vatDeductionPercent"] = 50
    bad["transactions"].insert(0, bad["transactions"].pop(1))
    bad["transactions"][0]["transactionType"] = "REVERSING_ENTRY"
    with pytest.raises(ProcountorValidationError) as caught:
        journal_client.create_ledger_receipt(bad)
    assert "transactions[0].vatDeductionPercent" in str(caught.value)
