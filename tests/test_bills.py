"""Vendor bills from Procountor: ``payloads.bills``, the sandbox's accepted
purchase invoices, and the 26.04 schemas of every call the import makes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import requests
import schema_support

from procountor_api.payloads import bills
from procountor_sandbox import purchases
from procountor_sandbox.ledger import imbalance
from procountor_sandbox.testing import pin_calendar

TODAY = date(2026, 6, 15)
MAPPINGS = bills.BillMappings(
    accounts={"4000": 1, "6800": 2, "7680": 3},
    taxes={
        bills.vat_key(25.5, 2): 11,
        bills.vat_key(13.5, 2): 12,
        bills.vat_key(10, None): 13,
    },
    dimension_items={(1, 101): 21, (1, 102): 22, (2, 201): 23},
    currencies={"EUR": 1, "USD": 2},
    company_currency="EUR",
)


def invoice(status="APPROVED", total=125.5, currency="EUR", rate=1, **extra):
    body = {
        "id": 100001,
        "type": "PURCHASE_INVOICE",
        "status": status,
        "partnerId": 25000,
        "date": "2026-03-02",
        "version": "2026-03-05T10:00:00.123",
        "originalInvoiceNumber": "T-1",
        "invoiceNumber": 1001,
        "ledgerReceiptId": 200001,
        "counterParty": {
            "identifier": "7654321-2",
            "counterPartyAddress": {"name": "Toimittaja Oy"},
        },
        "paymentInfo": {
            "paymentMethod": "BANK_TRANSFER",
            "currency": currency,
            "currencyRate": rate,
            "dueDate": "2026-03-16",
            "bankReferenceCode": "10003",
            "bankAccount": {"accountNumber": "FI46 1025 3000 1234 56"},
        },
        "invoiceSumInfo": [
            {
                "currency": currency,
                "inAccountingCurrency": currency == "EUR",
                "excludingVatTotal": round(total / 1.255, 2),
                "vatSumTotal": round(total - round(total / 1.255, 2), 2),
                "invoiceSumTotal": total,
            }
        ],
    }
    body.update(extra)
    return body


def receipt(*entries, vat_status=2):
    return {
        "id": 200001,
        "type": "PURCHASE_INVOICE",
        "name": "Toimittaja Oy",
        "receiptDate": "2026-03-03",
        "vatType": "PURCHASE",
        "vatStatus": vat_status,
        "transactions": [
            {"transactionType": "REVERSING_ENTRY", "account": "2880", "accountingValue": -125.5},
            *entries,
        ],
    }


def entry(account="4000", value=100.0, percent=25.5, status=2, dims=(), description="Rivi"):
    row = {
        "id": 210002,
        "transactionType": "ENTRY",
        "account": account,
        "accountingValue": value,
        "vatPercent": percent,
        "description": description,
    }
    if status is not None:
        row["vatStatus"] = status
    if dims:
        row["dimensionItemValues"] = [
            {"dimensionId": d, "itemId": i, "value": v} for d, i, v in dims
        ]
    return row


# ------------------------------------------------------------------ payloads.bills


def test_map_bill_lines_taxes_analytic_and_header():
    data, problems = bills.map_bill(
        invoice(),
        receipt(entry(dims=[(1, 101, 60.0), (1, 102, 40.0), (2, 201, 100.0)])),
        MAPPINGS,
    )
    assert problems == []
    assert data.move_type == "in_invoice"
    assert (data.ref, data.payment_reference, data.supplier_iban) == (
        "T-1",
        "10003",
        "FI4610253000123456",
    )
    assert (data.invoice_date, data.due_date, data.accounting_date) == (
        "2026-03-02",
        "2026-03-16",
        "2026-03-03",
    )
    (line,) = data.lines
    assert (line.account_id, line.tax_id, line.amount) == (1, 11, Decimal("100.00"))
    assert line.analytic == {21: 60.0, 22: 40.0, 23: 100.0}
    assert data.total == Decimal("125.50")
    assert not data.paid


def test_every_problem_at_once_and_each_once():
    data, problems = bills.map_bill(
        invoice(),
        receipt(
            entry(account="4050"),
            entry(account="4050", percent=24, status=2),
            entry(dims=[(1, 103, 100.0)]),
        ),
        MAPPINGS,
    )
    assert data is None
    assert [p.code for p in problems] == [
        bills.UNMAPPED_ACCOUNT,
        bills.UNMAPPED_VAT,
        bills.UNMAPPED_DIMENSION,
    ]
    assert problems[0].values == ("4050",)
    assert problems[1].values == ("24", 2)


def test_vat_mapping_without_status_and_zero_percent():
    data, problems = bills.map_bill(
        invoice(),
        receipt(entry(percent=10.0, status=7), entry(percent=0, status=12)),
        MAPPINGS,
    )
    assert problems == []
    assert [line.tax_id for line in data.lines] == [13, None]


def test_receipt_vat_status_applies_to_entries_without_one():
    data, problems = bills.map_bill(
        invoice(), receipt(entry(percent=13.5, status=None), vat_status=2), MAPPINGS
    )
    assert problems == [] and data.lines[0].tax_id == 12


@pytest.mark.parametrize(
    "status", ["UNFINISHED", "INVALIDATED", "RECEIVED", "VERIFIED", "PAYMENT_DENIED", "SENT"]
)
def test_not_accepted_statuses(status):
    data, problems = bills.map_bill(invoice(status=status), receipt(entry()), MAPPINGS)
    assert data is None and problems == [bills.BillProblem(bills.NOT_ACCEPTED, (status,))]


def test_other_types_and_missing_receipt():
    assert bills.map_bill(invoice(type="SALES_INVOICE"), receipt(), MAPPINGS)[1][0].code == (
        bills.NOT_PURCHASE
    )
    assert bills.map_bill(invoice(), None, MAPPINGS)[1][0].code == bills.NO_RECEIPT
    assert bills.map_bill(invoice(), receipt(), MAPPINGS)[1][0].code == bills.NO_ENTRIES


def test_negative_total_is_a_refund_with_positive_lines():
    data, _ = bills.map_bill(invoice(total=-125.5), receipt(entry(value=-100.0)), MAPPINGS)
    assert data.move_type == "in_refund"
    assert data.lines[0].amount == Decimal("100.00")
    assert data.total == Decimal("125.50")


def test_foreign_currency_lines_in_invoice_currency():
    data, problems = bills.map_bill(
        invoice(currency="USD", rate=1.1, total=138.05), receipt(entry(value=100.0)), MAPPINGS
    )
    assert problems == []
    assert (data.currency, data.currency_id, data.lines[0].amount) == ("USD", 2, Decimal("110.00"))
    data, problems = bills.map_bill(invoice(currency="SEK"), receipt(entry()), MAPPINGS)
    assert problems == [bills.BillProblem(bills.UNKNOWN_CURRENCY, ("SEK",))]


def test_paid_statuses_and_helpers():
    data, _ = bills.map_bill(
        invoice(status="PAID", paymentDate="2026-03-10"), receipt(entry()), MAPPINGS
    )
    assert data.paid and data.payment_date == "2026-03-10"
    assert bills.vat_key("25.50", "2") == bills.vat_key(25.5, 2) == ("25.5", 2)
    assert bills.vat_key(10.0) == ("10", None)
    assert bills.high_water_mark(None, []) is None
    assert bills.high_water_mark("2026-01-01T00:00:00.000", ["2025-12-31T00:00:00.000"]) == (
        "2026-01-01T00:00:00.000"
    )
    assert bills.high_water_mark(None, ["2026-02-01T00:00:00.001", None, "2026-01-01"]) == (
        "2026-02-01T00:00:00.001"
    )
    filters = bills.search_filters("2026-02-01T00:00:00.001")
    assert filters["types"] == ["PURCHASE_INVOICE"]
    assert set(filters["status"]) == set(bills.ACCEPTED_STATUSES)
    # Ten minutes of overlap: a change committed late with an earlier version is not lost.
    assert filters["versionStartDate"] == "2026-01-31T23:50:00.001"
    assert "versionStartDate" not in bills.search_filters(None)
    assert bills.totals_differ(data, Decimal("100.00"), Decimal("125.50")) is None
    assert bills.totals_differ(data, Decimal("100.00"), Decimal("125.51")) == (
        Decimal("125.50"),
        Decimal("125.51"),
        Decimal("100.00"),
        Decimal("100.00"),
    )


def test_accepted_statuses_are_in_the_schema_enum():
    schemas = schema_support.load()
    if schemas is None:
        pytest.skip(schema_support.SKIP_REASON)
    enum = schemas.definitions["Invoice"]["properties"]["status"]["enum"]
    assert set(bills.ACCEPTED_STATUSES) <= set(enum)
    assert set(purchases.ACCEPTED_STATUSES) == set(bills.ACCEPTED_STATUSES)


# ------------------------------------------------------------------ sandbox


def test_generator_is_deterministic():
    first = purchases.generated_purchase_invoices(30, TODAY)
    assert first == purchases.generated_purchase_invoices(30, TODAY)
    suppliers, specs = first
    assert len(suppliers) == 20 and len(specs) == 30
    assert {spec["status"] for spec in specs} == set(purchases.ACCEPTED_STATUSES)
    assert all(spec["invoice"]["date"] <= TODAY.isoformat() for spec in specs)
    _suppliers, specs = purchases.generated_purchase_invoices(
        34, TODAY, {"unmappedAccountEvery": 17, "attachmentEvery": 0}
    )
    unmapped = [i for i, s in enumerate(specs) if s["accounting"][0]["account"] == "4050"]
    assert unmapped == [16, 33]
    assert not any(spec.get("attachments") for spec in specs)


def seed(sandbox, body):
    response = requests.post(f"{sandbox.url}/_sandbox/seed", json=body, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def test_seeded_invoices_have_booked_balanced_receipts(sandbox_reset):
    pin_calendar(sandbox_reset.url, TODAY)
    counts = seed(sandbox_reset, {"generate": {"purchaseInvoices": 24}})
    assert counts["seeded"] == {"businessPartners": 20, "purchaseInvoices": 24}
    state = sandbox_reset.state
    purchases_ = [i for i in state.invoices.values() if i["type"] == "PURCHASE_INVOICE"]
    assert len(purchases_) == 24
    for invoice_ in purchases_:
        receipt_ = state.ledgerReceipts[invoice_["ledgerReceiptId"]]
        assert imbalance(receipt_["transactions"]) == 0
        entries = [t for t in receipt_["transactions"] if t["transactionType"] == "ENTRY"]
        assert len(entries) == len(invoice_["invoiceRows"])
        for row in entries:
            by_dimension = {}
            for value in row.get("dimensionItemValues", []):
                by_dimension.setdefault(value["dimensionId"], Decimal(0))
                by_dimension[value["dimensionId"]] += Decimal(str(value["value"]))
            assert all(
                total == Decimal(str(row["accountingValue"])) for total in by_dimension.values()
            )
        if invoice_["status"] in ("PAID", "MARKED_PAID", "PARTLY_PAID"):
            assert invoice_.get("paymentDate")
            assert any(e["invoiceId"] == invoice_["id"] for e in state.paymentEvents.values())
        assert invoice_["partnerId"] in state.businessPartners


def test_status_control_and_image(sandbox_reset):
    pin_calendar(sandbox_reset.url, TODAY)
    seed(sandbox_reset, {"generate": {"purchaseInvoices": 1}})
    invoice_id = next(iter(sandbox_reset.state.invoices))
    before = sandbox_reset.state.invoices[invoice_id]["version"]
    response = requests.post(
        f"{sandbox_reset.url}/_sandbox/invoices/{invoice_id}/status",
        json={"status": "PAID", "paymentDate": "2026-02-01"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["paymentDate"]) == ("PAID", "2026-02-01")
    assert body["version"] > before
    bad = requests.post(
        f"{sandbox_reset.url}/_sandbox/invoices/{invoice_id}/status",
        json={"status": "DONE"},
        timeout=10,
    )
    assert bad.status_code == 400
    wrong = seed_error(sandbox_reset, {"purchaseInvoices": [{"invoice": {"date": "x"}}]})
    assert wrong.status_code == 400 and "invalid purchase invoice" in wrong.text


def seed_error(sandbox, body):
    return requests.post(f"{sandbox.url}/_sandbox/seed", json=body, timeout=10)


def test_the_import_calls_conform_to_the_schemas(sandbox_reset, client):
    """The calls of an import (search, batch reads, partners, files, image) answer what
    the 26.04 schemas say, and map_bill turns every answer into a bill."""
    schemas = schema_support.load()
    if schemas is None:
        pytest.skip(schema_support.SKIP_REASON)
    pin_calendar(sandbox_reset.url, TODAY)
    seed(sandbox_reset, {"generate": {"purchaseInvoices": 12}})
    seed(
        sandbox_reset,
        {
            "purchaseInvoices": [
                {
                    "invoice": purchases.generated_purchase_invoice(5, TODAY)["invoice"],
                    "status": "UNFINISHED",
                }
            ]
        },
    )
    requests.delete(f"{sandbox_reset.url}/_sandbox/journal", timeout=10)
    rows = list(client.search_invoices(**bills.search_filters("2000-01-01T00:00:00")))
    assert len(rows) == 12
    invoices = client.get_invoices([row["id"] for row in rows])
    receipts = {
        r["id"]: r for r in client.get_ledger_receipts([i["ledgerReceiptId"] for i in invoices])
    }
    partners = client.get_business_partners(sorted({i["partnerId"] for i in invoices}))
    assert len(partners) == 12 and len(receipts) == 12
    files = [a for i in invoices for a in i.get("attachments", [])]
    assert files
    meta, content = client.get_attachment(files[0]["id"])
    assert content.startswith(b"%PDF") and meta["name"] == files[0]["name"]
    meta, content = client.get_invoice_image(invoices[0]["id"])
    assert content.startswith(b"\x89PNG") and meta["referenceId"] == invoices[0]["id"]
    mappings = bills.BillMappings(
        accounts={"4000": 1, "6800": 2, "7680": 3},
        taxes={bills.vat_key(p, 2): 10 + i for i, p in enumerate((25.5, 13.5, 10))},
        dimension_items={(1, 101): 21, (1, 102): 22, (2, 201): 23},
        currencies={"EUR": 1},
    )
    for invoice_ in invoices:
        data, problems = bills.map_bill(invoice_, receipts[invoice_["ledgerReceiptId"]], mappings)
        assert problems == [], problems
        assert sum(line.amount for line in data.lines) == data.untaxed
    journal = requests.get(f"{sandbox_reset.url}/_sandbox/journal", timeout=10).json()
    reached, problems = set(), []
    for entry_ in journal:
        if entry_["path"] == "/oauth/token":
            continue
        operation = schemas.operation_for(entry_["method"], entry_["path"])
        assert operation is not None, entry_["path"]
        reached.add(operation.name)
        type_name = operation.responses[str(entry_["status"])]
        body = entry_["response_body"]
        items = body if isinstance(body, list) else [body]
        for item in items:
            problems += [f"{operation.name}: {e}" for e in schemas.errors(type_name, item)]
    assert not problems, "\n".join(problems)
    assert {
        "searchInvoice",
        "getInvoice",
        "getLedgerReceipt",
        "getBusinessPartner",
        "getAttachment",
        "getInvoiceImage",
    } <= reached


def test_image_is_404_without_picture_or_other_page(sandbox_reset, client):
    from procountor_api.exceptions import ProcountorNotFoundError

    pin_calendar(sandbox_reset.url, TODAY)
    seed(sandbox_reset, {"generate": {"purchaseInvoices": 1}})
    invoice_id = next(iter(sandbox_reset.state.invoices))
    with pytest.raises(ProcountorNotFoundError):
        client.get_invoice_image(invoice_id, page=2)
    with pytest.raises(ProcountorNotFoundError):
        client.get_invoice_image(999999)


def test_search_overlap_keeps_the_format_and_leaves_odd_marks_alone():
    assert bills.overlap_since("2026-03-05T10:00:00") == "2026-03-05T09:50:00"
    assert bills.overlap_since("2026-03-05T10:00:00.123Z") == "2026-03-05T09:50:00.123"
    assert bills.overlap_since("not a date") == "not a date"
    assert bills.overlap_since(None) is None


def test_explicit_null_vat_status_falls_back_to_the_receipt():
    """``vatStatus: null`` on a transaction is "not given": the receipt's status (2) maps
    it, as when the key is absent."""
    row = entry(status=None)
    row["vatStatus"] = None
    page = receipt(row)
    data, problems = bills.map_bill(invoice(), page, MAPPINGS)
    assert problems == []
    assert [line.tax_id for line in data.lines] == [11]
    page["vatStatus"] = None
    data, problems = bills.map_bill(invoice(vatStatus=2), page, MAPPINGS)
    assert problems == []
    assert [line.tax_id for line in data.lines] == [11]


def test_malformed_answers_are_problems_not_exceptions():
    row = entry()
    row["vatPercent"] = "abc"
    odd = entry(dims=[(1, 101, "x")])
    odd["accountingValue"] = None
    odd["vatStatus"] = "two"
    source = invoice()
    source["paymentInfo"]["currencyRate"] = "1,1"
    data, problems = bills.map_bill(source, receipt(row, odd), MAPPINGS)
    assert data is None
    found = {problem.values[0]: problem.values[1] for problem in problems}
    assert {problem.code for problem in problems} == {bills.MALFORMED}
    assert found == {
        "paymentInfo.currencyRate": "'1,1'",
        "transactions[1].vatPercent": "'abc'",
        "transactions[2].accountingValue": "None",
        "transactions[2].vatStatus": "'two'",
        "transactions[2].dimensionItemValues[0].value": "'x'",
    }
    without_id = invoice()
    del without_id["id"]
    _data, problems = bills.map_bill(without_id, receipt(entry()), MAPPINGS)
    assert [problem.values for problem in problems] == [("id", "None")]
    _data, problems = bills.map_bill(invoice(), receipt(entry(), "not a row"), MAPPINGS)
    assert [problem.values for problem in problems] == [("transactions[2]", "'not a row'")]


def test_row_deduction_share_picks_the_tax():
    """Several Odoo taxes on one VAT key: the row's ``vatDeductionPercent`` picks the one
    with that deductible share; none, or several non-deductible ones, is a problem."""
    mappings = bills.BillMappings(
        accounts={"4000": 1},
        taxes={bills.vat_key(25.5, 2): (11, 14, 15)},
        tax_deductions={11: 100.0, 14: 50.0, 15: 50.0},
        currencies={"EUR": 1},
    )
    full = entry()
    half = entry(description="Edustus")
    half["vatDeductionPercent"] = 50
    data, problems = bills.map_bill(invoice(), receipt(full), mappings)
    assert problems == [] and data.lines[0].tax_id == 11
    _data, problems = bills.map_bill(invoice(), receipt(half), mappings)
    assert [(p.code, p.values) for p in problems] == [
        (bills.AMBIGUOUS_DEDUCTION, ("Edustus", "25.5", 2, "50"))
    ]
    mappings.preferred_tax = 15
    data, problems = bills.map_bill(invoice(), receipt(half), mappings)
    assert problems == [] and data.lines[0].tax_id == 15
    half["vatDeductionPercent"] = 30
    _data, problems = bills.map_bill(invoice(), receipt(half), mappings)
    assert [p.code for p in problems] == [bills.UNMAPPED_DEDUCTION]


def test_seeded_row_carries_its_deduction_share(sandbox_reset):
    pin_calendar(sandbox_reset.url, TODAY)
    spec = purchases.generated_purchase_invoice(2, TODAY)
    spec["accounting"][0]["vatDeductionPercent"] = 50
    seed(
        sandbox_reset,
        {"businessPartners": [purchases.generated_supplier(2)], "purchaseInvoices": [spec]},
    )
    (invoice_,) = sandbox_reset.state.invoices.values()
    receipt_ = sandbox_reset.state.ledgerReceipts[invoice_["ledgerReceiptId"]]
    entries = [t for t in receipt_["transactions"] if t["transactionType"] == "ENTRY"]
    assert entries[0]["vatDeductionPercent"] == 50.0
    assert all("vatDeductionPercent" not in t for t in entries[1:])
    assert imbalance(receipt_["transactions"]) == 0
    spec["accounting"][0]["vatDeductionPercent"] = 150
    assert seed_error(sandbox_reset, {"purchaseInvoices": [spec]}).status_code == 400


def test_foreign_lines_add_up_to_the_invoice_and_book_procountors_euros():
    """1,000.00 SEK + 25.5 % at 11.2345 SEK/EUR: Procountor books 89.01 EUR net and 111.71
    EUR payable. The line is 1,000.00 SEK (not 89.01 x 11.2345 = 999.98), and the company
    balances are Procountor's: 89.01 net, 22.70 VAT, -111.71 payable."""
    mappings = bills.BillMappings(**{**MAPPINGS.__dict__, "currencies": {"EUR": 1, "SEK": 3}})
    source = invoice(currency="SEK", rate=11.2345, total=1255.0)
    source["invoiceSumInfo"][0].update(excludingVatTotal=1000.0, vatSumTotal=255.0)
    page = receipt(entry(value=89.01))
    page["transactions"][0]["accountingValue"] = -111.71
    data, problems = bills.map_bill(source, page, mappings)
    assert problems == []
    assert [line.amount for line in data.lines] == [Decimal("1000.00")]
    assert data.currency_rate == Decimal("11.2345") and data.foreign
    assert data.company_payable == Decimal("-111.71")
    assert bills.company_balances(data, [22.69]) == (
        [Decimal("89.01")],
        [Decimal("22.70")],
        Decimal("-111.71"),
    )
    # Two rows: the split follows the euros booked and adds up to the cent.
    page = receipt(entry(value=44.51), entry(value=44.50))
    page["transactions"][0]["accountingValue"] = -111.71
    data, _problems = bills.map_bill(source, page, mappings)
    assert sum(line.amount for line in data.lines) == Decimal("1000.00")
    assert [line.amount for line in data.lines] == [Decimal("500.06"), Decimal("499.94")]
    # Without the payable in the accounting currency nothing is guessed.
    page["transactions"] = page["transactions"][1:]
    data, _problems = bills.map_bill(source, page, mappings)
    assert bills.company_balances(data, [22.69]) is None


def test_fingerprint_tells_content_from_status_changes():
    data, _problems = bills.map_bill(invoice(), receipt(entry()), MAPPINGS)
    before = bills.fingerprint(data)
    paid, _problems = bills.map_bill(invoice(status="PAID"), receipt(entry()), MAPPINGS)
    assert bills.fingerprint_changes(before, bills.fingerprint(paid)) == []
    import json

    stored = json.loads(json.dumps(before))  # as the bill keeps it
    assert bills.fingerprint_changes(stored, bills.fingerprint(paid)) == []
    changed, _problems = bills.map_bill(invoice(total=150.6), receipt(entry(value=120.0)), MAPPINGS)
    changes = bills.fingerprint_changes(stored, bills.fingerprint(changed))
    assert ("total", "125.50", "150.60") in changes
    assert ("lines", 1, 1) in changes
    assert bills.search_filters("2026-03-05T10:00:00", statuses=bills.LEFT_STATUSES)[
        "status"
    ] == list(bills.LEFT_STATUSES)
