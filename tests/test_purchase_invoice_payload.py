"""Purchase invoice bodies (vendor bills → Procountor PURCHASE_INVOICE), without Odoo.

The builder's output is validated against the shared 26.04 ``Invoice`` schema, sent to the
sandbox (which must accept it), and the exactly-once look-up is checked for supplier
invoice numbers that repeat across suppliers.
"""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal

import pytest
import schema_support

from procountor_api.payloads import (
    Address,
    InvoiceLine,
    PayloadError,
    PurchaseInvoiceData,
    build_purchase_invoice,
    build_purchase_invoice_update,
    create_once,
    invoice_totals,
    is_valid_iban,
    purchase_field_problems,
    purchase_text_cuts,
    reference_kind,
    same_supplier,
)
from procountor_sandbox.testing import pin_calendar

SUPPLIER_IBAN = "FI49 5000 9420 0287 30"


def _bill(**values):
    defaults = {
        "supplier_reference": "INV-4711",
        "number": "BILL/2026/03/0001",
        "invoice_date": datetime.date(2026, 3, 2),
        "due_date": datetime.date(2026, 3, 30),
        "currency": "EUR",
        "supplier": Address(
            name="Toimittaja Oy",
            street="Teollisuuskatu 5",
            zip="00510",
            city="Helsinki",
            country_code="FI",
        ),
        "lines": (
            InvoiceLine(
                name="Office chairs",
                quantity=Decimal(4),
                price_unit=Decimal("120.50"),
                vat_percent=Decimal("25.5"),
                vat_status=2,
                product_code="CHAIR",
            ),
            InvoiceLine(
                name="Delivery\nto the second floor",
                quantity=Decimal(1),
                price_unit=Decimal("35"),
                vat_percent=Decimal("25.5"),
                vat_status=2,
            ),
        ),
        "business_id": "2077474-0",
        "vat": "FI20774740",
        "iban": SUPPLIER_IBAN,
        "bic": "OKOYFIHH",
        "payment_reference": "13 57914",
    }
    return PurchaseInvoiceData(**{**defaults, **values})


@pytest.fixture(scope="module")
def schemas():
    loaded = schema_support.load()
    if loaded is None:
        pytest.skip(schema_support.SKIP_REASON)
    return loaded


def test_body_of_a_domestic_bill(schemas):
    body = build_purchase_invoice(_bill(partner_id=7))
    assert not schemas.errors("Invoice", body)
    assert body["type"] == "PURCHASE_INVOICE"
    assert body["originalInvoiceNumber"] == "INV-4711"
    assert body["partnerId"] == 7
    assert body["vatStatus"] == 2
    assert body["invoiceChannel"] == "NO_SENDING"
    assert body["counterParty"] == {
        "identifier": "2077474-0",
        "taxCode": "FI20774740",
        "counterPartyAddress": {
            "name": "Toimittaja Oy",
            "street": "Teollisuuskatu 5",
            "zip": "00510",
            "city": "Helsinki",
            "country": "FINLAND",
        },
    }
    assert body["paymentInfo"] == {
        "paymentMethod": "BANK_TRANSFER",
        "currency": "EUR",
        "dueDate": "2026-03-30",
        "currencyRate": 1,
        "bankReferenceCode": "1357914",
        "bankAccount": {"accountNumber": "FI4950009420028730", "bic": "OKOYFIHH"},
    }
    assert "orderReference" not in body  # a reference, so no payment message
    assert [row["quantity"] for row in body["invoiceRows"]] == [4, 1]
    assert body["invoiceRows"][1]["comment"] == "to the second floor"
    assert body["notes"] == "Odoo vendor bill BILL/2026/03/0001"
    assert "language" not in body  # ignored for purchase invoices


def test_refund_rows_are_negative(schemas):
    body = build_purchase_invoice(
        _bill(is_refund=True, refunded_reference="INV-4700", iban="", bic="")
    )
    assert not schemas.errors("Invoice", body)
    assert [row["quantity"] for row in body["invoiceRows"]] == [-4, -1]
    assert invoice_totals(body).total < 0
    assert "bankAccount" not in body["paymentInfo"]
    assert "Credit note for supplier invoice INV-4700" in body["notes"]


def test_payment_message_when_no_reference(schemas):
    free_text = build_purchase_invoice(_bill(payment_reference="Invoice 4711 / customer 88"))
    assert "bankReferenceCode" not in free_text["paymentInfo"]
    assert free_text["orderReference"] == "Invoice 4711 / customer 88"
    none = build_purchase_invoice(_bill(payment_reference=""))
    # Never "": Procountor would generate a reference of its own.
    assert "bankReferenceCode" not in none["paymentInfo"]
    assert none["orderReference"] == "INV-4711"
    rf = build_purchase_invoice(_bill(payment_reference="RF18 5390 0754 7034"))
    assert rf["paymentInfo"]["bankReferenceCode"] == "RF18539007547034"
    for body in (free_text, none, rf):
        assert not schemas.errors("Invoice", body)


def test_update_body_carries_version_without_partner(schemas):
    body = build_purchase_invoice_update(_bill(partner_id=7), "2026-03-02T10:00:00.000")
    assert body["version"] == "2026-03-02T10:00:00.000"
    assert "partnerId" not in body
    assert not schemas.errors("Invoice", body)


@pytest.mark.parametrize(
    ("reference", "kind"),
    [
        ("", ""),
        ("1357914", "reference"),
        ("13 57914", "reference"),
        ("1357915", "invalid"),
        ("RF18539007547034", "reference"),
        ("RF19539007547034", "invalid"),
        ("Lasku 4711", "message"),
    ],
)
def test_reference_kinds(reference, kind):
    assert reference_kind(reference) == kind


def test_foreign_suppliers_digits_are_a_message(schemas):
    assert reference_kind("1357915", domestic=False) == "message"
    assert reference_kind("RF19539007547034", domestic=False) == "invalid"
    body = build_purchase_invoice(
        _bill(iban="SE45 5000 0000 0583 9825 7466", bic="", payment_reference="4711 0815")
    )
    assert "bankReferenceCode" not in body["paymentInfo"]
    assert body["orderReference"] == "4711 0815"
    assert not schemas.errors("Invoice", body)


def test_every_problem_at_once():
    bad = _bill(
        supplier_reference="",
        iban="FI49 5000 9420 0287 31",
        bic="NOTABIC",
        payment_reference="1357915",
        due_date=datetime.date(2026, 3, 1),
        supplier=Address(name="Łódź Sp. z o.o.", country_code="PL"),
    )
    with pytest.raises(PayloadError) as raised:
        build_purchase_invoice(bad)
    text = "; ".join(raised.value.problems)
    for expected in (
        "no supplier reference",
        "not a valid IBAN",
        "BIC 'NOTABIC'",
        "not a valid Finnish or RF reference",
        "due date is before",
        "supplier.name: characters 'Łź'",
    ):
        assert expected in text


def test_field_problems_and_cuts():
    long_reference = "X" * 41
    problems = purchase_field_problems(
        _bill(supplier_reference=long_reference, payment_reference="m" * 71)
    )
    assert {(problem.field, problem.kind) for problem in problems} == {
        ("supplier_reference", "length"),
        ("payment_reference", "length"),
    }
    line = dataclasses.replace(_bill().lines[0], name="Chairs\n" + "c" * 600)
    (cut,) = purchase_text_cuts(_bill(lines=(line,)))
    assert (cut.field, cut.kind, cut.detail) == ("line.comment", "cut", (600, 512))


def test_iban_validation():
    assert is_valid_iban(SUPPLIER_IBAN)
    assert is_valid_iban("de89 3704 0044 0532 0130 00")
    assert not is_valid_iban("FI49 5000 9420 0287 31")
    assert not is_valid_iban("123456-789")


def test_same_supplier_by_partner_identifier_then_name():
    body = build_purchase_invoice(_bill(partner_id=7))
    assert same_supplier({"partnerId": 7}, body)
    assert not same_supplier({"partnerId": 8}, body)
    other = {"counterParty": {"identifier": "1572860-0"}}
    assert not same_supplier(other, build_purchase_invoice(_bill()))
    assert same_supplier(
        {"counterParty": {"identifier": "2077474-0"}}, build_purchase_invoice(_bill())
    )
    nameless = build_purchase_invoice(_bill(business_id="", vat=""))
    assert same_supplier(
        {"counterParty": {"counterPartyAddress": {"name": "toimittaja  oy"}}}, nameless
    )
    assert not same_supplier(
        {"counterParty": {"counterPartyAddress": {"name": "Muu Oy"}}}, nameless
    )


def test_sandbox_accepts_bill_and_refund(client, schemas):
    pin_calendar(client.base_url)
    created = client.create_invoice(build_purchase_invoice(_bill()))
    assert created["status"] == "UNFINISHED"
    refund = client.create_invoice(
        build_purchase_invoice(_bill(supplier_reference="CN-1", is_refund=True, iban=""))
    )
    assert invoice_totals(refund).total < 0
    client.approve_invoice(created["id"])
    assert client.get_invoice(created["id"])["status"] == "APPROVED"


def test_create_once_ignores_another_suppliers_invoice_with_the_same_number(client):
    """Two suppliers both number their invoice INV-4711: after an unconfirmed POST of
    supplier A's bill, supplier B's invoice is neither adopted nor a conflict."""
    pin_calendar(client.base_url)
    supplier_b = _bill(
        supplier=Address(name="Muu Oy", city="Turku", country_code="FI"),
        business_id="1572860-0",
        vat="",
    )
    other = client.create_invoice(build_purchase_invoice(supplier_b))
    body = build_purchase_invoice(_bill())
    claims = []
    remote, adopted = create_once(
        client,
        body,
        create_unknown=True,
        claim=lambda: claims.append(1),
        types=("PURCHASE_INVOICE",),
        belongs=same_supplier,
    )
    assert not adopted and claims == [1]
    assert remote["id"] != other["id"]
    # Now A's own invoice exists: the next unconfirmed attempt adopts it, not B's.
    again, adopted = create_once(
        client,
        body,
        create_unknown=True,
        claim=lambda: claims.append(2),
        types=("PURCHASE_INVOICE",),
        belongs=same_supplier,
    )
    assert adopted and again["id"] == remote["id"] and claims == [1]
