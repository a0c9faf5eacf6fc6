"""Partners and products, without Odoo: payload builders (26.04 schemas),
matching, the exactly-once creation protocol and the sandbox's register features."""

from decimal import Decimal

import pytest
import requests
import schema_support

from procountor_api import payloads
from procountor_api.exceptions import ProcountorError, ProcountorValidationError
from procountor_sandbox import registers

FI_ADDRESS = payloads.Address(
    name="Vienti Oy", street="Satamakatu 3", zip="20100", city="Turku", country_code="FI"
)
PARTNER = payloads.PartnerData(
    name="Vienti Oy",
    address=FI_ADDRESS,
    invoice_address=payloads.Address(
        name="Vienti Oy",
        specifier="Laskutus",
        street="PL 12",
        zip="20101",
        city="Turku",
        country_code="FI",
    ),
    delivery_address=payloads.Address(
        name="Vienti Oy", street="Varastotie 9", zip="20200", city="Turku", country_code="FI"
    ),
    business_id="0112038-9",
    customer_number="V-77",
    email="laskut@vienti.example",
    phone="+358 2 123 4567",
    contact_person="Liisa",
    lang="fi_FI",
    einvoice_address="003701120389",
    einvoice_operator="003721291126",
    invoice_channel="ELECTRONIC_INVOICE",
    payment_term_days=30,
    currency="EUR",
)
PRODUCT = payloads.ProductData(
    name="Konsultointi",
    code="KONS",
    unit="HOUR",
    price=Decimal("100.005"),
    vat_percent=Decimal("25.5"),
)


def _schemas():
    schemas = schema_support.load()
    if schemas is None:
        pytest.skip(schema_support.SKIP_REASON)
    return schemas


def test_partner_body_maps_every_field():
    body = payloads.build_business_partner(PARTNER)
    assert body["type"] == "CUSTOMER"
    assert body["invoicingInfo"] == {
        "customerNumber": "V-77",
        "identifier": "0112038-9",
        "identifierType": "YHD",
        "email": "laskut@vienti.example",
        "contactPerson": "Liisa",
        "language": "FINNISH",
        "einvoiceAddress": "003701120389",
        "einvoiceOperator": "003721291126",
        "invoiceChannel": "ELECTRONIC_INVOICE",
        "ovt": "003701120389",
    }
    assert body["address"]["country"] == "FINLAND"
    assert body["billingAddress"]["street"] == "PL 12"
    assert body["deliveryAddress"]["street"] == "Varastotie 9"
    assert body["paymentInfo"] == {
        "paymentMethod": "BANK_TRANSFER",
        "paymentTermDays": "30",
        "currency": "EUR",
    }
    assert body["registryInfo"] == {"active": True, "phone": "+358 2 123 4567"}


def test_partner_identifier_company_foreign_and_person():
    assert payloads.partner_identifier("0112038-9") == ("0112038-9", "YHD")
    assert payloads.partner_identifier("", "FI01120389") == ("0112038-9", "YHD")
    assert payloads.partner_identifier("", "DE 123 456 788") == ("DE123456788", "")
    # A private person: no identifier (Procountor's personal identity code never comes from Odoo).
    assert payloads.partner_identifier("0112038-9", is_company=False) == ("", "")
    person = payloads.build_business_partner(
        payloads.PartnerData(name="Matti Meikäläinen", is_company=False, address=FI_ADDRESS)
    )
    assert "identifier" not in person["invoicingInfo"]
    assert person["type"] == "CUSTOMER"


def test_bodies_validate_against_26_04_schemas():
    schemas = _schemas()
    partner = payloads.build_business_partner(PARTNER)
    assert schemas.errors("BusinessPartner", partner) == []
    supplier = payloads.build_business_partner(
        payloads.PartnerData(name="Toimittaja Oy", partner_type="SUPPLIER")
    )
    assert schemas.errors("BusinessPartner", supplier) == []
    remote = {
        **partner,
        "id": 5,
        "version": "2026-01-01T10:00:00.000",
        "additionalInfo": {"comments1": "VIP"},
    }
    merged = payloads.merge_business_partner(remote, {**partner, "name": "Vienti Ab"})
    assert schemas.errors("BusinessPartner", merged) == []
    assert merged["additionalInfo"] == {"comments1": "VIP"} and merged["name"] == "Vienti Ab"
    product = payloads.build_product(PRODUCT)
    assert schemas.errors("Product", product) == []
    assert product == {
        "type": "SALES",
        "name": "Konsultointi",
        "code": "KONS",
        "unit": "HOUR",
        "price": 100.01,
        "discount": 0,
        "currency": "EUR",
        "active": True,
        "vat": 25.5,
    }
    merged = payloads.merge_product(
        {**product, "id": 7, "version": "v", "defaultAccount": "3000"}, {**product, "price": 90}
    )
    assert schemas.errors("Product", merged) == []
    assert merged["defaultAccount"] == "3000" and merged["price"] == 90 and "id" not in merged


def _index(**keys):
    index = payloads.OdooIndex()
    for key, pairs in keys.items():
        for value, odoo_id in pairs:
            index.add(key, value, odoo_id)
    return index


def _remote(rid, name, identifier="", number="", version="v1"):
    return {
        "id": rid,
        "name": name,
        "version": version,
        "invoicingInfo": {"identifier": identifier, "customerNumber": number},
    }


def test_matching_order_and_conflicts():
    index = _index(
        business_id=[("0112038-9", 1), ("2077474-0", 2), ("2077474-0", 3)],
        vat=[("DE123456788", 4)],
        customer_number=[("C-5", 5), ("C-6", 6)],
        name=[("Nimi Oy", 7), ("Vienti Oy", 8)],
    )
    index.links[900] = (9, "v1")
    index.links[901] = (10, "v0")
    index.linked.update({9: 900, 10: 901, 6: 999})
    remotes = [
        _remote(900, "Linked"),
        _remote(901, "Linked changed"),
        # Business ID wins over the customer number and the name.
        _remote(1, "Vienti Oy", "0112038-9", "C-5"),
        _remote(2, "X", "2077474-0"),
        _remote(3, "Y", "DE123456788"),
        _remote(4, "Z", "", "C-5"),
        _remote(5, "Z2", "", "C-6"),
        _remote(6, "Nimi Oy"),
        _remote(7, "Nimi Oy"),
        _remote(8, "Uusi Oy"),
    ]
    result = {
        m.remote_id: m
        for m in payloads.match_records(
            remotes, index, payloads.PARTNER_KEYS, payloads.partner_keys
        )
    }
    assert (result[900].status, result[900].odoo_id) == ("unchanged", 9)
    assert result[901].status == "linked"
    assert (result[1].status, result[1].key, result[1].odoo_id) == ("matched", "business_id", 1)
    assert (result[2].status, result[2].odoo_ids) == ("conflict", (2, 3))
    assert (result[3].status, result[3].key, result[3].odoo_id) == ("matched", "vat", 4)
    assert (result[4].status, result[4].key, result[4].odoo_id) == ("matched", "customer_number", 5)
    assert (result[5].status, result[5].odoo_id) == ("conflict", 6)  # linked elsewhere
    assert (result[6].status, result[6].odoo_id) == ("matched", 7)
    assert result[7].status == "conflict"  # Odoo record 7 already claimed by record 6
    assert result[8].status == "new"


def test_product_matching_code_then_barcode_then_name():
    index = _index(default_code=[("A", 1)], barcode=[("6410000000017", 2)], name=[("Kirja", 3)])
    remotes = [
        {"id": 1, "code": "A", "name": "Kirja"},
        {"id": 2, "code": "6410000000017", "name": "Muu"},
        {"id": 3, "code": "", "name": "Kirja"},
        {"id": 4, "code": "B", "name": "Uusi"},
    ]
    result = payloads.match_records(remotes, index, payloads.PRODUCT_KEYS, payloads.product_keys)
    assert [(m.status, m.key, m.odoo_id) for m in result] == [
        ("matched", "default_code", 1),
        ("matched", "barcode", 2),
        ("matched", "name", 3),
        ("new", "", None),
    ]


def test_register_create_once_protocol():
    calls = []

    def run(create_unknown, found=None):
        return payloads.register_create_once(
            create=lambda: calls.append("create") or {"id": 1},
            find=lambda: calls.append("find") or found,
            claim=lambda: calls.append("claim"),
            create_unknown=create_unknown,
        )

    assert run(False) == ({"id": 1}, False)
    assert calls == ["claim", "create"]
    calls.clear()
    assert run(True, {"id": 5}) == ({"id": 5}, True)
    assert calls == ["find"]
    calls.clear()
    assert run(True, None) == ({"id": 1}, False)
    assert calls == ["find", "claim", "create"]


def test_partner_created_once_after_lost_answer(client, sandbox):
    body = payloads.build_business_partner(PARTNER)
    requests.post(
        f"{sandbox.url}/_sandbox/faults",
        json={
            "kind": "drop_after_commit",
            "path": "/businesspartners",
            "method": "POST",
            "times": 1,
        },
        timeout=10,
    ).raise_for_status()
    with pytest.raises(ProcountorError) as error:
        client.create_business_partner(body)
    assert error.value.ambiguous
    found = payloads.find_business_partner(client, body)
    assert found["name"] == "Vienti Oy"
    # Another partner with the same name but another business ID is never adopted.
    other = payloads.build_business_partner(
        payloads.PartnerData(name="Vienti Oy", business_id="2077474-0", address=FI_ADDRESS)
    )
    assert payloads.find_business_partner(client, other) is None
    same = [p for p in sandbox.state.businessPartners.values() if p["name"] == "Vienti Oy"]
    assert len(same) == 1


def test_product_lookup_after_lost_answer(client, sandbox):
    body = payloads.build_product(
        payloads.ProductData(
            name="Tuote X", code="TX", price=Decimal(5), vat_percent=Decimal("25.5")
        )
    )
    created = client.create_product(body)
    assert payloads.find_product(client, body)["id"] == created["id"]
    assert payloads.find_product(client, {**body, "code": "TY"}) is None


def test_sandbox_generated_registers_and_version_filters(client, sandbox):
    response = requests.post(
        f"{sandbox.url}/_sandbox/seed",
        json={"generate": {"businessPartners": 500, "products": 300}},
        timeout=30,
    )
    assert response.json()["seeded"]["businessPartners"] == 500
    partners = [
        p for p in client.search_business_partners() if p["id"] >= registers.PARTNER_ID_START
    ]
    assert len(partners) == 500
    products = [p for p in client.search_products() if p["id"] >= registers.PRODUCT_ID_START]
    assert len(products) == 300
    assert len({registers.partner_business_id(i) for i in range(500)}) == 500
    since = max(p["version"] for p in partners)
    changed = registers.PARTNER_ID_START + 7
    client.patch_business_partner(
        changed, {"name": "Muutettu Oy"}, client.get_business_partner(changed)["version"]
    )
    later = [
        p for p in client.search_business_partners(versionStartDate=since) if p["version"] > since
    ]
    assert [p["id"] for p in later] == [changed]
    assert list(client.search_products(versionStartDate="2999-01-01T00:00:00")) == []
    schemas = schema_support.load()
    if schemas is not None:
        assert schemas.errors("BusinessPartner", client.get_business_partner(changed)) == []
        assert schemas.errors("Product", client.get_product(registers.PRODUCT_ID_START)) == []


def test_sandbox_refuses_stale_versions(client):
    partner = client.get_business_partner(4001)
    client.update_business_partner(4001, {**partner, "name": "Asiakas Oyj"})
    with pytest.raises(ProcountorValidationError) as error:
        client.update_business_partner(4001, {**partner, "name": "Vanha"})
    assert "INVALID_VERSION" in error.value.codes
    product = client.get_product(5001)
    client.update_product(5001, {**product, "price": 1})
    with pytest.raises(ProcountorValidationError):
        client.update_product(5001, {**product, "price": 2})


def test_fetch_window_start_goes_back_by_the_overlap():
    start = payloads.fetch_window_start("2026-03-02T10:15:00.250")
    assert start == "2026-03-02T10:05:00.250"
    assert payloads.fetch_window_start("2026-03-02T10:15:00") == "2026-03-02T10:05:00"
    # An unreadable bookmark reads everything: no change is skipped.
    assert payloads.fetch_window_start("not a date") is None
    assert payloads.fetch_window_start(None) is None


@pytest.mark.parametrize(
    ("remote", "remote_vat", "odoo_vat", "amount", "problem"),
    [
        ({"price": 80, "currency": "EUR"}, False, False, Decimal(80), ""),
        ({"price": 80.5, "currency": "EUR", "vat": 25.5}, True, True, Decimal("80.5"), ""),
        ({"currency": "EUR"}, False, False, None, ""),
        ({"price": None, "currency": "EUR"}, False, False, None, ""),
        ({"price": 0, "currency": "EUR"}, False, False, None, ""),
        ({"price": "abc", "currency": "EUR"}, False, False, None, payloads.PRICE_NOT_NUMBER),
        ({"price": True, "currency": "EUR"}, False, False, None, payloads.PRICE_NOT_NUMBER),
        ({"price": 80}, False, False, None, payloads.PRICE_NO_CURRENCY),
        ({"price": 900, "currency": "SEK"}, False, False, None, payloads.PRICE_OTHER_CURRENCY),
        ({"price": 80, "currency": "EUR"}, None, False, None, payloads.PRICE_VAT_UNKNOWN),
        (
            {"price": 80, "currency": "EUR", "vat": 24},
            True,
            False,
            None,
            payloads.PRICE_VAT_MISMATCH,
        ),
        ({"price": 80, "currency": "EUR"}, False, True, None, payloads.PRICE_VAT_MISMATCH),
        ({"price": 80, "currency": "EUR"}, False, None, None, payloads.PRICE_VAT_MISMATCH),
        # 0 % VAT: the gross price is the net price.
        ({"price": 80, "currency": "EUR", "vat": 0}, True, False, Decimal(80), ""),
    ],
)
def test_product_price_only_when_its_meaning_is_certain(
    remote, remote_vat, odoo_vat, amount, problem
):
    decision = payloads.product_price(remote, "EUR", remote_vat, odoo_vat)
    assert (decision.amount, decision.problem) == (amount, problem)
