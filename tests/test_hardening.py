"""Pure tests of the hardening: malformed answers in the client, adoption only of
our own invoice, Procountor's character set and field lengths. The Odoo side (crons,
batches, checks before HTTP) is in ``procountor_connector/tests/test_hardening_*.py``."""

import datetime
from decimal import Decimal

import pytest
import responses
from test_client import API, add_token, make_client

from procountor_api import exceptions, payloads
from procountor_api.payloads import (
    Address,
    AdoptionConflict,
    InvoiceLine,
    PayloadError,
    SalesInvoiceData,
    build_sales_invoice,
    create_once,
    field_problems,
    invoice_totals,
    text_cuts,
    windows_1252,
)

# --- point 7: malformed but well-formed JSON answers -----------------------------------


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def exchanges():
    return []


@pytest.fixture
def pc(exchanges):
    with make_client(on_exchange=exchanges.append) as client:
        yield client


@pytest.mark.parametrize(
    "body,expected",
    [([], "a JSON list"), ("text", "a JSON str"), (None, "an empty answer")],
)
def test_read_of_an_object_answered_with_another_shape(rsps, pc, exchanges, body, expected):
    add_token(rsps)
    if body is None:
        rsps.add(responses.GET, f"{API}/invoices/7", body=b"", status=200)
    else:
        rsps.add(responses.GET, f"{API}/invoices/7", json=body, status=200)

    with pytest.raises(exceptions.ProcountorServerError) as info:
        pc.get_invoice(7)

    assert info.value.message.startswith("Unexpected answer from Procountor")
    assert expected in info.value.message
    assert info.value.ambiguous is False
    assert exchanges[-1].ok is False
    assert "Unexpected answer" in exchanges[-1].error_message


@pytest.mark.parametrize("body", [{}, {"id": "12"}, {"id": None}, [], None])
def test_create_answered_without_an_id_is_ambiguous(rsps, pc, body):
    add_token(rsps)
    if body is None:
        rsps.add(responses.POST, f"{API}/invoices", body=b"", status=200)
    else:
        rsps.add(responses.POST, f"{API}/invoices", json=body, status=200)

    with pytest.raises(exceptions.ProcountorServerError) as info:
        pc.create_invoice({"type": "SALES_INVOICE"})

    assert "Unexpected answer from Procountor" in info.value.message
    assert info.value.ambiguous is True
    assert "may or may not have been applied" in info.value.message


def test_dimensions_answered_with_an_object(rsps, pc):
    add_token(rsps)
    rsps.add(responses.GET, f"{API}/dimensions", json={"id": 1}, status=200)

    with pytest.raises(exceptions.ProcountorServerError, match="a JSON array was expected"):
        pc.get_dimensions()


def test_search_rows_that_are_not_objects_are_left_out(rsps, pc):
    add_token(rsps)
    rows = ["junk", 3, {"id": 5, "originalInvoiceNumber": "INV/1", "status": "UNFINISHED"}]
    rsps.add(responses.GET, f"{API}/invoices", json={"results": rows, "meta": {}}, status=200)

    assert [row["id"] for row in pc.find_invoices_by_original_number("INV/1")] == [5]


# --- point 9: adoption only of our own invoice ------------------------------------------


def _invoice(**values):
    defaults = {
        "number": "INV/2026/00001",
        "invoice_date": datetime.date(2026, 3, 2),
        "due_date": datetime.date(2026, 3, 16),
        "currency": "EUR",
        "customer": Address(
            name="Asiakas Oy", street="Katu 1", zip="00100", city="Helsinki", country_code="FI"
        ),
        "business_id": "2077474-0",
        "lines": (
            InvoiceLine(
                name="Widget",
                quantity=Decimal(1),
                price_unit=Decimal(100),
                vat_percent=Decimal("25.5"),
                vat_status=1,
            ),
        ),
        "lang": "fi_FI",
    }
    return SalesInvoiceData(**{**defaults, **values})


class FakeClient:
    """Procountor holding ``remotes`` (bodies as it would return them, with ids)."""

    def __init__(self, *remotes):
        self.remotes = {remote["id"]: remote for remote in remotes}
        self.created = []

    def find_invoices_by_original_number(self, number):
        return [
            {"id": remote["id"], "status": remote.get("status", "UNFINISHED")}
            for remote in self.remotes.values()
            if remote["originalInvoiceNumber"] == number
        ]

    def get_invoice(self, invoice_id):
        return self.remotes[invoice_id]

    def create_invoice(self, body):
        self.created.append(body)
        return {"id": 999, **body}


def _remote(remote_id, data):
    return {"id": remote_id, **build_sales_invoice(data)}


def test_adopts_the_invoice_it_sent():
    body = build_sales_invoice(_invoice())
    client = FakeClient(_remote(11, _invoice()))
    claims = []

    remote, adopted = create_once(client, body, create_unknown=True, claim=lambda: claims.append(1))

    assert (remote["id"], adopted) == (11, True)
    assert not claims and not client.created


@pytest.mark.parametrize(
    "theirs,differences",
    [
        ({"business_id": "0737546-2", "customer": Address(name="Toinen Oy")}, ["counterparty"]),
        (
            {
                "lines": (
                    InvoiceLine(
                        name="Widget",
                        quantity=Decimal(2),
                        price_unit=Decimal(100),
                        vat_percent=Decimal("25.5"),
                        vat_status=1,
                    ),
                )
            },
            ["total"],
        ),
    ],
)
def test_same_number_of_someone_else_is_a_conflict(theirs, differences):
    body = build_sales_invoice(_invoice())
    client = FakeClient(_remote(11, _invoice(**theirs)))
    claims = []

    with pytest.raises(AdoptionConflict) as info:
        create_once(client, body, create_unknown=True, claim=lambda: claims.append(1))

    assert info.value.candidates == [(11, differences)]
    assert info.value.retryable is False and info.value.ambiguous is False
    assert not claims and not client.created, "neither adopted nor created"


def test_adopts_the_matching_one_among_several():
    body = build_sales_invoice(_invoice())
    other = _remote(11, _invoice(business_id="0737546-2"))
    ours = _remote(12, _invoice())
    remote, adopted = create_once(
        FakeClient(other, ours), body, create_unknown=True, claim=lambda: None
    )
    assert (remote["id"], adopted) == (12, True)


def test_without_business_id_the_name_decides():
    data = _invoice(business_id="")
    body = build_sales_invoice(data)
    assert payloads.adoption_differences(_remote(1, data), body) == []
    renamed = _invoice(business_id="", customer=Address(name="Other Ltd", country_code="FI"))
    assert payloads.adoption_differences(_remote(1, renamed), body) == ["counterparty"]


# --- point 10: Procountor's character set -----------------------------------------------


def test_lookalikes_are_mapped_never_replaced_by_question_marks():
    assert windows_1252("10\u2009000 \u2212 5") == "10 000 - 5"
    assert windows_1252("Ka\u0308rkka\u0308inen") == "Kärkkäinen"  # NFC
    assert windows_1252("Łódź") == "Łódź", "letters are never transliterated"
    assert windows_1252("€ – “x” …") == "€ – “x” …", "Windows-1252 punctuation is kept"


def test_text_outside_windows_1252_is_refused_by_field():
    data = _invoice(
        customer=Address(name="ООО Ромашка", street="Katu 1", zip="1", city="Łódź"),
        lines=(
            InvoiceLine(
                name="Widget ☃",
                quantity=Decimal(1),
                price_unit=Decimal(1),
                vat_percent=Decimal("25.5"),
            ),
        ),
    )
    problems = {(p.field, p.line): p.detail for p in field_problems(data)}
    assert problems == {
        ("customer.name", None): "ОРомашк",
        ("customer.city", None): "Łź",
        ("line.name", 1): "☃",
    }
    with pytest.raises(PayloadError) as info:
        build_sales_invoice(data)
    assert "customer.name: characters" in str(info.value)
    assert "?" not in str(build_sales_invoice(_invoice()))


# --- point 12: lengths, negative quantities, zero totals --------------------------------


def test_address_and_reference_over_procountor_length_are_refused():
    data = _invoice(
        customer=Address(name="N" * 81, street="S", zip="Z" * 21, city="C", country_code="FI"),
        order_reference="R" * 71,
    )
    problems = {p.field: p.detail for p in field_problems(data) if p.kind == "length"}
    assert problems == {
        "customer.name": (81, 80),
        "customer.zip": (21, 20),
        "order_reference": (71, 70),
    }
    with pytest.raises(PayloadError, match="customer.name is too long"):
        build_sales_invoice(data)


def test_long_free_texts_are_cut_and_reported():
    line = InvoiceLine(
        name="Widget\n" + "x" * 600,
        quantity=Decimal(1),
        price_unit=Decimal(1),
        vat_percent=Decimal("25.5"),
    )
    data = _invoice(lines=(line,), additional_information="i" * 10_050)
    body = build_sales_invoice(data)
    assert len(body["invoiceRows"][0]["comment"]) == 512
    assert len(body["additionalInformation"]) == 10_000
    cuts = {(cut.field, cut.line): cut.detail for cut in text_cuts(data)}
    assert cuts == {
        ("line.comment", 1): (600, 512),
        ("additional_information", None): (10_050, 10_000),
    }
    assert text_cuts(_invoice()) == []


def test_negative_line_and_zero_total_are_sent_as_they_are():
    lines = (
        InvoiceLine(
            name="Widget", quantity=Decimal(2), price_unit=Decimal(50), vat_percent=Decimal("25.5")
        ),
        InvoiceLine(
            name="Returned",
            quantity=Decimal(-1),
            price_unit=Decimal(100),
            vat_percent=Decimal("25.5"),
        ),
    )
    body = build_sales_invoice(_invoice(lines=lines))
    assert [row["quantity"] for row in body["invoiceRows"]] == [2, -1]
    assert invoice_totals(body).as_tuple() == (Decimal("0.00"), Decimal("0.00"), Decimal("0.00"))
