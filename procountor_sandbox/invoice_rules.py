"""Validation of invoice bodies (POST and PUT /invoices), all errors at once.

Rules follow api-notes 5.1-5.4 and 10: required fields and enums of the 26.04 schema,
VAT percent valid on the invoice date, VAT status valid for the side (sales or
purchase), due date not before the invoice date, channel-specific requirements, the
company's own IBAN on sales bank transfers and check digits of reference numbers.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date

from . import enums, finnish
from . import errors as E
from .store import Store
from .validation import ADDRESS_FIELDS, Checker, join

INVOICE_FIELDS = frozenset(
    """accountingCode additionalInformation agreementNumber attachments billingAddress
    buyerReferenceIdentifier counterParty creatorId date deliveryAddress deliveryEndDate
    deliveryInstructions deliveryMethod deliverySite deliveryStartDate deliveryTermsInfo
    discountPercent extraInfo factoringContractId factoringText id
    invoiceApprovalInformation invoiceChannel invoiceNumber invoiceOperatorInfo
    invoiceRows invoiceSumInfo invoiceTemplateId isOffer language ledgerReceiptId notes
    orderNumber orderReference originalInvoiceNumber partnerId paymentDate paymentInfo
    penaltyPercent sellerReferenceIdentifier status sum tenderReference
    travelInformationItems type vatCountry vatStatus version""".split()
)
# Read-only fields: accepted in a request body, replaced by the sandbox's values.
READ_ONLY_FIELDS = frozenset(
    """attachments creatorId id invoiceNumber invoiceOperatorInfo invoiceSumInfo
    ledgerReceiptId paymentDate status sum version""".split()
)
ROW_FIELDS = frozenset(
    """comment discountPercent endDate explanationText headerText id product productCode
    productId quantity startDate unit unitPrice vatPercent vatStatus""".split()
)
COUNTER_PARTY_FIELDS = frozenset(
    """bankAccount bccAddresses contactPersonName counterPartyAddress customerNumber
    einvoiceAddress email identifier taxCode""".split()
)
PAYMENT_INFO_FIELDS = frozenset(
    """bankAccount bankReferenceCode bankReferenceCodeType cashDiscount clearingCode
    currency currencyRate dueDate newDueDate paymentMethod paymentTermPercentage""".split()
)
BANK_ACCOUNT_FIELDS = frozenset(("accountNumber", "bic"))
EINVOICE_FIELDS = frozenset(("address", "operator", "ediId"))
EXTRA_INFO_FIELDS = frozenset(("accountingByRow", "unitPricesIncludeVat"))
MAX_PAYMENT_TERM_DAYS = 999


@dataclass
class InvoiceContext:
    """What later checks need from the first pass over the body."""

    type: str | None
    bill_date: date | None
    channel: str | None
    side: str  # "sales" or "purchase"


def side_of(invoice_type: str | None) -> str:
    return "sales" if invoice_type in enums.SALES_TYPES else "purchase"


def validate_invoice(store: Store, body, existing: dict | None = None) -> dict:
    """Return the normalised invoice, or raise ApiError(400) with every problem."""
    if not isinstance(body, dict):
        raise E.ApiError.single(400, E.INVALID_JSON)
    errors = E.FieldErrors()
    check = Checker(errors)
    ctx = _check_header(check, body)
    _check_counter_party(check, body)
    _check_addresses(check, body)
    _check_payment_info(check, body, ctx)
    _check_rows(check, body)
    if not errors.has("vatStatus"):
        _check_vat(store, errors, body, ctx)
    _check_channel(errors, body, ctx)
    _check_bank_account(store, errors, body, ctx)
    _check_reference(errors, body)
    _check_partner(store, errors, body, existing)
    if ctx.bill_date and not store.period_is_open(ctx.bill_date):
        errors.add("date", E.CLOSED_FISCAL_PERIOD)
    errors.raise_if_any()
    return _normalise(store, body, ctx)


def _check_header(check: Checker, body: dict) -> InvoiceContext:
    check.unknown(body, INVOICE_FIELDS, "")
    invoice_type = check.string(body, "type", "type", True, enum=enums.INVOICE_TYPES)
    if invoice_type is not None and invoice_type not in enums.CREATABLE_INVOICE_TYPES:
        check.errors.add("type", E.TYPE_NOT_ALLOWED)
    bill_date = check.date(body, "date", "date", required=True)
    channel = check.string(
        body, "invoiceChannel", "invoiceChannel", True, enum=enums.INVOICE_CHANNELS
    )
    if channel in enums.REFUSED_INVOICE_CHANNELS:
        check.errors.add("invoiceChannel", E.CHANNEL_NOT_ALLOWED)
    check.number(body, "discountPercent", "discountPercent", True, 0, 100, scale=4)
    extra = check.closed_obj(body, "extraInfo", "extraInfo", EXTRA_INFO_FIELDS, required=True)
    if extra is not None:
        check.boolean(extra, "accountingByRow", "extraInfo.accountingByRow", True)
        check.boolean(extra, "unitPricesIncludeVat", "extraInfo.unitPricesIncludeVat", True)
    language_required = invoice_type in enums.SALES_TYPES
    check.string(body, "language", "language", language_required, enum=enums.LANGUAGES)
    vat_status_required = (
        invoice_type is not None and invoice_type not in enums.TYPES_WITHOUT_VAT_STATUS
    )
    check.number(body, "vatStatus", "vatStatus", vat_status_required, integer=True)
    check.number(body, "partnerId", "partnerId", integer=True)
    for key, limit in (
        ("originalInvoiceNumber", 40),
        ("orderReference", 70),
        ("additionalInformation", 10000),
        ("notes", 10000),
        ("deliveryInstructions", 255),
        ("buyerReferenceIdentifier", 70),
        ("sellerReferenceIdentifier", 70),
    ):
        check.string(body, key, key, max_len=limit)
    for key in ("deliveryStartDate", "deliveryEndDate"):
        check.date(body, key, key)
    check.string(body, "deliveryMethod", "deliveryMethod", enum=enums.DELIVERY_METHODS)
    check.string(body, "vatCountry", "vatCountry", enum=enums.COUNTRIES)
    check.number(body, "penaltyPercent", "penaltyPercent", minimum=0, scale=2)
    return InvoiceContext(invoice_type, bill_date, channel, side_of(invoice_type))


def _check_counter_party(check: Checker, body: dict) -> None:
    party = check.closed_obj(
        body, "counterParty", "counterParty", COUNTER_PARTY_FIELDS, required=True
    )
    if party is None:
        return
    check.address(
        party,
        "counterPartyAddress",
        "counterParty.counterPartyAddress",
        ADDRESS_FIELDS,
        name_required=True,
    )
    check.string(party, "contactPersonName", "counterParty.contactPersonName", max_len=70)
    for key in ("identifier", "taxCode", "customerNumber", "email"):
        check.string(party, key, join("counterParty", key))
    bcc = check.array(party, "bccAddresses", "counterParty.bccAddresses")
    if bcc is not None and len(bcc) > 4:
        check.errors.add("counterParty.bccAddresses", E.VALUE_OUT_OF_RANGE)
    einvoice = check.closed_obj(
        party, "einvoiceAddress", "counterParty.einvoiceAddress", EINVOICE_FIELDS
    )
    if einvoice is not None:
        for key in EINVOICE_FIELDS:
            check.string(einvoice, key, join("counterParty.einvoiceAddress", key))
    check.closed_obj(party, "bankAccount", "counterParty.bankAccount", BANK_ACCOUNT_FIELDS)


def _check_addresses(check: Checker, body: dict) -> None:
    check.address(body, "billingAddress", "billingAddress", ADDRESS_FIELDS)
    check.address(body, "deliveryAddress", "deliveryAddress", ADDRESS_FIELDS)


def _check_payment_info(check: Checker, body: dict, ctx: InvoiceContext) -> None:
    info = check.closed_obj(body, "paymentInfo", "paymentInfo", PAYMENT_INFO_FIELDS, required=True)
    if info is None:
        return
    method = check.string(
        info, "paymentMethod", "paymentInfo.paymentMethod", True, enum=enums.PAYMENT_METHODS
    )
    if method in enums.REFUSED_PAYMENT_METHODS:
        check.errors.add("paymentInfo.paymentMethod", E.PAYMENT_METHOD_NOT_ALLOWED)
    check.string(info, "currency", "paymentInfo.currency", True, enum=enums.CURRENCIES)
    due = check.date(info, "dueDate", "paymentInfo.dueDate", required=True)
    check.date(info, "newDueDate", "paymentInfo.newDueDate")
    check.number(
        info, "currencyRate", "paymentInfo.currencyRate", True, minimum=0, maximum=1_000_000
    )
    if info.get("currencyRate") == 0:
        check.errors.add("paymentInfo.currencyRate", E.VALUE_OUT_OF_RANGE)
    check.string(
        info,
        "bankReferenceCodeType",
        "paymentInfo.bankReferenceCodeType",
        enum=enums.BANK_REFERENCE_CODE_TYPES,
    )
    check.string(info, "bankReferenceCode", "paymentInfo.bankReferenceCode")
    check.string(info, "clearingCode", "paymentInfo.clearingCode", max_len=50)
    account = check.closed_obj(info, "bankAccount", "paymentInfo.bankAccount", BANK_ACCOUNT_FIELDS)
    if account is not None:
        check.string(account, "accountNumber", "paymentInfo.bankAccount.accountNumber")
        check.string(account, "bic", "paymentInfo.bankAccount.bic")
    if due and ctx.bill_date:
        if due < ctx.bill_date:
            # A class-level (cross-field) error: Procountor gives no field for it.
            check.errors.add(None, E.DUE_DATE_BEFORE_BILL_DATE)
        elif (due - ctx.bill_date).days > MAX_PAYMENT_TERM_DAYS:
            check.errors.add("paymentInfo.dueDate", E.PAYMENT_TERM_TOO_LONG)


def _check_rows(check: Checker, body: dict) -> None:
    rows = check.array(body, "invoiceRows", "invoiceRows", required=True, non_empty=True)
    for path, row in check.objects(rows, "invoiceRows", ROW_FIELDS):
        check.string(row, "product", join(path, "product"), True, non_empty=True)
        check.number(row, "quantity", join(path, "quantity"), required=True)
        check.string(row, "unit", join(path, "unit"), True, enum=enums.UNITS)
        check.number(row, "unitPrice", join(path, "unitPrice"), required=True)
        check.number(row, "discountPercent", join(path, "discountPercent"), True, 0, 100)
        check.number(row, "vatPercent", join(path, "vatPercent"), required=True)
        check.number(row, "vatStatus", join(path, "vatStatus"), integer=True)
        check.number(row, "productId", join(path, "productId"), integer=True)
        check.string(row, "productCode", join(path, "productCode"))
        for key in ("comment", "headerText", "explanationText"):
            check.string(row, key, join(path, key), max_len=512)
        for key in ("startDate", "endDate"):
            check.date(row, key, join(path, key))


def _status_error(store: Store, number, side: str) -> str | None:
    status = store.vat_status(number)
    if status is None or not status.get(side):
        return E.VAT_STATUS_NOT_IN_USE
    return None


def _check_vat(store: Store, errors: E.FieldErrors, body: dict, ctx: InvoiceContext):
    header_status = body.get("vatStatus")
    if header_status is not None:
        problem = _status_error(store, header_status, ctx.side)
        if problem:
            errors.add("vatStatus", problem)
            header_status = None
    for index, row in enumerate(body.get("invoiceRows") or []):
        if not isinstance(row, dict) or errors.has(f"invoiceRows[{index}].vatPercent"):
            continue
        path = f"invoiceRows[{index}]"
        status_number = row.get("vatStatus", header_status)
        if row.get("vatStatus") is not None:
            problem = _status_error(store, row["vatStatus"], ctx.side)
            if problem:
                errors.add(join(path, "vatStatus"), problem)
                status_number = None
        percent = row.get("vatPercent")
        if percent is None:
            continue
        if not store.vat_percent_in_use(percent, ctx.bill_date, ctx.side):
            errors.add(join(path, "vatPercent"), E.VAT_PERCENT_NOT_IN_USE)
            continue
        status = store.vat_status(status_number) if status_number is not None else None
        zero_key = "zeroVatSales" if ctx.side == "sales" else "zeroVatPurchase"
        if status and status.get(zero_key) and float(percent) != 0:
            errors.add(join(path, "vatStatus"), E.VATSTATUS_VATPERC)


def _has_street_zip_city(address) -> bool:
    return isinstance(address, dict) and all(address.get(key) for key in ("street", "zip", "city"))


def _effective_billing(body: dict):
    billing = body.get("billingAddress")
    if billing is None:
        return (body.get("counterParty") or {}).get("counterPartyAddress")
    return billing


def _check_channel(errors: E.FieldErrors, body: dict, ctx: InvoiceContext) -> None:
    party = body.get("counterParty")
    if not isinstance(party, dict):
        return
    party_address = party.get("counterPartyAddress")
    if ctx.channel == "EMAIL" and ctx.side == "sales" and not party.get("email"):
        errors.add("counterParty.email", E.MAY_NOT_BE_EMPTY)
    if ctx.channel == "ELECTRONIC_INVOICE" and ctx.side == "sales":
        einvoice = party.get("einvoiceAddress") or {}
        if not isinstance(einvoice, dict) or not einvoice.get("address"):
            errors.add("counterParty.einvoiceAddress.address", E.MAY_NOT_BE_EMPTY)
        if not isinstance(einvoice, dict) or not einvoice.get("operator"):
            errors.add("counterParty.einvoiceAddress.operator", E.MAY_NOT_BE_EMPTY)
        for path, address in (
            ("counterParty.counterPartyAddress", party_address),
            ("billingAddress", _effective_billing(body)),
        ):
            _require_street_zip_city(errors, path, address)
    if ctx.channel == "MAIL" and ctx.side == "sales":
        billing = _effective_billing(body)
        if not (_has_street_zip_city(billing) or _has_street_zip_city(party_address)):
            _require_street_zip_city(errors, "billingAddress", billing)


def _require_street_zip_city(errors: E.FieldErrors, path: str, address) -> None:
    address = address if isinstance(address, dict) else {}
    for key in ("street", "zip", "city"):
        if not address.get(key):
            errors.add(join(path, key), E.MAY_NOT_BE_EMPTY)


def _check_bank_account(store: Store, errors: E.FieldErrors, body, ctx) -> None:
    info = body.get("paymentInfo")
    if not isinstance(info, dict) or info.get("paymentMethod") != "BANK_TRANSFER":
        return
    account = info.get("bankAccount")
    number = account.get("accountNumber") if isinstance(account, dict) else None
    if not isinstance(number, str) or not number:
        return
    path = "paymentInfo.bankAccount.accountNumber"
    if ctx.side == "sales":
        if store.company_bank_account_by_iban(number) is None:
            errors.add(path, E.BANK_ACCOUNT_NOT_OF_COMPANY)
    elif number[:2].isalpha() and not finnish.is_valid_iban(number):
        errors.add(path, E.INVALID_IBAN)


def _check_reference(errors: E.FieldErrors, body: dict) -> None:
    info = body.get("paymentInfo")
    if not isinstance(info, dict) or not isinstance(info.get("bankReferenceCode"), str):
        return
    code = finnish.compact(info["bankReferenceCode"])
    code_type = info.get("bankReferenceCodeType")
    if code_type not in (None, "FI", "RF"):
        # The company is Finnish: only Finnish and RF references are allowed.
        errors.add("paymentInfo.bankReferenceCodeType", E.REFERENCE_TYPE_NOT_ALLOWED)
        return
    if not code:
        return  # "" asks Procountor to generate one
    if code.startswith("RF"):
        valid = code_type in (None, "RF") and finnish.is_valid_rf_reference(code)
    else:
        valid = code_type in (None, "FI") and finnish.is_valid_fi_reference(code)
    if not valid:
        errors.add("paymentInfo.bankReferenceCode", E.INVALID_REFERENCE)


def _check_partner(store: Store, errors: E.FieldErrors, body, existing) -> None:
    partner_id = body.get("partnerId")
    if existing is not None:
        if partner_id is not None and partner_id != existing.get("partnerId"):
            errors.add("partnerId", E.NOT_EDITABLE)
        return
    if partner_id is not None and int(partner_id) not in store.businessPartners:
        errors.add("partnerId", E.PARTNER_NOT_FOUND)


def _normalise(store: Store, body: dict, ctx: InvoiceContext) -> dict:
    """Drop read-only fields and fill Procountor's defaults."""
    invoice = {k: copy.deepcopy(v) for k, v in body.items() if k not in READ_ONLY_FIELDS}
    address = invoice["counterParty"]["counterPartyAddress"]
    # Billing and delivery addresses default to the counterparty address; {} = none.
    for key in ("billingAddress", "deliveryAddress"):
        if key not in invoice:
            invoice[key] = copy.deepcopy(address)
    info = invoice["paymentInfo"]
    if (
        ctx.side == "sales"
        and info["paymentMethod"] == "BANK_TRANSFER"
        and not (info.get("bankAccount") or {}).get("accountNumber")
    ):
        default = store.default_invoice_bank_account()
        if default is not None:
            info["bankAccount"] = {"accountNumber": default["iban"]}
    if isinstance(info.get("bankReferenceCode"), str) and info["bankReferenceCode"]:
        code = finnish.compact(info["bankReferenceCode"])
        info["bankReferenceCode"] = code
        info["bankReferenceCodeType"] = "RF" if code.startswith("RF") else "FI"
    return invoice
