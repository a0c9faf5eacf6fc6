"""Master data: status, session, company, VAT, chart of accounts, dimensions,
fiscal years, bank accounts, company currency."""

from __future__ import annotations

from datetime import date

from .. import errors as E
from ..httputil import keyset, page_params, paginate, query_int
from . import route
from .common import pick, public

API_VERSION = "26.04"
VAT_PERCENT_KEYS = ("vatPercent", "sales", "purchase")
VAT_STATUS_KEYS = ("vatStatus", "description", "sales", "purchase")
BANK_ACCOUNT_BASIC_KEYS = (
    "id",
    "accountNumber",
    "iban",
    "bic",
    "bankName",
    "currency",
    "defaultForInvoice",
    "defaultForPayment",
    "status",
    "orderNo",
    "associatedAccounts",
    "version",
)


@route("/status", "GET")
def get_status(api, request):
    return 200, {
        "name": "Procountor API (procountor_sandbox)",
        "version": API_VERSION,
        "status": "OK",
        "procountorVersion": API_VERSION,
    }


@route("/sessioninfo", "GET")
def get_session_info(api, request):
    company = api.store.company
    session = api.store.session
    body = {
        "companyId": company.get("id"),
        "name": company.get("name"),
        "country": company.get("country"),
        "productVersion": company.get("productVersion"),
        **pick(session, ("userId", "userName", "companySettings")),
    }
    return 200, {key: value for key, value in body.items() if value is not None}


@route("/company", "GET")
def get_company(api, request):
    return 200, public(api.store.company)


@route("/vats/default", "GET")
def get_vat_defaults(api, request):
    store = api.store
    country = (store.company.get("country") or "FINLAND").replace("_", " ").title()
    return 200, {
        "vatInformation": [
            {
                "country": country,
                "percentages": [pick(p, VAT_PERCENT_KEYS) for p in store.vatPercents],
            }
        ],
        "vatStatuses": [pick(s, VAT_STATUS_KEYS) for s in store.vatStatuses],
    }


@route("/vats/settings", "GET")
def get_vat_settings(api, request):
    return 200, public(api.store.vatSettings)


@route("/vats/country", "GET")
def get_vat_percentages_for_country(api, request):
    code = request.args.get("countryCode", "")
    if len(code) != 2 or not code.isalpha():
        raise E.ApiError.single(400, E.INVALID_VALUE, "countryCode")
    if code.upper() != "FI":
        return 200, {"vatPercentages": []}
    today = date.today()
    percents = [
        p["vatPercent"]
        for p in api.store.vatPercents
        if api.store.vat_percent_in_use(p["vatPercent"], today, "sales")
    ]
    return 200, {"vatPercentages": sorted(set(percents), reverse=True)}


@route("/coa", "GET")
def get_chart_of_accounts(api, request):
    return 200, {"ledgerAccounts": [public(a) for a in api.store.ledgerAccounts]}


@route("/dimensions", "GET")
def get_dimensions(api, request):
    name = (request.args.get("name") or "").lower()
    return 200, [public(d) for d in api.store.dimensions if name in d["name"].lower()]


@route("/dimensions/<int:dimension_id>", "GET")
def get_dimension(api, request, dimension_id):
    dimension = api.store.dimension(dimension_id)
    if dimension is None:
        raise E.not_found()
    return 200, public(dimension)


@route("/fiscalyears", "GET")
def get_fiscal_years(api, request):
    years = sorted(api.store.fiscalYears, key=lambda y: y["startDate"], reverse=True)
    return 200, {"fiscalYears": [public(y) for y in years]}


@route("/bankaccounts", "GET")
def get_bank_accounts(api, request):
    page, size = page_params(request)
    accounts = list(api.store.bankAccounts.values())
    previous = query_int(request, "previousId", None, minimum=0)
    if previous and previous not in api.store.bankAccounts:
        raise E.not_found()
    if request.args.get("orderById"):
        accounts = keyset(accounts, request, "ASC")
    else:
        # orderByOrderNo ASC is the documented default.
        accounts = sorted(accounts, key=lambda a: (a.get("orderNo", 0), a["id"]))
        if previous:
            accounts = [a for a in accounts if a["id"] > previous]
    return 200, paginate([pick(a, BANK_ACCOUNT_BASIC_KEYS) for a in accounts], page, size)


@route("/bankaccounts/<int:account_id>", "GET")
def get_bank_account(api, request, account_id):
    account = api.store.bankAccounts.get(account_id)
    if account is None:
        raise E.not_found()
    return 200, public(account)


@route("/currencies/company", "GET")
def get_company_currency(api, request):
    return 200, {"companyCurrency": api.store.company_currency()}
