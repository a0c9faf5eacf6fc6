"""Products: keyset search (previousId + size, no page), get, create, replace, delete."""

from __future__ import annotations

import copy

from .. import defaults, enums
from .. import errors as E
from ..httputil import batch_get, keyset, query_bool, query_int, read_json, version_filter
from ..validation import Checker, join
from . import route
from .common import find_or_404, public, save

PRODUCT_FIELDS = frozenset(
    """active bookkeepingAccount code currency defaultAccount discount endDate id name
    price productGroupId productLocalizations startDate type unit vat vatStatus
    version""".split()
)


def validate_product(store, body) -> dict:
    if not isinstance(body, dict):
        raise E.ApiError.single(400, E.INVALID_JSON)
    errors = E.FieldErrors()
    check = Checker(errors)
    check.unknown(body, PRODUCT_FIELDS, "")
    check.string(body, "type", "type", True, enum=enums.PRODUCT_TYPES)
    check.string(body, "name", "name", True, 100, non_empty=True)
    check.string(body, "code", "code", max_len=40)
    check.string(body, "unit", "unit", enum=enums.UNITS)
    check.number(body, "discount", "discount", True, 0, 100)
    check.number(body, "price", "price", required=True)
    check.boolean(body, "active", "active", required=True)
    check.string(body, "currency", "currency", True, enum=enums.CURRENCIES)
    vat = check.number(body, "vat", "vat")
    if (
        vat is not None
        and not store.vat_percent_in_use(vat, None, "sales")
        and not (store.vat_percent_in_use(vat, None, "purchase"))
    ):
        errors.add("vat", E.VAT_PERCENT_NOT_IN_USE)
    status = check.number(body, "vatStatus", "vatStatus", integer=True)
    if status is not None and store.vat_status(status) is None:
        errors.add("vatStatus", E.VAT_STATUS_NOT_IN_USE)
    for key in ("defaultAccount", "bookkeepingAccount"):
        account = check.string(body, key, key)
        if account and store.ledger_account(account) is None:
            errors.add(key, E.LEDGER_ACCOUNT_NOT_FOUND)
    for key in ("startDate", "endDate"):
        check.date(body, key, key)
    for index, item in enumerate(
        check.array(body, "productLocalizations", "productLocalizations") or []
    ):
        path = f"productLocalizations[{index}]"
        check.string(item, "language", join(path, "language"), True, enum=enums.LANGUAGES)
        check.string(item, "productName", join(path, "productName"), max_len=100)
    errors.raise_if_any()
    return {k: copy.deepcopy(v) for k, v in body.items() if k not in ("id", "version")}


def _get(api, product_id: int) -> dict:
    return find_or_404(api.store.products, product_id)


@route("/products", "GET")
def search_products(api, request):
    size = query_int(request, "size", defaults.DEFAULT_PAGE_SIZE, minimum=1)
    if size > defaults.MAX_PAGE_SIZE:
        raise E.ApiError.single(400, E.VALUE_OUT_OF_RANGE, "size")
    name = (request.args.get("name") or "").lower()
    code = (request.args.get("code") or "").lower()
    product_type = request.args.get("type")
    types = {product_type} if product_type else {"SALES", "PURCHASE"}
    active = query_bool(request, "active", None)
    in_versions = version_filter(request)
    found = [
        product
        for product in api.store.products.values()
        if product["type"] in types
        and name in product["name"].lower()
        and code in (product.get("code") or "").lower()
        and (active is None or product.get("active") == active)
        and in_versions(product)
    ]
    total = len(found)
    chunk = keyset(found, request, "ASC")[:size]
    return 200, {
        "results": [public(p) for p in chunk],
        "meta": {"pageNumber": 0, "pageSize": size, "resultCount": len(chunk), "totalCount": total},
    }


@route("/products/<ids>", "GET")
def get_products(api, request, ids):
    return 200, batch_get(api.store.products, ids, public)


@route("/products", "POST")
def create_product(api, request):
    store = api.store
    product = validate_product(store, read_json(request))
    return save(store, store.products, store.next_id("product"), product)


@route("/products/<int:product_id>", "PUT")
def update_product(api, request, product_id):
    current = _get(api, product_id)
    body = read_json(request)
    if isinstance(body, dict) and body.get("version") not in (None, current["version"]):
        raise E.ApiError.single(400, E.INVALID_VERSION, "version")
    product = validate_product(api.store, body)
    return save(api.store, api.store.products, product_id, product)


@route("/products/<int:product_id>", "DELETE")
def delete_product(api, request, product_id):
    product = _get(api, product_id)
    if product["type"] == "TRAVEL":
        raise E.ApiError.single(400, E.TYPE_NOT_ALLOWED, "type")
    del api.store.products[product_id]
    return 204, None
