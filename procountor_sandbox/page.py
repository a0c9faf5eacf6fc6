"""The sandbox page: ``GET /`` shows what the sandbox holds, its buttons act on it.

``GET /`` answers HTML (``page_html.py``): invoices with their status and payments,
purchase invoices, business partners, products and ledger receipts, newest first. The
buttons are plain forms that POST to ``/_sandbox/page/...``; each handler calls the same
function as the JSON control API (``control.pay_invoice``, ``control.unpay_invoice``,
``control.move_invoice``) under the store lock, then redirects back to ``/`` (303,
Post/Redirect/Get). A refused action answers 400/404/409 with an HTML message and changes
nothing.

Like the control API the page needs no token and is served wherever the sandbox listens;
it never enters the API journal. A form POST that a browser says comes from another site
(``Origin`` or ``Sec-Fetch-Site``) is refused, since form posts, unlike the control API's
JSON, need no CORS preflight.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.utils import redirect
from werkzeug.wrappers import Response

from . import control, labels
from . import errors as E
from .page_html import ACTION_ROOT, can_pay, error_document, main_page, open_amount
from .routes.invoices import approval_target

DEFAULT_LIMIT = 100
MAX_AMOUNT = Decimal("1e12")
HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    # Not "no-referrer": under it a browser sends "Origin: null" with the page's own form
    # posts, which then look as if they came from elsewhere.
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
}


class PageError(Exception):
    """A refused page action: HTTP status, a headline and the details."""

    def __init__(self, status: int, message: str, *details: str):
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = list(details)


def handles(path: str) -> bool:
    """True for the paths this module answers: ``/`` and ``/_sandbox/page/...``."""
    return path == "/" or path == ACTION_ROOT or path.startswith(ACTION_ROOT + "/")


def html_response(status: int, text: str) -> Response:
    response = Response(text, status=status, content_type="text/html; charset=utf-8")
    response.headers.update(HEADERS)
    return response


# --- helpers ------------------------------------------------------------------------------
def _invoice(store, invoice_id: int) -> dict:
    invoice = store.invoices.get(invoice_id)
    if invoice is None:
        raise PageError(404, "No such invoice", f"The sandbox has no invoice with id {invoice_id}.")
    return invoice


def _name(invoice: dict, first: bool = False) -> str:
    """``invoice 1001 (id 100001)``; ``first``: capitalised, to begin a sentence."""
    return f"{'I' if first else 'i'}nvoice {invoice.get('invoiceNumber')} (id {invoice['id']})"


def _status(invoice: dict) -> str:
    return labels.label(labels.INVOICE_STATUS, invoice["status"])[0].lower()


def parse_amount(raw: str | None) -> Decimal:
    """``"1 234,50"`` or ``"1234.5"`` → Decimal; PageError 400 for anything else."""
    text = (raw or "").strip().replace(" ", "").replace("\u00a0", "").replace(",", ".")
    problem = PageError(
        400,
        "Bad amount",
        f"{raw!r} is not an amount: write a number with at most two decimals, e.g. 120.50.",
    )
    if not text:
        raise PageError(400, "Bad amount", "Enter the amount paid, or press Pay in full.")
    try:
        amount = Decimal(text)
    except InvalidOperation as error:
        raise problem from error
    if not amount.is_finite() or amount.as_tuple().exponent < -2 or abs(amount) >= MAX_AMOUNT:
        raise problem
    if amount == 0:
        raise PageError(400, "Bad amount", "A payment of 0.00 changes nothing.")
    return amount


def _back(done: str, invoice_id: int) -> Response:
    return redirect(f"/?done={done}&invoice={invoice_id}#invoice-{invoice_id}", code=303)


def _from_elsewhere(request) -> bool:
    """True when the browser says the form was posted by another site."""
    site = request.headers.get("Sec-Fetch-Site")
    if site not in (None, "same-origin", "none"):
        return True
    origin = request.headers.get("Origin")
    if origin is None:
        return False
    if origin == "null":
        # An opaque origin: what a browser sends for a page served with "no-referrer" (as
        # this page once was, still open in a tab), or for a sandboxed frame: only the
        # browser's own same-origin word tells them apart.
        return site != "same-origin"
    return urlsplit(origin).netloc.lower() != request.host.lower()


# --- handlers -----------------------------------------------------------------------------
def show(app, request) -> Response:
    raw = request.args.get("limit", "")
    limit = int(raw) if raw.isdigit() else DEFAULT_LIMIT
    return html_response(200, main_page(app.store, limit, _notice(app.store, request.args)))


NOTICES = {
    "approved": "{first} approved: it is now {status}.",
    "paid": "Payment recorded on {name}: it is now {status}.",
    "removed": "Payment removed from {name}: it is now {status}.",
}


def _notice(store, args) -> str | None:
    template = NOTICES.get(args.get("done", ""))
    raw = args.get("invoice", "")
    invoice = store.invoices.get(int(raw)) if raw.isdigit() else None
    if template is None or invoice is None:
        return None
    return template.format(first=_name(invoice, True), name=_name(invoice), status=_status(invoice))


def approve(app, request, invoice_id) -> Response:
    """Approve as Procountor's UI does: a sales invoice UNFINISHED → NOT_SENT, a purchase
    invoice UNFINISHED/RECEIVED/VERIFIED → APPROVED (``POST invoices/{id}/status``)."""
    invoice = _invoice(app.store, invoice_id)
    try:
        target = approval_target(invoice)
    except E.ApiError as error:
        raise PageError(
            409,
            "Cannot approve",
            f"{_name(invoice, True)} is {_status(invoice)}: nothing to approve.",
        ) from error
    control.move_invoice(app.store, invoice_id, {"status": target})
    return _back("approved", invoice_id)


def pay(app, request, invoice_id) -> Response:
    """A payment received (``POST invoices/{id}/payments``): ``mode`` full (what is still
    open) or part (``amount``), ``type`` bank statement, reference payment or cash,
    ``paymentDate`` (empty: today)."""
    store = app.store
    invoice = _invoice(store, invoice_id)
    form = request.form
    kind = form.get("type", "BANKSTATEMENT")
    if kind not in labels.PAGE_PAYMENT_TYPES:
        allowed = ", ".join(labels.PAGE_PAYMENT_TYPES)
        raise PageError(400, "Unknown payment type", f"{kind!r} is not one of {allowed}.")
    mode = form.get("mode", "part")
    if mode == "full":
        remaining = open_amount(store, invoice)
        if invoice["status"] not in ("UNFINISHED", "INVALIDATED") and not can_pay(
            store, invoice, remaining
        ):
            raise PageError(
                409, "Nothing to pay", f"{_name(invoice, True)} has nothing left to pay."
            )
        amount = remaining
    elif mode == "part":
        amount = parse_amount(form.get("amount"))
    else:
        raise PageError(400, "Unknown button", f"{mode!r} is neither full nor part.")
    body = {"amount": float(amount), "type": kind}
    if form.get("paymentDate"):
        body["paymentDate"] = form["paymentDate"]
    control.pay_invoice(store, invoice_id, body)
    return _back("paid", invoice_id)


def remove_payment(app, request, invoice_id, event_id) -> Response:
    """Remove a payment event (``DELETE invoices/{id}/payments/{event id}``)."""
    store = app.store
    invoice = _invoice(store, invoice_id)
    event = store.paymentEvents.get(event_id)
    if event is None or event["invoiceId"] != invoice_id:
        raise PageError(
            404, "No such payment", f"{_name(invoice, True)} has no payment {event_id}."
        )
    control.unpay_invoice(store, invoice_id, event_id)
    return _back("removed", invoice_id)


PAGE_MAP = Map(
    [
        Rule("/", methods=["GET"], endpoint=show),
        Rule(
            f"{ACTION_ROOT}/invoices/<int:invoice_id>/approve", methods=["POST"], endpoint=approve
        ),
        Rule(f"{ACTION_ROOT}/invoices/<int:invoice_id>/pay", methods=["POST"], endpoint=pay),
        Rule(
            f"{ACTION_ROOT}/invoices/<int:invoice_id>/payments/<int:event_id>/remove",
            methods=["POST"],
            endpoint=remove_payment,
        ),
    ],
    strict_slashes=False,
)

#: Readable headlines of the control functions' refusals.
API_HEADLINES = {400: "Refused", 403: "Not allowed", 404: "Not found", 409: "Not possible now"}


def _api_error_page(error: E.ApiError) -> Response:
    details = [
        f"{item.field}: {item.message}" if item.field else item.message for item in error.items
    ]
    if any(item.message == E.INVALID_STATUS for item in error.items):
        details.append("Approve the invoice first: unfinished or invalidated ones take no payment.")
    headline = API_HEADLINES.get(error.status, "Refused")
    return html_response(error.status, error_document(error.status, headline, details))


def dispatch(app, request) -> Response:
    adapter = PAGE_MAP.bind("sandbox", "/")
    try:
        handler, arguments = adapter.match(request.path, method=request.method)
    except NotFound:
        return html_response(404, error_document(404, "Not found", [request.path]))
    except MethodNotAllowed:
        detail = f"{request.method} {request.path}: the page's buttons POST, the page is GET /."
        return html_response(405, error_document(405, "Method not allowed", [detail]))
    if request.method == "POST" and _from_elsewhere(request):
        detail = "The sandbox page takes its buttons only from itself."
        return html_response(403, error_document(403, "Form from another site", [detail]))
    with app.store.lock:
        try:
            return handler(app, request, **arguments)
        except PageError as error:
            return html_response(
                error.status, error_document(error.status, error.message, error.details)
            )
        except E.ApiError as error:
            return _api_error_page(error)
