"""Business partners: search (name/identifier in HTTP headers), get, create, PUT, PATCH."""

from __future__ import annotations

import copy

from .. import enums, finnish
from .. import errors as E
from ..httputil import (
    batch_get,
    keyset,
    page_params,
    paginate,
    query_bool,
    read_json,
    version_filter,
)
from ..validation import ADDRESS_FIELDS, Checker, join
from . import route
from .common import check_version, find_or_404, pick, public, read_object, save

PARTNER_FIELDS = frozenset(
    """additionalInfo address attachments billingAddress contactPersons deliveryAddress id
    invoicingInfo name paymentInfo registryInfo type version""".split()
)
PATCHABLE_FIELDS = frozenset(
    ("id", "name", "type", "address", "invoicingInfo", "paymentInfo", "version")
)
INVOICING_INFO_FIELDS = frozenset(
    """accountingCode agreementNumber bccAddresses buyerReferenceIdentifier contactPerson
    customerNumber deliverySite denyEinvoiceReminders einvoiceAddress einvoiceOperator
    email identifier identifierType invoiceChannel language orderNumber orderReference
    ovt sellerReferenceIdentifier tenderReference""".split()
)
PAYMENT_INFO_FIELDS = frozenset(
    """bankAccount bic cashDiscount clearingCode currency customerAccountNumber
    deliveryMethod discountPercentage factoringContractId paymentMethod paymentTermDays
    paymentTermPercentage penalInterestRate""".split()
)
REGISTRY_INFO_FIELDS = frozenset(
    """active fax homeMunicipality mobilePhone partnerGroups phone reportGroup
    reportGroupId section""".split()
)


def basic_info(partner: dict) -> dict:
    body = pick(partner, ("id", "name", "type", "version", "billingAddress"))
    invoicing = pick(
        partner.get("invoicingInfo") or {}, ("customerNumber", "identifier", "identifierType")
    )
    if invoicing:
        body["invoicingInfo"] = invoicing
    body["registryInfo"] = {"active": (partner.get("registryInfo") or {}).get("active", True)}
    return body


def validate_partner(store, body, partner_id: int | None = None) -> dict:
    if not isinstance(body, dict):
        raise E.ApiError.single(400, E.INVALID_JSON)
    errors = E.FieldErrors()
    check = Checker(errors)
    check.unknown(body, PARTNER_FIELDS, "")
    check.string(body, "name", "name", True, 80, non_empty=True)
    partner_type = check.string(body, "type", "type", True, enum=enums.PARTNER_TYPES)
    if partner_type == "PERSON":
        errors.add("type", E.TYPE_NOT_ALLOWED)  # the API creates CUSTOMER/SUPPLIER only
    # "Required for customer" (api-notes 5.6).
    check.address(body, "address", "address", ADDRESS_FIELDS, partner_type == "CUSTOMER")
    check.address(body, "billingAddress", "billingAddress", ADDRESS_FIELDS)
    check.address(body, "deliveryAddress", "deliveryAddress", ADDRESS_FIELDS)
    _check_invoicing_info(store, check, body, partner_type, partner_id)
    _check_payment_info(check, body)
    registry = check.closed_obj(body, "registryInfo", "registryInfo", REGISTRY_INFO_FIELDS)
    if registry is not None:
        check.boolean(registry, "active", "registryInfo.active")
    check.obj(body, "additionalInfo", "additionalInfo")
    check.array(body, "contactPersons", "contactPersons")
    errors.raise_if_any()
    partner = {k: copy.deepcopy(v) for k, v in body.items() if k not in ("id", "version")}
    partner.setdefault("registryInfo", {}).setdefault("active", True)
    partner.pop("attachments", None)
    return partner


def _check_invoicing_info(store, check: Checker, body, partner_type, partner_id) -> None:
    info = check.closed_obj(body, "invoicingInfo", "invoicingInfo", INVOICING_INFO_FIELDS)
    if info is None:
        return
    for key in INVOICING_INFO_FIELDS - {"bccAddresses", "denyEinvoiceReminders"}:
        enum = {"invoiceChannel": enums.INVOICE_CHANNELS, "language": enums.LANGUAGES}
        check.string(info, key, join("invoicingInfo", key), enum=enum.get(key))
    identifier = info.get("identifier")
    if (
        isinstance(identifier, str)
        and finnish.looks_like_ytunnus(identifier)
        and not finnish.is_valid_ytunnus(identifier)
    ):
        check.errors.add("invoicingInfo.identifier", E.BRN_CODE)
    number = info.get("customerNumber")
    if number:
        for other in store.businessPartners.values():
            if (
                other["id"] != partner_id
                and other.get("type") == partner_type
                and (other.get("invoicingInfo") or {}).get("customerNumber") == number
            ):
                check.errors.add("invoicingInfo.customerNumber", E.CUSTOMER_NUMBER_IN_USE)
                break


def _check_payment_info(check: Checker, body) -> None:
    info = check.closed_obj(body, "paymentInfo", "paymentInfo", PAYMENT_INFO_FIELDS, required=True)
    if info is None:
        return
    check.string(
        info,
        "paymentMethod",
        "paymentInfo.paymentMethod",
        True,
        enum=enums.PARTNER_PAYMENT_METHODS,
    )
    check.string(info, "currency", "paymentInfo.currency", enum=enums.CURRENCIES)
    account = check.string(info, "bankAccount", "paymentInfo.bankAccount")
    if account and account[:2].isalpha() and not finnish.is_valid_iban(account):
        check.errors.add("paymentInfo.bankAccount", E.INVALID_IBAN)
    term = check.string(info, "paymentTermDays", "paymentInfo.paymentTermDays")
    if term is not None and term and not term.isdigit():
        check.errors.add("paymentInfo.paymentTermDays", E.INVALID_VALUE)


def _get(api, partner_id: int) -> dict:
    return find_or_404(api.store.businessPartners, partner_id)


@route("/businesspartners", "GET")
def search_business_partners(api, request):
    page, size = page_params(request)
    # Since API 23.09 name and identifier travel as HTTP headers (api-notes 3);
    # query parameters of those names are ignored like any unknown parameter.
    name = (request.headers.get("name") or "").lower()
    identifier = request.headers.get("identifier")
    number = request.args.get("customerNumber")
    partner_type = request.args.get("type")
    active = query_bool(request, "active", True)
    in_versions = version_filter(request)
    found = []
    for partner in api.store.businessPartners.values():
        invoicing = partner.get("invoicingInfo") or {}
        if name and name not in partner["name"].lower():
            continue
        if identifier and invoicing.get("identifier") != identifier:
            continue
        if number and invoicing.get("customerNumber") != number:
            continue
        if partner_type and partner["type"] != partner_type:
            continue
        if (partner.get("registryInfo") or {}).get("active", True) != active:
            continue
        if not in_versions(partner):
            continue
        found.append(partner)
    found = keyset(found, request, "DESC")
    return 200, paginate([basic_info(p) for p in found], page, size)


@route("/businesspartners/<ids>", "GET")
def get_business_partners(api, request, ids):
    return 200, batch_get(api.store.businessPartners, ids, public)


@route("/businesspartners", "POST")
def create_business_partner(api, request):
    store = api.store
    partner = validate_partner(store, read_json(request))
    return save(store, store.businessPartners, store.next_id("businessPartner"), partner)


@route("/businesspartners/<int:partner_id>", "PUT")
def replace_business_partner(api, request, partner_id):
    current = _get(api, partner_id)
    body = read_json(request)
    if isinstance(body, dict) and body.get("version") not in (None, current["version"]):
        # A stale version is refused like PATCH does: an update never overwrites a change
        # it did not see.
        raise E.ApiError.single(400, E.INVALID_VERSION, "version")
    partner = validate_partner(api.store, body, partner_id)
    return save(api.store, api.store.businessPartners, partner_id, partner)


@route("/businesspartners/<int:partner_id>", "PATCH")
def patch_business_partner(api, request, partner_id):
    current = _get(api, partner_id)
    body = read_object(request)
    check_version(body.get("version") or request.args.get("version"), current)
    errors = E.FieldErrors()
    for key in body:
        if key not in PATCHABLE_FIELDS:
            errors.add(key, E.NOT_EDITABLE)
    errors.raise_if_any()
    merged = copy.deepcopy(current)
    for key, value in body.items():
        if key in ("id", "version"):
            continue
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key].update(copy.deepcopy(value))
        else:
            merged[key] = copy.deepcopy(value)
    partner = validate_partner(api.store, merged, partner_id)
    return save(api.store, api.store.businessPartners, partner_id, partner)
