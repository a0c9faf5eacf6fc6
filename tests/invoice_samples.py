"""Sales invoice data shared by the tests that drive the client against the sandbox.

The customer matches the sandbox's seeded partner 4001 (Asiakas Oy) and the bank account
is the seeded company's, so the builder's bodies are valid as they are.
"""

from __future__ import annotations

import datetime

from procountor_api.payloads import Address, InvoiceLine, SalesInvoiceData
from procountor_sandbox.testing import COMPANY_IBAN


def sales_invoice_data(
    number: str, lines: tuple[InvoiceLine, ...], **overrides
) -> SalesInvoiceData:
    """An e-mailed invoice to Asiakas Oy dated 2026-03-15, with field overrides."""
    values = {
        "number": number,
        "invoice_date": datetime.date(2026, 3, 15),
        "due_date": datetime.date(2026, 3, 29),
        "currency": "EUR",
        "customer": Address(
            name="Asiakas Oy",
            street="Asiakaskatu 5",
            zip="00200",
            city="Helsinki",
            country_code="FI",
        ),
        "lines": lines,
        "business_id": "2077474-0",
        "email": "laskut@asiakas.example",
        "invoice_channel": "EMAIL",
        "lang": "fi_FI",
        "vat_status": 1,
        "bank_account_iban": COMPANY_IBAN,
        "partner_id": 4001,
    }
    values.update(overrides)
    return SalesInvoiceData(**values)
