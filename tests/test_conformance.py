"""Conformance of the sandbox and of the client with the Procountor API 26.04 schemas.

A scripted tour drives the real client (and a few raw calls for endpoints the client
does not wrap) against the sandbox; then every call in the sandbox's journal is checked:
the response body against the operation's response schema for its status, and the
request body the client sent against the operation's request-body schema. The schemas
are read from ../shared/procountor at run time (tests/schema_support.py).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
import schema_support
from invoice_samples import sales_invoice_data

from procountor_api.const import USER_AGENT
from procountor_api.exceptions import (
    ProcountorNotFoundError,
    ProcountorPermissionError,
    ProcountorValidationError,
)
from procountor_api.payloads import (
    InvoiceLine,
    SalesInvoiceData,
    build_sales_invoice,
    build_sales_invoice_update,
)
from procountor_sandbox import enums, routes
from procountor_sandbox.testing import SALES_PRODUCT, SandboxApi, pin_calendar

# The operations the sandbox implements; the tour must reach each one.
IMPLEMENTED = {
    "getStatus",
    "getSessionInfo",
    "getCompanyInfo",
    "getVatStatusesForCompany",
    "getVatSettings",
    "getVatStatusesForCountry",
    "getChartOfAccount",
    "getDimensions",
    "getDimension",
    "getFiscalYears",
    "getBankAccounts",
    "getBankAccount",
    "getCurrenciesForCompany",
    "searchBusinessPartners",
    "getBusinessPartner",
    "insertBusinessPartner",
    "putBusinessPartner",
    "updateBusinessPartner",
    "getProducts",
    "getProduct",
    "addProduct",
    "updateProduct",
    "removeProductById",
    "saveInvoice",
    "getInvoice",
    "searchInvoice",
    "updateInvoice",
    "approveInvoice1",
    "send",
    "markInvoiceAsInvalidated",
    "markInvoiceAsUnfinished",
    "addNotesToInvoice",
    "searchPaymentEvents",
    "markInvoiceAsPaid",
    "getPaymentEvents",
    "getLedgerReceipt",
    "searchLedgerReceipt",
    "updateLedgerReceipt",
    "saveLedgerReceipt",
    "approveInvoice",  # PUT /ledgerreceipts/{id}/approve (sic, the spec's name)
    "markLedgerReceiptAsInvalidated",
    "saveAttachment",
    "getAttachment",
    "deleteAttachment",
}


# Schema operation of each endpoint method of the client (docs/architecture.md).
CLIENT_OPERATIONS = {
    "get_status": "getStatus",
    "get_session_info": "getSessionInfo",
    "get_company": "getCompanyInfo",
    "get_vat_defaults": "getVatStatusesForCompany",
    "get_vat_settings": "getVatSettings",
    "get_chart_of_accounts": "getChartOfAccount",
    "get_dimensions": "getDimensions",
    "get_fiscal_years": "getFiscalYears",
    "get_bank_accounts": "getBankAccounts",
    "search_business_partners": "searchBusinessPartners",
    "get_business_partner": "getBusinessPartner",
    "get_business_partners": "getBusinessPartner",
    "create_business_partner": "insertBusinessPartner",
    "patch_business_partner": "updateBusinessPartner",
    "update_business_partner": "putBusinessPartner",
    "search_products": "getProducts",
    "get_product": "getProduct",
    "get_products": "getProduct",
    "create_product": "addProduct",
    "update_product": "updateProduct",
    "create_invoice": "saveInvoice",
    "get_invoice": "getInvoice",
    "get_invoices": "getInvoice",
    "search_invoices": "searchInvoice",
    "find_invoices_by_original_number": "searchInvoice",
    "update_invoice": "updateInvoice",
    "approve_invoice": "approveInvoice1",
    "send_invoice": "send",
    "invalidate_invoice": "markInvoiceAsInvalidated",
    "get_invoice_payment_events": "searchPaymentEvents",
    "get_payment_events": "getPaymentEvents",
    "mark_invoice_paid": "markInvoiceAsPaid",
    "update_invoice_notes": "addNotesToInvoice",
    "upload_attachment": "saveAttachment",
    "get_ledger_receipt": "getLedgerReceipt",
    "update_ledger_receipt": "updateLedgerReceipt",
    "create_ledger_receipt": "saveLedgerReceipt",
    "invalidate_ledger_receipt": "markLedgerReceiptAsInvalidated",
}
# Client calls whose request body the schema describes (send_invoice has none).
CLIENT_BODY_OPERATIONS = {
    "insertBusinessPartner",
    "updateBusinessPartner",
    "putBusinessPartner",
    "addProduct",
    "updateProduct",
    "saveInvoice",
    "updateInvoice",
    "approveInvoice1",
    "markInvoiceAsPaid",
    "addNotesToInvoice",
    "saveAttachment",
    "updateLedgerReceipt",
    "saveLedgerReceipt",
}


@pytest.fixture(scope="module")
def schemas():
    loaded = schema_support.load()
    if loaded is None:
        pytest.skip(schema_support.SKIP_REASON)
    return loaded


# Two lines: a product line with discount and unit, and a plain line at another VAT rate.
TOUR_LINES = (
    InvoiceLine(
        name="[KONS] Konsultointi\nmaaliskuu",
        quantity=Decimal(3),
        price_unit=Decimal("99.90"),
        vat_percent=Decimal("25.5"),
        vat_status=1,
        discount=Decimal(10),
        product_code="KONS",
        unit="HOUR",
        product_id=5001,
    ),
    InvoiceLine(
        name="Kirja",
        quantity=Decimal(1),
        price_unit=Decimal("20"),
        vat_percent=Decimal("13.5"),
        vat_status=1,
    ),
)


def invoice_data(number: str, lines=TOUR_LINES, **overrides) -> SalesInvoiceData:
    return sales_invoice_data(number, lines, **overrides)


def _master_data_tour(client):
    for call in (
        client.get_status,
        client.get_session_info,
        client.get_company,
        client.get_vat_defaults,
        client.get_vat_settings,
        client.get_chart_of_accounts,
        client.get_dimensions,
        client.get_fiscal_years,
        client.get_bank_accounts,
    ):
        call()


def _partner_and_product_tour(client, raw):
    assert [p["id"] for p in client.search_business_partners(name="Asiakas Oy")] == [4001]
    assert client.get_business_partner(4001)["name"] == "Asiakas Oy"
    assert len(client.get_business_partners([4001, 4002, 999999])) == 2
    partner = client.create_business_partner(
        {
            "name": "Konformanssi Oy",
            "type": "CUSTOMER",
            "address": {"name": "Konformanssi Oy", "city": "Espoo", "country": "FINLAND"},
            "invoicingInfo": {"customerNumber": "C-9000", "identifier": "0112038-9"},
            "paymentInfo": {"paymentMethod": "BANK_TRANSFER", "paymentTermDays": "14"},
        }
    )
    patched = client.patch_business_partner(
        partner["id"], {"invoicingInfo": {"email": "x@y.example"}}, partner["version"]
    )
    raw.ok("PUT", f"/businesspartners/{partner['id']}", json={**patched, "name": "Konf Oy"})
    current = client.get_business_partner(partner["id"])
    client.update_business_partner(partner["id"], {**current, "name": "Konf 2 Oy"})
    assert len(list(client.search_products(size=2))) == 4
    assert client.get_product(5001)["code"] == "KONS"
    assert len(client.get_products([5001, 5002])) == 2
    product = client.create_product(dict(SALES_PRODUCT))
    client.update_product(product["id"], {**product, "price": 90})
    assert raw.call("DELETE", f"/products/{product['id']}").status_code == 204


def _invoice_tour(client, raw):
    data = invoice_data("INV/2026/0042")
    created = client.create_invoice(build_sales_invoice(data))
    invoice_id = created["id"]
    updated = client.update_invoice(
        invoice_id, build_sales_invoice_update(data, created["version"])
    )
    assert client.get_invoice(invoice_id)["version"] == updated["version"]
    client.update_invoice_notes(invoice_id, "conformance tour")
    attachment = client.upload_attachment(
        {"referenceType": "INVOICE", "referenceId": invoice_id, "sendWithInvoice": True},
        "lasku.pdf",
        b"%PDF-1.4 tour",
    )
    assert raw.call("GET", f"/attachments/{attachment['id']}").status_code == 200
    receipt = client.get_ledger_receipt(created["ledgerReceiptId"])
    for transaction in receipt["transactions"]:
        if transaction["transactionType"] == "ENTRY":
            transaction["dimensionItemValues"] = [
                {"dimensionId": 2, "itemId": 201, "value": transaction["accountingValue"]}
            ]
    client.update_ledger_receipt(receipt["id"], receipt)
    client.approve_invoice(invoice_id, comment="ok")
    client.send_invoice(invoice_id)
    client.mark_invoice_paid(
        invoice_id, {"paymentDate": "2026-03-20", "amount": 50, "currency": "EUR"}
    )
    assert len(client.get_invoice_payment_events(invoice_id)) == 1
    assert len(client.get_payment_events([invoice_id])) == 1
    credit = client.create_invoice(
        build_sales_invoice(
            invoice_data(
                "RINV/2026/0001", is_credit_note=True, credited_invoice_number="INV/2026/0042"
            )
        )
    )
    assert len(client.get_invoices([invoice_id, credit["id"]])) == 2
    assert len(list(client.search_invoices(status=["SENT", "PARTLY_PAID"]))) == 1
    assert len(client.find_invoices_by_original_number("RINV/2026/0001")) == 1
    raw.ok("PUT", f"/invoices/{credit['id']}/approve", json={})
    raw.ok("PUT", f"/invoices/{credit['id']}/unfinished")
    client.invalidate_invoice(credit["id"])
    assert raw.call("DELETE", f"/attachments/{attachment['id']}").status_code == 204
    return invoice_id


def _journal_tour(client, raw):
    journal = client.create_ledger_receipt(
        {
            "type": "JOURNAL",
            "name": "Muistiotosite 1",
            "receiptDate": "2026-03-31",
            "vatType": "PURCHASE",
            "vatStatus": 2,
            "transactions": [
                {
                    "transactionType": "ENTRY",
                    "account": "6800",
                    "accountingValue": 100,
                    "vatPercent": 25.5,
                },
                {
                    "transactionType": "ENTRY",
                    "account": "1910",
                    "accountingValue": -125,
                    "vatPercent": 0,
                },
            ],
        },
        create_reconciliation=True,
    )
    raw.ok("PUT", f"/ledgerreceipts/{journal['id']}/approve")
    client.invalidate_ledger_receipt(journal["id"])
    raw.ok("GET", "/ledgerreceipts", params={"types": "JOURNAL"})


def _invoice_shapes_tour(client, raw):
    """Bodies and answers the first tour does not produce: a foreign-currency invoice
    (two sum entries, receipt in the accounting currency), prices including VAT, an
    e-invoice, an incoming bank payment and a partner found by its identifier header."""
    foreign = client.create_invoice(
        build_sales_invoice(
            invoice_data(
                "INV/2026/0050",
                currency="USD",
                currency_rate=Decimal("1.0832"),
                invoice_channel="NO_SENDING",
                email="",
            )
        )
    )
    assert len(foreign["invoiceSumInfo"]) == 2
    client.get_ledger_receipt(foreign["ledgerReceiptId"])
    gross_line = InvoiceLine(
        name="Kahvi",
        quantity=Decimal(3),
        price_unit=Decimal("1.01"),
        vat_percent=Decimal("13.5"),
        vat_status=1,
        price_include=True,
        price_subtotal=Decimal("2.67"),
    )
    gross = client.create_invoice(
        build_sales_invoice(
            invoice_data(
                "INV/2026/0051",
                lines=(gross_line,),
                invoice_channel="ELECTRONIC_INVOICE",
                einvoice_address="003712345678",
                einvoice_operator="003721291126",
            )
        )
    )
    assert gross["extraInfo"]["unitPricesIncludeVat"] is True
    client.approve_invoice(foreign["id"])
    total = foreign["invoiceSumInfo"][0]["invoiceSumTotal"]
    raw.control("POST", f"invoices/{foreign['id']}/payments", json={"amount": total})
    assert client.get_invoice(foreign["id"])["status"] == "PAID"
    assert len(client.get_invoice_payment_events(foreign["id"])) == 1
    assert len(client.get_payment_events([foreign["id"], gross["id"]])) == 1
    assert [p["id"] for p in client.search_business_partners(identifier="2077474-0")]


def _other_raw_calls(raw):
    raw.ok("GET", "/dimensions/1")
    raw.ok("GET", "/bankaccounts/11")
    raw.ok("GET", "/currencies/company")
    raw.ok("GET", "/vats/country", params={"countryCode": "FI"})


def _error_tour(client, raw, invoice_id):
    with pytest.raises(ProcountorValidationError) as refused:
        client.create_invoice({**build_sales_invoice(invoice_data("INV/BAD")), "invoiceRows": []})
    assert "MAY_NOT_BE_EMPTY" in refused.value.codes
    with pytest.raises(ProcountorNotFoundError):
        client.get_invoice(999999)
    with pytest.raises(ProcountorPermissionError):
        client.approve_invoice(invoice_id)
    assert raw.call("GET", "/invoices", params={"size": 500}).status_code == 400
    assert raw.call("GET", "/businesspartners/999999").status_code == 404
    bad_partner = {"name": "", "type": "CUSTOMER", "paymentInfo": {}}
    assert raw.call("POST", "/businesspartners", json=bad_partner).status_code == 400


@pytest.fixture
def journal(schemas, client, sandbox_reset):
    """Run the tour; return the sandbox journal of every call it made."""
    pin_calendar(sandbox_reset.url)
    raw = SandboxApi(sandbox_reset.url)
    _master_data_tour(client)
    _partner_and_product_tour(client, raw)
    invoice_id = _invoice_tour(client, raw)
    _journal_tour(client, raw)
    _invoice_shapes_tour(client, raw)
    _other_raw_calls(raw)
    _error_tour(client, raw, invoice_id)
    return raw.control("GET", "journal").json()


def _operation(schemas, entry):
    operation = schemas.operation_for(entry["method"], entry["path"])
    assert operation is not None, f"undocumented call {entry['method']} {entry['path']}"
    return operation


def test_every_response_matches_its_schema(schemas, journal):
    problems = []
    for entry in journal:
        if entry["path"] == "/oauth/token":
            continue  # not part of the operations index
        operation = _operation(schemas, entry)
        status = str(entry["status"])
        type_name = operation.responses.get(status)
        if type_name is None:
            assert entry["status"] >= 400, f"{operation.name}: undocumented status {status}"
            type_name = "ErrorMessages"
        body = entry["response_body"]
        if body is None:
            assert type_name in schema_support.UNCHECKED_TYPES, (operation.name, status)
            continue
        # Batch GETs (/invoices/1,2) answer a list of the operation's type (api-notes 3).
        items = body if _is_batch_get(entry) and isinstance(body, list) else [body]
        for item in items:
            for error in schemas.errors(type_name, item):
                problems.append(f"{operation.name} {status} ({type_name}): {error}")
    assert not problems, "\n".join(problems)


def _is_batch_get(entry) -> bool:
    return entry["method"] == "GET" and "," in entry["path"].rsplit("/", 1)[-1]


def _sent_by_client(entry) -> bool:
    return (entry.get("user_agent") or "").startswith(USER_AGENT)


def test_every_request_body_the_client_sent_matches_its_schema(schemas, journal):
    problems = []
    checked = set()
    for entry in journal:
        if (
            entry["path"] == "/oauth/token"
            or entry["request_body"] is None
            or not _sent_by_client(entry)  # raw calls of the tour may be invalid on purpose
        ):
            continue
        operation = _operation(schemas, entry)
        body = entry["request_body"]
        if operation.name == "saveAttachment":
            type_name, body = "Attachment", body["meta"]  # the multipart meta part
        else:
            type_name = operation.request_body
        if type_name is None:
            continue
        partial = entry["method"] == "PATCH"  # PATCH sends only the changed fields
        for error in schemas.errors(type_name, body, partial=partial):
            problems.append(f"{operation.name} request ({type_name}): {error}")
        checked.add(operation.name)
    assert not problems, "\n".join(problems)
    assert {"saveInvoice", "updateInvoice", "updateLedgerReceipt", "saveAttachment"} <= checked


def test_the_client_sends_every_endpoint_method_it_has(schemas, journal):
    """Each endpoint method of the client is driven by the tour (its answers are then
    checked above) and each body it sends is checked against the schema."""
    from procountor_api.client import ProcountorClient

    assert all(callable(getattr(ProcountorClient, name, None)) for name in CLIENT_OPERATIONS)
    sent = {
        _operation(schemas, entry).name: entry
        for entry in journal
        if entry["path"] != "/oauth/token" and _sent_by_client(entry)
    }
    assert set(CLIENT_OPERATIONS.values()) - set(sent) == set()
    without_body = {name for name in CLIENT_BODY_OPERATIONS if sent[name]["request_body"] is None}
    assert without_body == set()


def test_the_tour_reaches_every_implemented_operation(schemas, journal):
    reached = {
        _operation(schemas, entry).name for entry in journal if entry["path"] != "/oauth/token"
    }
    assert IMPLEMENTED - reached == set()


def test_token_request_is_form_encoded_without_query_credentials(journal):
    tokens = [entry for entry in journal if entry["path"] == "/oauth/token"]
    assert tokens and all(
        t["request_content_type"] == "application/x-www-form-urlencoded" for t in tokens
    )
    assert all(not t["query"] for t in tokens)
    assert set(tokens[0]["response_body"]) == {"access_token", "token_type", "expires_in"}


def _sample_path(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?\w+>", "1", rule)


def test_every_sandbox_route_is_a_documented_operation(schemas):
    undocumented = []
    for rule in routes.build_map().iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if schemas.operation_for(method, _sample_path(rule.rule)) is None:
                undocumented.append(f"{method} {rule.rule}")
    assert not undocumented


@pytest.mark.parametrize(
    "definition, field, ours",
    [
        ("InvoiceCounterpartyAddress", "country", enums.COUNTRIES),
        ("PaymentInfo", "currency", enums.CURRENCIES),
        ("InvoiceRow", "unit", enums.UNITS),
        ("Invoice", "type", enums.INVOICE_TYPES),
        ("Invoice", "status", enums.INVOICE_STATUSES),
        ("Invoice", "invoiceChannel", enums.INVOICE_CHANNELS),
        ("Invoice", "language", enums.LANGUAGES),
        ("PaymentInfo", "paymentMethod", enums.PAYMENT_METHODS),
        ("BusinessPartnerPaymentInfo", "paymentMethod", enums.PARTNER_PAYMENT_METHODS),
        ("PaymentInfo", "bankReferenceCodeType", enums.BANK_REFERENCE_CODE_TYPES),
        ("Invoice", "deliveryMethod", enums.DELIVERY_METHODS),
        ("LedgerReceipt", "type", enums.LEDGER_RECEIPT_TYPES),
        ("Transaction", "transactionType", enums.TRANSACTION_TYPES),
        ("Attachment", "referenceType", enums.ATTACHMENT_REFERENCE_TYPES),
        ("PaymentEvent", "type", enums.PAYMENT_EVENT_TYPES),
        ("MarkInvoiceAsPaid", "paymentMethodType", set(enums.MARK_PAID_METHODS)),
    ],
)
def test_sandbox_enums_equal_the_schema(schemas, definition, field, ours):
    assert set(schemas.definitions[definition]["properties"][field]["enum"]) == set(ours)


def test_schema_support_maps_templates_to_concrete_paths(schemas):
    assert schemas.operation_for("GET", "/invoices/12,13").name == "getInvoice"
    assert schemas.operation_for("GET", "/invoices/transactions").name == (
        "getInvoiceTransactionsBulk"
    )
    assert schemas.operation_for("PUT", "/invoices/12/paymentevents/markpaid").name == (
        "markInvoiceAsPaid"
    )
    assert schemas.operation_for("GET", "/nothing") is None
    assert json.dumps(schemas.errors("Status", {"status": "OK"})) == "[]"
    assert schemas.errors("Status", {"status": "MAYBE"})
