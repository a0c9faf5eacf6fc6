# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Procountor request bodies built by plain functions (no Odoo), one module per kind.

- ``common``: constants of the 26.04 schema and small conversions (money, business IDs,
  references, countries);
- ``sales_invoice``: ``Invoice`` bodies of sales invoices and credit notes;
- ``totals``: the sums Procountor computes from a body, to compare with Odoo to the cent;
- ``exactly_once``: the create-once protocol shared by everything the connector creates;
- ``partners``/``products``: ``BusinessPartner`` and ``Product`` bodies (issue 9);
- ``matching``: matching Procountor register records with Odoo records;
- ``register_once``: exactly-once creation of partners and products.

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
from .partners import (
    IDENTIFIER_TYPE_FI,
    PARTNER_TYPES,
    PartnerData,
    build_business_partner,
    merge_business_partner,
    partner_identifier,
    partner_keys,
)
from .products import (
    PRODUCT_TYPES,
    ProductData,
    build_product,
    merge_product,
    product_keys,
)
from .matching import (
    CONFLICT,
    LINKED,
    MATCHED,
    NEW,
    PARTNER_KEYS,
    PRODUCT_KEYS,
    UNCHANGED,
    Match,
    OdooIndex,
    match_records,
)
from .register_once import (
    find_business_partner,
    find_product,
    register_create_once,
)

__all__ = [
    "CONFLICT",
    "IDENTIFIER_TYPE_FI",
    "LINKED",
    "MATCHED",
    "Match",
    "NEW",
    "OdooIndex",
    "PARTNER_KEYS",
    "PARTNER_TYPES",
    "PRODUCT_KEYS",
    "PRODUCT_TYPES",
    "PartnerData",
    "ProductData",
    "UNCHANGED",
    "build_business_partner",
    "build_product",
    "find_business_partner",
    "find_product",
    "match_records",
    "merge_business_partner",
    "merge_product",
    "partner_identifier",
    "partner_keys",
    "product_keys",
    "register_create_once",
    "Address",
    "CENT",
    "COUNTRY_BY_ISO",
    "CREDIT_NOTE_TEXT",
    "CURRENCIES",
    "DEFAULT_INVOICE_CHANNEL",
    "DEFAULT_LANGUAGE",
    "DEFAULT_UNIT",
    "INVALIDATED",
    "INVOICE_CHANNELS",
    "INVOICE_TYPE_SALES",
    "InvoiceLine",
    "LANGUAGE_BY_PREFIX",
    "MAX_LENGTHS",
    "PAYMENT_METHOD",
    "PayloadError",
    "SalesInvoiceData",
    "Totals",
    "UNITS",
    "bank_reference_code",
    "build_sales_invoice",
    "build_sales_invoice_update",
    "compact_vat",
    "counterparty_identifier",
    "create_once",
    "finnish_business_id",
    "invoice_totals",
    "is_finnish_reference",
    "json_number",
    "live_invoice",
    "net_unit_price",
    "prices_include_vat",
    "procountor_country",
    "procountor_language",
    "remote_totals",
    "round_cents",
    "to_decimal",
    "windows_1252",
]
