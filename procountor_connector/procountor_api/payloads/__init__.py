# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Procountor request bodies built by plain functions (no Odoo), one module per kind.

- ``common``: constants of the 26.04 schema and small conversions (money, business IDs,
  references, countries);
- ``sales_invoice``: ``Invoice`` bodies of sales invoices and credit notes;
- ``totals``: the sums Procountor computes from a body, to compare with Odoo to the cent;
- ``exactly_once``: the create-once protocol shared by everything the connector creates;
- ``payments``: what of Procountor's payment events Odoo registers, leaves alone or flags.

Everything public is re-exported here, so callers write ``payloads.build_sales_invoice``.
"""

from .common import (
    INVOICE_TYPE_SALES,
    INVOICE_CHANNELS,
    DEFAULT_INVOICE_CHANNEL,
    DEFAULT_UNIT,
    PAYMENT_METHOD,
    LANGUAGE_BY_PREFIX,
    DEFAULT_LANGUAGE,
    CREDIT_NOTE_TEXT,
    MAX_LENGTHS,
    CENT,
    COUNTRY_BY_ISO,
    CURRENCIES,
    UNITS,
    PayloadError,
    to_decimal,
    round_cents,
    json_number,
    procountor_country,
    procountor_language,
    windows_1252,
    finnish_business_id,
    counterparty_identifier,
    compact_vat,
    is_finnish_reference,
    bank_reference_code,
)
from .sales_invoice import (
    Address,
    InvoiceLine,
    SalesInvoiceData,
    net_unit_price,
    build_sales_invoice,
    build_sales_invoice_update,
    prices_include_vat,
)
from .totals import (
    Totals,
    invoice_totals,
    remote_totals,
)
from .exactly_once import (
    INVALIDATED,
    live_invoice,
    create_once,
)
from .payments import (
    BANK,
    CASH,
    OTHER,
    PAYMENT_KIND_BY_TYPE,
    FLAG_REMOVED,
    FLAG_NOT_POSITIVE,
    FLAG_CURRENCY,
    FLAG_OVERPAID,
    FLAG_NOT_MONEY,
    PaymentEventRow,
    PaymentFlag,
    PaymentDecision,
    payment_kind,
    invoice_payment_snapshot,
    decide_payments,
)

__all__ = [
    "Address",
    "BANK",
    "CASH",
    "CENT",
    "COUNTRY_BY_ISO",
    "CREDIT_NOTE_TEXT",
    "CURRENCIES",
    "DEFAULT_INVOICE_CHANNEL",
    "DEFAULT_LANGUAGE",
    "DEFAULT_UNIT",
    "FLAG_CURRENCY",
    "FLAG_NOT_MONEY",
    "FLAG_NOT_POSITIVE",
    "FLAG_OVERPAID",
    "FLAG_REMOVED",
    "INVALIDATED",
    "INVOICE_CHANNELS",
    "INVOICE_TYPE_SALES",
    "InvoiceLine",
    "LANGUAGE_BY_PREFIX",
    "MAX_LENGTHS",
    "OTHER",
    "PAYMENT_KIND_BY_TYPE",
    "PAYMENT_METHOD",
    "PayloadError",
    "PaymentDecision",
    "PaymentEventRow",
    "PaymentFlag",
    "SalesInvoiceData",
    "Totals",
    "UNITS",
    "bank_reference_code",
    "build_sales_invoice",
    "build_sales_invoice_update",
    "compact_vat",
    "counterparty_identifier",
    "create_once",
    "decide_payments",
    "finnish_business_id",
    "invoice_payment_snapshot",
    "invoice_totals",
    "is_finnish_reference",
    "json_number",
    "live_invoice",
    "net_unit_price",
    "payment_kind",
    "prices_include_vat",
    "procountor_country",
    "procountor_language",
    "remote_totals",
    "round_cents",
    "to_decimal",
    "windows_1252",
]
