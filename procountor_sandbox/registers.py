"""Generated business partners and products for bulk tests and benchmarks.

``register_seed(partners=500, products=300)`` gives the ``businessPartners`` and
``products`` of a seed (``POST /_sandbox/seed``), deterministic so that a test knows
every name, business ID, customer number and product code in advance:

- partner ``i``: id ``PARTNER_ID_START + i``, ``Yritys {i:04d} Oy``, a valid Y-tunnus
  (:func:`partner_business_id`), customer number ``A-{i:04d}``; every fifth (``i % 5 == 4``)
  is a SUPPLIER, the others CUSTOMERs;
- product ``j``: id ``PRODUCT_ID_START + j``, ``Tuote {j:04d}``, code ``T-{j:04d}``; every
  tenth (``j % 10 == 9``) is a PURCHASE product, the others SALES.
"""

from __future__ import annotations

PARTNER_ID_START = 20000
PRODUCT_ID_START = 30000
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2)


def ytunnus(base: int) -> str | None:
    """The Y-tunnus with the 7-digit ``base``, or None when no check digit exists."""
    digits = f"{base:07d}"
    remainder = sum(int(d) * w for d, w in zip(digits, _WEIGHTS, strict=True)) % 11
    if remainder == 1:
        return None
    return f"{digits}-{0 if remainder == 0 else 11 - remainder}"


def partner_business_id(index: int) -> str:
    """A valid, distinct Y-tunnus for generated partner ``index``."""
    base = 3000000 + index * 3
    while (value := ytunnus(base)) is None:
        base += 1
    return value


def partner_name(index: int) -> str:
    return f"Yritys {index:04d} Oy"


def product_code(index: int) -> str:
    return f"T-{index:04d}"


def generated_partner(index: int) -> dict:
    name = partner_name(index)
    address = {
        "name": name,
        "street": f"Testikatu {index + 1}",
        "zip": "00100",
        "city": "Helsinki",
        "country": "FINLAND",
    }
    return {
        "id": PARTNER_ID_START + index,
        "name": name,
        "type": "SUPPLIER" if index % 5 == 4 else "CUSTOMER",
        "address": address,
        "billingAddress": dict(address),
        "invoicingInfo": {
            "customerNumber": f"A-{index:04d}",
            "identifier": partner_business_id(index),
            "identifierType": "YHD",
            "email": f"laskut{index}@yritys.example",
            "language": "FINNISH",
            "invoiceChannel": "EMAIL",
        },
        "paymentInfo": {
            "paymentMethod": "BANK_TRANSFER",
            "paymentTermDays": "14",
            "currency": "EUR",
        },
        "registryInfo": {"active": True, "phone": f"+358 40 {index:07d}"},
    }


def generated_product(index: int) -> dict:
    return {
        "id": PRODUCT_ID_START + index,
        "type": "PURCHASE" if index % 10 == 9 else "SALES",
        "name": f"Tuote {index:04d}",
        "code": product_code(index),
        "unit": "PIECE",
        "price": float(10 + index),
        "vat": 25.5,
        "discount": 0.0,
        "active": True,
        "currency": "EUR",
    }


def register_seed(partners: int = 500, products: int = 300) -> dict:
    return {
        "businessPartners": [generated_partner(i) for i in range(partners)],
        "products": [generated_product(j) for j in range(products)],
    }
