"""HTTP-level tests of procountor_sandbox (plain requests against a threaded server)."""

from __future__ import annotations

import datetime
import json
import os
import re
import subprocess
import sys
import time
from email import message_from_bytes
from pathlib import Path

import pytest
import requests

from procountor_sandbox import defaults, finnish
from procountor_sandbox.server import start_in_thread
from procountor_sandbox.store import format_version
from procountor_sandbox.testing import (
    COMPANY_IBAN,
    SALES_PRODUCT,
    TIMEOUT,
    TOKEN_FORM,
    SandboxApi,
    error_codes,
    pin_calendar,
    sales_invoice,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def api(sandbox_reset):
    pin_calendar(sandbox_reset.url)
    return SandboxApi(sandbox_reset.url)


def create(api, **overrides):
    return api.ok("POST", "/invoices", json=sales_invoice(**overrides))


# --- token and authentication -----------------------------------------------------------


def test_token_is_issued_for_a_form_encoded_request(sandbox_reset):
    response = requests.post(
        f"{sandbox_reset.url}/api/oauth/token", data=TOKEN_FORM, timeout=TIMEOUT
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == defaults.TOKEN_LIFETIME
    assert body["access_token"].count(".") == 2  # JWT-like


@pytest.mark.parametrize(
    "kwargs, status",
    [
        ({"json": TOKEN_FORM}, 400),  # JSON body
        ({"params": TOKEN_FORM}, 400),  # credentials in the query string
        ({"data": {**TOKEN_FORM, "grant_type": "password"}}, 400),
        ({"data": {**TOKEN_FORM, "client_secret": "wrong"}}, 401),
        ({"data": {**TOKEN_FORM, "api_key": "wrong"}}, 401),
        ({"data": {**TOKEN_FORM, "client_id": "other"}}, 401),
    ],
)
def test_token_refusals(sandbox_reset, kwargs, status):
    response = requests.post(f"{sandbox_reset.url}/api/oauth/token", timeout=TIMEOUT, **kwargs)
    assert response.status_code == status
    if status == 401:
        assert response.json() == {"errors": [{"status": 401, "message": "Unauthorized"}]}


@pytest.mark.parametrize("path", ["/status", "/company", "/invoices", "/invoices/1", "/coa"])
def test_api_paths_need_a_valid_bearer_token(api, path):
    url = api.root + path
    assert requests.get(url, timeout=TIMEOUT).status_code == 401
    bogus = {"Authorization": "Bearer not-a-token"}
    assert requests.get(url, headers=bogus, timeout=TIMEOUT).status_code == 401
    assert api.call("GET", path).status_code in (200, 404)
    assert api.control("POST", "tokens/expire").json()["expired"] >= 1
    expired = api.call("GET", path)
    assert expired.status_code == 401
    assert expired.json()["errors"][0]["message"] == "Unauthorized"


def test_short_token_lifetime_expires(tmp_path):
    handle = start_in_thread(token_lifetime=1)
    try:
        api = SandboxApi(handle.url)
        assert api.call("GET", "/status").status_code == 200
        time.sleep(1.1)
        assert api.call("GET", "/status").status_code == 401
    finally:
        handle.stop()


@pytest.mark.parametrize("root", ["api", "latest/api", "supported/api", "v2604/api"])
def test_every_api_root_serves_the_api(sandbox_reset, root):
    api = SandboxApi(sandbox_reset.url, root)
    assert api.ok("GET", "/company")["name"] == "Sandbox Oy"


def test_unknown_root_and_path_are_404(api):
    assert requests.get(f"{api.base_url}/nope/api/company", timeout=TIMEOUT).status_code == 404
    assert api.call("GET", "/no-such-thing").status_code == 404


# --- master data ------------------------------------------------------------------------


def test_default_seed(api):
    company = api.ok("GET", "/company")
    assert company["businessIdentifier"]["code"] == "1234567-1"
    assert finnish.is_valid_ytunnus(company["businessIdentifier"]["code"])
    vats = api.ok("GET", "/vats/default")
    percents = {p["vatPercent"] for p in vats["vatInformation"][0]["percentages"]}
    assert {25.5, 13.5, 14.0, 10.0, 0.0} <= percents
    statuses = {s["vatStatus"]: s for s in vats["vatStatuses"]}
    assert statuses[1]["sales"] and not statuses[1]["purchase"]
    assert statuses[21]["sales"] and statuses[21]["purchase"]
    assert all(
        set(s) == {"vatStatus", "description", "sales", "purchase"} for s in statuses.values()
    )
    accounts = {a["ledgerAccountCode"]: a["name"] for a in api.ok("GET", "/coa")["ledgerAccounts"]}
    assert accounts["1700"] == "Myyntisaamiset" and accounts["2939"] == "ALV-velka"
    dimensions = api.ok("GET", "/dimensions")
    assert isinstance(dimensions, list) and len(dimensions) == 2
    banks = api.ok("GET", "/bankaccounts")
    assert banks["meta"]["totalCount"] == 2
    assert all(finnish.is_valid_iban(b["iban"]) for b in banks["results"])
    years = api.ok("GET", "/fiscalyears")["fiscalYears"]
    assert years[0]["startDate"] > years[-1]["startDate"]  # newest first
    assert api.ok("GET", "/currencies/company") == {"companyCurrency": "EUR"}
    assert api.ok("GET", "/sessioninfo")["name"] == "Sandbox Oy"


def test_reset_without_seed_and_seed_merge(api):
    assert api.control("POST", "reset", json={"seed": False}).status_code == 200
    api = SandboxApi(api.base_url)
    assert api.ok("GET", "/coa") == {"ledgerAccounts": []}
    seeded = api.control(
        "POST",
        "seed",
        json={
            "ledgerAccounts": [{"ledgerAccountCode": "3001", "name": "Myynti 2"}],
            "bankAccounts": [
                {
                    "iban": "FI4610253000123456",
                    "currency": "EUR",
                    "defaultForInvoice": True,
                    "defaultForPayment": True,
                    "status": "ACTIVE",
                    "ledgerAccount": "1910",
                    "showAccountOnInvoice": True,
                    "allowPayments": True,
                    "allowForeignPayments": False,
                }
            ],
        },
    )
    assert seeded.status_code == 200
    assert api.ok("GET", "/coa")["ledgerAccounts"][0]["ledgerAccountCode"] == "3001"
    assert api.ok("GET", "/bankaccounts")["results"][0]["iban"] == "FI4610253000123456"
    assert api.control("POST", "seed", json={"nonsense": []}).status_code == 400


# --- invoices ---------------------------------------------------------------------------


def test_invoice_lifecycle(api):
    invoice = create(api)
    assert invoice["status"] == "UNFINISHED"
    assert invoice["invoiceNumber"] and invoice["ledgerReceiptId"] and invoice["version"]
    reference = invoice["paymentInfo"]["bankReferenceCode"]
    assert reference == finnish.make_fi_reference(str(invoice["invoiceNumber"]))
    assert finnish.is_valid_fi_reference(reference)
    assert invoice["invoiceSumInfo"] == [
        {
            "currency": "EUR",
            "inAccountingCurrency": True,
            "excludingVatTotal": 200.0,
            "vatSumTotal": 51.0,
            "invoiceSumTotal": 251.0,
        }
    ]
    path = f"/invoices/{invoice['id']}"
    assert api.ok("GET", path) == invoice
    assert api.call("PUT", path + "/send").status_code == 403  # not approved yet
    assert api.ok("PUT", path + "/approve", json={})["message"]
    assert api.ok("GET", path)["status"] == "NOT_SENT"
    assert api.call("PUT", path + "/approve", json={}).status_code == 403
    api.ok("PUT", path + "/send")
    assert api.ok("GET", path)["status"] == "SENT"
    api.ok("PUT", path + "/send")  # a resend is allowed
    current = api.ok("GET", path)
    update = api.call("PUT", path, json={**sales_invoice(), "version": current["version"]})
    assert update.status_code == 403  # only UNFINISHED sales invoices can be updated
    api.ok("PUT", path + "/notes", json={"notes": "internal"})  # notes in any status
    assert api.ok("GET", path)["notes"] == "internal"


def test_versions_change_on_every_write_and_look_like_procountor(api):
    first = create(api)
    api.ok("PUT", f"/invoices/{first['id']}/notes", json={"notes": "x"})
    second = api.ok("GET", f"/invoices/{first['id']}")
    assert second["version"] > first["version"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}", second["version"])
    moment = datetime.datetime(2026, 1, 30, 15, 20, 0, 123456)
    assert format_version(moment) == "2026-01-30T15:20:00.123"


def test_sums_with_row_and_header_discount_and_negative_rows(api):
    rows = [
        {
            "product": "A",
            "quantity": 3,
            "unit": "PIECE",
            "unitPrice": 19.99,
            "discountPercent": 10,
            "vatPercent": 25.5,
        },
        {
            "product": "Kirja",
            "quantity": 1,
            "unit": "PIECE",
            "unitPrice": 40,
            "discountPercent": 0,
            "vatPercent": 13.5,
        },
        {
            "product": "Hyvitys",
            "quantity": -1,
            "unit": "PIECE",
            "unitPrice": 10,
            "discountPercent": 0,
            "vatPercent": 25.5,
        },
    ]
    invoice = create(api, invoiceRows=rows, discountPercent=5)
    # 3 x 19.99 x 0.9 x 0.95 = 51.27435 -> 51.27 (VAT 13.07); 40 x 0.95 = 38.00 (VAT
    # 5.13); -1 x 10 x 0.95 = -9.50 (VAT -2.42).
    sums = invoice["invoiceSumInfo"][0]
    assert (sums["excludingVatTotal"], sums["vatSumTotal"], sums["invoiceSumTotal"]) == (
        79.77,
        15.78,
        95.55,
    )
    credit = create(
        api,
        invoiceRows=[{**rows[0], "quantity": -3}],
        discountPercent=0,
        originalInvoiceNumber="RINV/2026/00001",
    )
    assert credit["invoiceSumInfo"][0]["invoiceSumTotal"] == -67.73  # -53.97 - 13.76


def test_foreign_currency_gives_two_sum_entries(api):
    info = {**sales_invoice()["paymentInfo"], "currency": "SEK", "currencyRate": 11.5}
    invoice = create(api, paymentInfo=info)
    sek, eur = invoice["invoiceSumInfo"]
    assert (sek["currency"], sek["inAccountingCurrency"], sek["invoiceSumTotal"]) == (
        "SEK",
        False,
        251.0,
    )
    assert (eur["currency"], eur["inAccountingCurrency"], eur["invoiceSumTotal"]) == (
        "EUR",
        True,
        21.83,
    )


def test_validation_errors_are_collected_together(api):
    body = sales_invoice(
        invoiceRows=[{"product": "", "quantity": "2", "unit": "BOXES", "unitPrice": 1}],
        invoiceChannel="PAPER_INVOICE",
        language=None,
        originalInvoiceNumber="x" * 41,
        surprise=True,
    )
    del body["extraInfo"]
    response = api.call("POST", "/invoices", json=body)
    assert response.status_code == 400
    found = error_codes(response)
    assert found["extraInfo"] == "MAY_NOT_BE_NULL"
    assert found["invoiceRows[0].product"] == "MAY_NOT_BE_EMPTY"
    assert found["invoiceRows[0].quantity"] == "INVALID_TYPE"
    assert found["invoiceRows[0].unit"] == "INVALID_ENUM_VALUE"
    assert found["invoiceRows[0].discountPercent"] == "MAY_NOT_BE_NULL"
    assert found["invoiceRows[0].vatPercent"] == "MAY_NOT_BE_NULL"
    assert found["invoiceChannel"] == "INVOICE_CHANNEL_NOT_ALLOWED"
    assert found["language"] == "MAY_NOT_BE_NULL"
    assert found["originalInvoiceNumber"] == "VALUE_TOO_LONG"
    assert found["surprise"] == "UNKNOWN_FIELD"
    assert all(e["status"] == 400 for e in response.json()["errors"])
    assert api.ok("GET", "/invoices")["meta"]["totalCount"] == 0


@pytest.mark.parametrize(
    "date_, percent, ok",
    [
        ("2025-12-31", 14, True),
        ("2026-01-01", 14, False),
        ("2025-12-31", 13.5, False),
        ("2026-01-01", 13.5, True),
        ("2025-06-01", 25.5, True),
        ("2025-06-01", 24, False),
        ("2026-06-01", 10, True),
        ("2026-06-01", 12, False),
    ],
)
def test_vat_percent_must_be_valid_on_the_invoice_date(api, date_, percent, ok):
    row = {**sales_invoice()["invoiceRows"][0], "vatPercent": percent}
    info = {**sales_invoice()["paymentInfo"], "dueDate": date_}
    response = api.call(
        "POST", "/invoices", json=sales_invoice(date=date_, invoiceRows=[row], paymentInfo=info)
    )
    if ok:
        assert response.status_code == 200, response.text
    else:
        assert error_codes(response) == {"invoiceRows[0].vatPercent": "VAT_PERCENT_NOT_IN_USE"}


def test_cross_field_rules(api):
    def errors(**overrides):
        response = api.call("POST", "/invoices", json=sales_invoice(**overrides))
        assert response.status_code == 400, response.text
        return error_codes(response)

    base = sales_invoice()
    info = base["paymentInfo"]
    party = base["counterParty"]
    assert errors(paymentInfo={**info, "dueDate": "2026-03-01"}) == {
        None: "DUE_DATE_BEFORE_BILL_DATE"
    }
    assert errors(counterParty={**party, "email": ""}) == {"counterParty.email": "MAY_NOT_BE_EMPTY"}
    einvoice = errors(
        invoiceChannel="ELECTRONIC_INVOICE",
        counterParty={"counterPartyAddress": {"name": "Verkkolasku Ab"}},
        billingAddress={},
    )
    assert set(einvoice) == {
        "counterParty.einvoiceAddress.address",
        "counterParty.einvoiceAddress.operator",
        "counterParty.counterPartyAddress.street",
        "counterParty.counterPartyAddress.zip",
        "counterParty.counterPartyAddress.city",
        "billingAddress.street",
        "billingAddress.zip",
        "billingAddress.city",
    }
    foreign = {**info, "bankAccount": {"accountNumber": "FI4610253000123456"}}
    assert errors(paymentInfo=foreign) == {
        "paymentInfo.bankAccount.accountNumber": "BANK_ACCOUNT_DOES_NOT_BELONG_TO_THIS_COMPANY"
    }
    assert errors(vatStatus=2) == {"vatStatus": "VAT_STATUS_NOT_IN_USE"}  # purchase only
    assert errors(vatStatus=5) == {"invoiceRows[0].vatStatus": "ERROR_VATSTATUS_VATPERC"}
    assert errors(vatStatus=None) == {"vatStatus": "MAY_NOT_BE_NULL"}
    assert errors(partnerId=999999) == {"partnerId": "BUSINESS_PARTNER_NOT_FOUND"}
    assert errors(date="2024-06-03", paymentInfo={**info, "dueDate": "2024-06-17"}) == {
        "date": "CLOSED_FISCAL_PERIOD",
        "invoiceRows[0].vatPercent": "VAT_PERCENT_NOT_IN_USE",
    }
    for bad in ("10017", "RF00 1001 6", "ABC"):
        assert errors(paymentInfo={**info, "bankReferenceCode": bad}) == {
            "paymentInfo.bankReferenceCode": "INVALID_BANK_REFERENCE_CODE"
        }


def test_reference_codes_are_validated_and_kept(api):
    info = sales_invoice()["paymentInfo"]
    fi = create(api, paymentInfo={**info, "bankReferenceCode": "1001 6"})
    assert fi["paymentInfo"]["bankReferenceCode"] == "10016"
    assert fi["paymentInfo"]["bankReferenceCodeType"] == "FI"
    rf_code = finnish.make_rf_reference("10016")
    rf = create(api, paymentInfo={**info, "bankReferenceCode": rf_code})
    assert rf["paymentInfo"]["bankReferenceCodeType"] == "RF"
    generated = create(api, paymentInfo={**info, "bankReferenceCodeType": "RF"})
    assert finnish.is_valid_rf_reference(generated["paymentInfo"]["bankReferenceCode"])
    without = dict(info)
    del without["bankReferenceCode"]
    assert "bankReferenceCode" not in create(api, paymentInfo=without)["paymentInfo"]


def test_sales_bank_transfer_defaults_to_the_company_account(api):
    info = dict(sales_invoice()["paymentInfo"])
    del info["bankAccount"]
    invoice = create(api, paymentInfo=info)
    assert invoice["paymentInfo"]["bankAccount"] == {"accountNumber": COMPANY_IBAN}


def test_update_needs_the_current_version(api):
    invoice = create(api)
    path = f"/invoices/{invoice['id']}"
    body = sales_invoice(discountPercent=50)
    assert error_codes(api.call("PUT", path, json=body)) == {"version": "MAY_NOT_BE_NULL"}
    stale = api.call("PUT", path, json={**body, "version": "2000-01-01T00:00:00.000"})
    assert error_codes(stale) == {"version": "INVALID_VERSION"}
    updated = api.ok("PUT", path, json={**body, "version": invoice["version"]})
    assert updated["version"] > invoice["version"]
    assert updated["invoiceNumber"] == invoice["invoiceNumber"]
    assert updated["invoiceSumInfo"][0]["invoiceSumTotal"] == 125.5
    receipt = api.ok("GET", f"/ledgerreceipts/{invoice['ledgerReceiptId']}")
    reversing = [t for t in receipt["transactions"] if t["transactionType"] == "REVERSING_ENTRY"]
    assert reversing[0]["accountingValue"] == 125.5
    retry = api.call("PUT", path, json={**body, "version": invoice["version"]})
    assert error_codes(retry) == {"version": "INVALID_VERSION"}


def test_multi_id_get(api):
    ids = [create(api, originalInvoiceNumber=f"INV/{n}")["id"] for n in range(3)]
    listed = api.ok("GET", f"/invoices/{ids[2]},{ids[0]},{ids[2]},999999")
    assert [i["id"] for i in listed] == [ids[0], ids[2]]
    assert isinstance(api.ok("GET", f"/invoices/{ids[1]}"), dict)
    assert isinstance(api.ok("GET", f"/invoices/{ids[1]},{ids[1]}"), list)
    assert api.call("GET", "/invoices/999998,999999").status_code == 404
    too_many = ",".join(str(n) for n in range(1, 202))
    assert api.call("GET", f"/invoices/{too_many}").status_code == 400
    assert api.call("GET", "/invoices/1,x").status_code == 400


def test_search_invoices(api):
    first = create(api, originalInvoiceNumber="INV/2026/0001")
    create(api, originalInvoiceNumber="INV/2026/00011")
    info = {**sales_invoice()["paymentInfo"], "dueDate": "2026-04-15"}
    create(api, originalInvoiceNumber="INV/2026/0002", date="2026-04-01", paymentInfo=info)
    found = api.ok("GET", "/invoices", params={"originalInvoiceNumber": "INV/2026/0001"})
    assert [r["id"] for r in found["results"]] == [first["id"]]  # exact, not prefix
    row = found["results"][0]
    assert row["dueDate"] == "2026-03-29" and row["counterParty"]["counterPartyAddress"]
    assert api.ok("GET", "/invoices", params={"startDate": "2026-03-20"})["meta"]["totalCount"] == 1
    api.ok("PUT", f"/invoices/{first['id']}/approve", json={})
    by_status = api.ok("GET", "/invoices", params={"status": "NOT_SENT,SENT"})
    assert [r["id"] for r in by_status["results"]] == [first["id"]]
    assert api.ok("GET", "/invoices", params={"types": "PURCHASE_INVOICE"})["results"] == []
    page = api.ok("GET", "/invoices", params={"size": 2, "page": 1})
    assert page["meta"] == {"pageNumber": 1, "pageSize": 2, "resultCount": 1, "totalCount": 3}
    assert api.call("GET", "/invoices", params={"size": 201}).status_code == 400
    assert api.call("GET", "/invoices", params={"status": "BOGUS"}).status_code == 400


def test_invalidate(api):
    invoice = create(api)
    path = f"/invoices/{invoice['id']}"
    api.ok("PUT", path + "/invalidate")
    assert api.ok("GET", path)["status"] == "INVALIDATED"
    assert api.call("PUT", path + "/invalidate").status_code == 403


# --- payments -----------------------------------------------------------------------------


def test_mark_paid_and_bank_payments(api):
    invoice = create(api)
    path = f"/invoices/{invoice['id']}"
    pay = {"paymentDate": "2026-03-20", "amount": 100, "currency": "EUR"}
    assert api.call("PUT", path + "/paymentevents/markpaid", json=pay).status_code == 403
    api.ok("PUT", path + "/approve", json={})
    event = api.ok("PUT", path + "/paymentevents/markpaid", json=pay)
    assert event["status"] == "PARTLY_PAID" and event["type"] == "ELSEWHERE"
    assert api.ok("GET", path)["status"] == "PARTLY_PAID"
    wrong = api.call("PUT", path + "/paymentevents/markpaid", json={**pay, "currency": "SEK"})
    assert error_codes(wrong) == {"currency": "CURRENCY_DOES_NOT_MATCH_INVOICE_CURRENCY"}
    rest = {**pay, "amount": 151, "paymentMethodType": "CASH"}
    assert api.ok("PUT", path + "/paymentevents/markpaid", json=rest)["status"] == "MARKED_PAID"
    events = api.ok("GET", path + "/paymentevents")
    assert events["meta"]["totalCount"] == 2

    other = create(api, originalInvoiceNumber="INV/2")
    api.ok("PUT", f"/invoices/{other['id']}/approve", json={})
    incoming = api.control(
        "POST",
        f"invoices/{other['id']}/payments",
        json={"amount": 251, "paymentDate": "2026-03-25"},
    )
    assert incoming.status_code == 200 and incoming.json()["type"] == "BANKSTATEMENT"
    assert api.ok("GET", f"/invoices/{other['id']}")["status"] == "PAID"
    rows = api.ok(
        "GET", "/payments/paymentevents", params={"invoiceId": f"{invoice['id']},{other['id']}"}
    )["results"]
    assert sorted(r["invoiceId"] for r in rows) == sorted([invoice["id"]] * 2 + [other["id"]])
    assert all("type" not in r for r in rows)  # PaymentSearchResult rows
    assert api.call("GET", "/payments/paymentevents").status_code == 400
    many = ",".join(str(n) for n in range(1, 202))
    assert api.call("GET", "/payments/paymentevents", params={"invoiceId": many}).status_code == 400


# --- ledger receipts --------------------------------------------------------------------------


def test_invoice_ledger_receipt_and_its_update(api):
    invoice = create(api)
    receipt = api.ok("GET", f"/ledgerreceipts/{invoice['ledgerReceiptId']}")
    assert receipt["type"] == "SALES_INVOICE" and receipt["invoiceId"] == invoice["id"]
    assert receipt["status"] == "UNFINISHED"
    by_type = {t["transactionType"]: t for t in receipt["transactions"]}
    assert by_type["REVERSING_ENTRY"]["account"] == "1700"
    assert by_type["REVERSING_ENTRY"]["accountingValue"] == 251.0
    assert by_type["ENTRY"]["accountingValue"] == -200.0
    entry = by_type["ENTRY"]
    entry["account"] = "3370"
    entry["dimensionItemValues"] = [
        {"dimensionId": 1, "itemId": 101, "value": -150},
        {"dimensionId": 1, "itemId": 102, "value": -50},
    ]
    path = f"/ledgerreceipts/{receipt['id']}"
    updated = api.ok("PUT", path, json=receipt)
    assert updated["version"] > receipt["version"]
    saved = [t for t in updated["transactions"] if t["transactionType"] == "ENTRY"][0]
    assert saved["account"] == "3370" and len(saved["dimensionItemValues"]) == 2

    assert error_codes(api.call("PUT", path, json=receipt)) == {"version": "INVALID_VERSION"}
    entry["account"] = "9999"
    entry["dimensionItemValues"] = [{"dimensionId": 1, "itemId": 101, "value": -10}]
    bad = api.call("PUT", path, json={**receipt, "version": updated["version"]})
    index = receipt["transactions"].index(entry)
    assert error_codes(bad) == {
        f"transactions[{index}].account": "ERROR_LEDGERACCOUNT_VATPERCENTAGE_COMBINATION",
        f"transactions[{index}].dimensionItemValues": (
            "DIMENSION_ITEM_VALUES_DO_NOT_SUM_TO_ACCOUNTING_VALUE"
        ),
    }
    entry["account"] = "3000"
    entry["dimensionItemValues"] = [{"dimensionId": 1, "itemId": 103, "value": -200}]
    closed_item = api.call("PUT", path, json={**receipt, "version": updated["version"]})
    assert error_codes(closed_item) == {
        f"transactions[{index}].dimensionItemValues": (
            "DIMENSION_OR_DIMENSION_ITEM_IDENTIFIERS_DOES_NOT_MATCH_THOSE_STORED_IN_DATABASE"
        )
    }


def _journal(value_a=-100.0, **extra):
    return {
        "type": "JOURNAL",
        "name": "Muistiotosite",
        "receiptDate": "2026-03-31",
        "vatType": "SALES",
        "vatStatus": 1,
        "transactions": [
            {
                "transactionType": "ENTRY",
                "account": "3000",
                "accountingValue": value_a,
                "vatPercent": 25.5,
            },
            {
                "transactionType": "ENTRY",
                "account": "1910",
                "accountingValue": 125.5,
                "vatPercent": 0,
            },
        ],
        **extra,
    }


def test_journal_receipts_must_balance(api):
    created = api.ok("POST", "/ledgerreceipts", json=_journal())
    assert created["status"] == "UNFINISHED" and created["invoiceId"]
    unbalanced = api.call("POST", "/ledgerreceipts", json=_journal(-90.0))
    assert error_codes(unbalanced) == {"transactions": "RECEIPT_DOES_NOT_BALANCE"}
    reconciled = api.ok(
        "POST", "/ledgerreceipts", params={"createReconciliation": "true"}, json=_journal(-90.0)
    )
    last = reconciled["transactions"][-1]
    assert last["transactionType"] == "RECONCILIATION_ENTRY" and last["accountingValue"] == -12.55
    sales = api.call("POST", "/ledgerreceipts", json={**_journal(), "type": "SALES_INVOICE"})
    assert error_codes(sales) == {"type": "TYPE_NOT_ALLOWED"}
    api.ok("PUT", f"/ledgerreceipts/{created['id']}/approve")
    assert api.ok("GET", f"/ledgerreceipts/{created['id']}")["status"] == "APPROVED"


# --- business partners and products ------------------------------------------------------------


def test_business_partners(api):
    by_name = api.ok("GET", "/businesspartners", headers={"name": "asiakas"})
    assert [p["name"] for p in by_name["results"]] == ["Asiakas Oy"]
    by_id = api.ok("GET", "/businesspartners", headers={"identifier": "2077474-0"})
    assert by_id["results"][0]["invoicingInfo"]["customerNumber"] == "C-1001"
    ignored = api.ok("GET", "/businesspartners", params={"name": "asiakas"})
    assert ignored["meta"]["totalCount"] == 4  # name only works as a header
    assert (
        api.ok("GET", "/businesspartners", params={"customerNumber": "C-1003"})["results"][0]["id"]
        == 4003
    )
    suppliers = api.ok("GET", "/businesspartners", params={"type": "SUPPLIER"})
    assert [p["id"] for p in suppliers["results"]] == [4004]
    new = {
        "name": "Uusi Asiakas Oy",
        "type": "CUSTOMER",
        "address": {"name": "Uusi Asiakas Oy", "city": "Espoo", "country": "FINLAND"},
        "invoicingInfo": {"customerNumber": "C-2000", "identifier": "0112038-9"},
        "paymentInfo": {"paymentMethod": "BANK_TRANSFER"},
    }
    created = api.ok("POST", "/businesspartners", json=new)
    duplicate = api.call("POST", "/businesspartners", json=new)
    assert error_codes(duplicate) == {
        "invoicingInfo.customerNumber": "CUSTOMER_NUMBER_ALREADY_IN_USE"
    }
    bad_id = {**new, "invoicingInfo": {"identifier": "0112038-1"}}
    assert error_codes(api.call("POST", "/businesspartners", json=bad_id)) == {
        "invoicingInfo.identifier": "ERROR_BRN_CODE"
    }
    path = f"/businesspartners/{created['id']}"
    patch = {"name": "Uusi Asiakas Oyj", "invoicingInfo": {"email": "a@b.example"}}
    assert error_codes(api.call("PATCH", path, json=patch)) == {"version": "MAY_NOT_BE_NULL"}
    stale = api.call("PATCH", path, json={**patch, "version": "2000-01-01T00:00:00.000"})
    assert stale.status_code == 400
    patched = api.ok("PATCH", path, json={**patch, "version": created["version"]})
    assert patched["name"] == "Uusi Asiakas Oyj"
    assert patched["invoicingInfo"] == {**new["invoicingInfo"], "email": "a@b.example"}
    both = api.ok("GET", f"/businesspartners/{created['id']},4001")
    assert [p["id"] for p in both] == [4001, created["id"]]


def test_products_keyset_paging_and_writes(api):
    first = api.ok("GET", "/products", params={"size": 2})
    assert [p["id"] for p in first["results"]] == [5001, 5002]
    assert first["meta"]["totalCount"] == 4
    second = api.ok("GET", "/products", params={"size": 2, "previousId": 5002})
    assert [p["id"] for p in second["results"]] == [5003, 5004]
    purchases = api.ok("GET", "/products", params={"type": "PURCHASE"})
    assert [p["code"] for p in purchases["results"]] == ["TARV"]
    product = dict(SALES_PRODUCT)
    created = api.ok("POST", "/products", json=product)
    updated = api.ok("PUT", f"/products/{created['id']}", json={**product, "price": 90})
    assert updated["price"] == 90 and updated["version"] > created["version"]
    bad = api.call("POST", "/products", json={**product, "vat": 17, "unit": "X"})
    assert error_codes(bad) == {"vat": "VAT_PERCENT_NOT_IN_USE", "unit": "INVALID_ENUM_VALUE"}


# --- attachments ---------------------------------------------------------------------------


def test_attachments(api):
    invoice = create(api)
    meta = {
        "name": "lasku.pdf",
        "referenceType": "INVOICE",
        "referenceId": invoice["id"],
        "sendWithInvoice": False,
    }
    content = b"%PDF-1.4 sandbox"
    files = {
        "meta": (None, json.dumps(meta), "application/json"),
        "file": ("lasku.pdf", content, "application/pdf"),
    }
    saved = api.ok("POST", "/attachments", files=files)
    assert saved == {**meta, "id": saved["id"], "mimeType": "application/pdf"}
    assert api.ok("GET", f"/invoices/{invoice['id']}")["attachments"] == [saved]
    response = api.call("GET", f"/attachments/{saved['id']}")
    assert response.headers["Content-Type"].startswith("multipart/mixed")
    message = message_from_bytes(
        b"Content-Type: "
        + response.headers["Content-Type"].encode()
        + b"\r\n\r\n"
        + response.content
    )
    meta_part, file_part = message.get_payload()
    assert json.loads(meta_part.get_payload()) == saved
    assert file_part.get_payload(decode=True) == content
    assert api.call("DELETE", f"/attachments/{saved['id']}").status_code == 204
    assert api.call("GET", f"/attachments/{saved['id']}").status_code == 404

    orphan = {**files, "meta": (None, json.dumps({**meta, "referenceId": 1}), "application/json")}
    assert error_codes(api.call("POST", "/attachments", files=orphan)) == {
        "meta.referenceId": "REFERENCED_OBJECT_NOT_FOUND"
    }
    big = {
        **files,
        "file": ("big.pdf", b"x" * (defaults.MAX_ATTACHMENT_BYTES + 1), "application/pdf"),
    }
    too_big = api.call("POST", "/attachments", files=big)
    assert too_big.status_code == 400
    assert too_big.json()["errors"][0]["message"] == "File size too big"
    # Bodies far above the limit are refused before the form is parsed.
    huge = {**files, "file": ("huge.pdf", b"x" * 12_000_000, "application/pdf")}
    refused = api.call("POST", "/attachments", files=huge)
    assert refused.json()["errors"][0]["message"] == "File size too big"
    assert api.ok("GET", "/status")["status"] == "OK"


# --- faults and journal -----------------------------------------------------------------------


def test_status_fault_with_retry_after_every_nth_and_times(api):
    rule = api.control(
        "POST",
        "faults",
        json={
            "path": "/company",
            "kind": "status",
            "status": 429,
            "retry_after": 0,
            "every_nth": 2,
            "times": 2,
        },
    ).json()
    statuses = [api.call("GET", "/company").status_code for _ in range(6)]
    assert statuses == [200, 429, 200, 429, 200, 200]
    faults = api.control("GET", "faults").json()
    assert faults[0]["id"] == rule["id"] and faults[0]["fired"] == 2
    api.control("DELETE", "faults")
    assert api.control("GET", "faults").json() == []
    api.control(
        "POST",
        "faults",
        json={
            "path": "/invoices*",
            "method": "post",
            "kind": "status",
            "status": 503,
            "retry_after": 7,
        },
    )
    failed = api.call("POST", "/invoices", json=sales_invoice())
    assert failed.status_code == 503 and failed.headers["Retry-After"] == "7"
    assert failed.json()["errors"][0]["status"] == 503
    assert api.call("GET", "/invoices").status_code == 200  # method filter
    assert api.ok("GET", "/invoices")["meta"]["totalCount"] == 0  # nothing applied
    bad = api.control("POST", "faults", json={"path": "/x", "kind": "explode"})
    assert bad.status_code == 400
    api.control(
        "POST",
        "faults",
        json={
            "path": "/oauth/token",
            "kind": "status",
            "status": 500,
            "body": "<html>nginx</html>",
        },
    )
    token = requests.post(f"{api.root}/oauth/token", data=TOKEN_FORM, timeout=TIMEOUT)
    assert token.status_code == 500 and token.text == "<html>nginx</html>"


def test_latency_fault(api):
    api.control(
        "POST", "faults", json={"path": "/status", "kind": "latency", "seconds": 0.3, "times": 1}
    )
    started = time.monotonic()
    assert api.call("GET", "/status").status_code == 200
    assert time.monotonic() - started >= 0.3


def test_timeout_after_commit_applies_the_write(api):
    api.control(
        "POST",
        "faults",
        json={"path": "/invoices", "kind": "timeout_after_commit", "seconds": 2, "times": 1},
    )
    with pytest.raises(requests.ReadTimeout):
        api.call("POST", "/invoices", json=sales_invoice(), timeout=(2, 0.3))
    assert api.ok("GET", "/invoices")["meta"]["totalCount"] == 1


def test_drop_after_commit_closes_the_connection(api):
    api.control(
        "POST", "faults", json={"path": "/invoices", "kind": "drop_after_commit", "times": 1}
    )
    with pytest.raises(requests.ConnectionError):
        api.call("POST", "/invoices", json=sales_invoice())
    assert api.ok("GET", "/invoices")["meta"]["totalCount"] == 1
    assert api.call("GET", "/invoices").status_code == 200


def test_expire_tokens_fault(api):
    api.control("POST", "faults", json={"path": "/company", "kind": "expire_tokens", "times": 1})
    assert api.call("GET", "/company").status_code == 401
    api.token = SandboxApi(api.base_url).token
    assert api.call("GET", "/company").status_code == 200


def test_journal_records_calls_with_secrets_masked(api):
    create(api)
    api.call("GET", "/invoices", params={"originalInvoiceNumber": "INV/2026/00001"})
    entries = api.control("GET", "journal").json()
    token_entry = next(e for e in entries if e["path"] == "/oauth/token")
    assert token_entry["request_body"]["client_secret"] == "***"
    assert token_entry["request_body"]["api_key"] == "***"
    assert token_entry["request_body"]["client_id"] == defaults.CLIENT_ID
    assert token_entry["response_body"]["access_token"] == "***"
    assert api.token not in json.dumps(entries)
    post = next(e for e in entries if e["method"] == "POST" and e["path"] == "/invoices")
    assert post["status"] == 200 and post["request_body"]["type"] == "SALES_INVOICE"
    assert post["response_body"]["status"] == "UNFINISHED"
    assert post["duration_ms"] >= 0 and post["api_root"] == "/api"
    search = entries[-1]
    assert search["query"] == {"originalInvoiceNumber": ["INV/2026/00001"]}
    assert api.control("DELETE", "journal").status_code == 200
    assert api.control("GET", "journal").json() == []


def test_control_invoices_lists_everything(api):
    invoice = create(api)
    listed = api.control("GET", "invoices").json()
    assert listed[0]["id"] == invoice["id"]
    assert listed[0]["ledgerReceipt"]["id"] == invoice["ledgerReceiptId"]
    assert listed[0]["paymentEvents"] == [] and listed[0]["attachments"] == []


# --- persistence ----------------------------------------------------------------------------


def test_state_persists_in_the_data_file(tmp_path):
    data_file = tmp_path / "state.json"
    first = start_in_thread(data_file=str(data_file))
    try:
        api = SandboxApi(first.url)
        pin_calendar(first.url)
        invoice = api.ok("POST", "/invoices", json=sales_invoice())
    finally:
        first.stop()
    assert data_file.exists()
    second = start_in_thread(data_file=str(data_file))
    try:
        api = SandboxApi(second.url)
        assert api.ok("GET", f"/invoices/{invoice['id']}") == invoice
        again = api.ok("POST", "/invoices", json=sales_invoice())
        assert again["id"] > invoice["id"] and again["version"] > invoice["version"]
    finally:
        second.stop()


def test_cli_serves_and_persists(tmp_path):
    data_file = tmp_path / "cli.json"
    command = [sys.executable, "-m", "procountor_sandbox", "--port", "0", "--data", str(data_file)]

    def run(action):
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        try:
            line = process.stdout.readline()
            assert "serving on http://127.0.0.1:" in line, line
            url = line.split("serving on ")[1].split()[0]
            return action(SandboxApi(url))
        finally:
            process.terminate()
            process.wait(timeout=10)
            process.stdout.close()

    partner = {"name": "CLI Oy", "type": "SUPPLIER", "paymentInfo": {"paymentMethod": "CASH"}}
    created = run(lambda api: api.ok("POST", "/businesspartners", json=partner))
    fetched = run(lambda api: api.ok("GET", f"/businesspartners/{created['id']}"))
    assert fetched == created


def test_cli_help_lists_the_defaults():
    result = subprocess.run(
        [sys.executable, "-m", "procountor_sandbox", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
        env={**os.environ, "COLUMNS": "200"},  # no line breaks inside the defaults
    )
    for text in ("--data", "--no-seed", defaults.CLIENT_ID, defaults.REDIRECT_URI, "8899"):
        assert text in result.stdout
