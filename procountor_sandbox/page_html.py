"""HTML of the sandbox page (``page.py``): plain server-rendered markup, no script.

Every value from the store goes through :func:`esc`; money is shown with two decimals
and its currency; codes are shown by their labels (``labels.py``).
"""

from __future__ import annotations

import html
from datetime import date
from decimal import Decimal

from . import enums, labels
from .money import dec, invoice_totals
from .routes.invoices import APPROVABLE_PURCHASES, APPROVABLE_SALES
from .routes.payments import paid_so_far

ACTION_ROOT = "/_sandbox/page"
NBSP = "\u00a0"

STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:0 1.5em 2em;color:#1d2733;background:#f6f7f9}
header{display:flex;align-items:baseline;gap:1.5em;flex-wrap:wrap;padding:.8em 0}
header h1{font-size:1.4em;margin:0}
nav a{margin-right:1em}
a{color:#0b5cad}
h2{font-size:1.15em;margin:1.6em 0 .4em}
h2 small,.muted{color:#5b6673;font-weight:normal}
table{border-collapse:collapse;width:100%;background:#fff;box-shadow:0 1px 2px #0002}
th,td{padding:.35em .5em;border-bottom:1px solid #e3e6ea;text-align:left;vertical-align:top}
th{background:#eef1f4;font-weight:600;white-space:nowrap}
td.num,th.num{text-align:right;white-space:nowrap}
tr:target{background:#fff6d6}
.st{display:inline-block;padding:0 .45em;border-radius:3px;background:#e6e9ed;white-space:nowrap}
.st small,.lbl small{display:block;font-size:.8em;color:#5b6673}
.st-paid,.st-marked_paid{background:#d8f1de}
.st-partly_paid{background:#fdebc8}
.st-unfinished{background:#f1e4f7}
.st-invalidated{background:#f6d7d7}
.st-sent,.st-not_sent,.st-approved{background:#dde9f8}
ul.pay{list-style:none;margin:0;padding:0}
ul.pay li{white-space:nowrap;margin-bottom:.3em}
.nowrap{white-space:nowrap}
th.actions{width:23em}
form{display:inline;margin:0}
form.payform{display:flex;gap:.3em;flex-wrap:wrap;align-items:center}
input,select,button{font:inherit;font-size:.92em}
input[name=amount]{width:6.5em}
select[name=type]{width:10.5em}
button{cursor:pointer;border:1px solid #8a96a3;border-radius:3px;background:#fff;padding:.1em .5em}
button.primary{background:#0b5cad;color:#fff;border-color:#0b5cad}
button.link{border:0;background:none;color:#a11;padding:0 .2em}
.notice{background:#d8f1de;border:1px solid #9bd1a9;padding:.5em .8em;margin:.5em 0}
.error{background:#f6d7d7;border:1px solid #d99;padding:.8em 1em;margin:1em 0}
details summary{cursor:pointer;color:#0b5cad}
"""


def esc(value) -> str:
    """``value`` as HTML text (None → empty)."""
    return "" if value is None else html.escape(str(value), quote=True)


def money(value, currency: str | None) -> str:
    """``1 234.50 EUR``: two decimals, a no-break space between thousands."""
    amount = Decimal(0) if value is None else dec(value)
    text = f"{amount:,.2f}".replace(",", NBSP).replace("-", "\u2212")
    return esc(f"{text}{NBSP}{currency or ''}".rstrip())


def labelled(table: dict, code, css: str | None = None) -> str:
    """A code by its English label, the Finnish one under it, the code as a tooltip."""
    english, finnish = labels.label(table, code)
    extra = f"<small>{esc(finnish)}</small>" if finnish else ""
    classes = f"st st-{esc(str(code).lower())}" if css == "status" else "lbl"
    return f'<span class="{classes}" title="{esc(code)}">{esc(english)}{extra}</span>'


def document(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{STYLE}</style></head>"
        f"<body>{body}</body></html>\n"
    )


def error_document(status: int, message: str, details: list[str]) -> str:
    items = "".join(f"<li>{esc(detail)}</li>" for detail in details)
    body = (
        f'<div class="error" role="alert"><h1>{esc(status)}: {esc(message)}</h1>'
        f"{f'<ul>{items}</ul>' if items else ''}"
        "<p>Nothing was changed.</p></div>"
        '<p><a href="/">Back to the sandbox page</a></p>'
    )
    return document(f"{status} {message}: Procountor sandbox", body)


def _form(action: str, label: str, css: str = "", title: str = "") -> str:
    hint = f' title="{esc(title)}"' if title else ""
    return (
        f'<form method="post" action="{esc(action)}">'
        f'<button type="submit" class="{css}"{hint}>{esc(label)}</button></form>'
    )


def _newest(table: dict, limit: int) -> tuple[list, int]:
    ids = sorted(table, reverse=True)
    shown = ids if limit <= 0 else ids[:limit]
    return [table[key] for key in shown], len(ids)


def _heading(anchor: str, title: str, shown: int, total: int) -> str:
    more = ""
    if shown < total:
        more = f' · the newest {shown} of {total}: <a href="/?limit=0#{anchor}">show all</a>'
    return f'<h2 id="{anchor}">{esc(title)} <small>({total}{more})</small></h2>'


# --- invoices -----------------------------------------------------------------------------
def _payments(store, invoice: dict) -> str:
    events = sorted(
        (e for e in store.paymentEvents.values() if e["invoiceId"] == invoice["id"]),
        key=lambda e: (e["paymentDate"], e["id"]),
        reverse=True,
    )
    if not events:
        return '<span class="muted">none</span>'
    rows = []
    for event in events:
        kind, _fi = labels.label(labels.PAYMENT_TYPE, event.get("type"))
        currency = event.get("paidCurrency") or (invoice.get("paymentInfo") or {}).get("currency")
        action = f"{ACTION_ROOT}/invoices/{invoice['id']}/payments/{event['id']}/remove"
        remove = _form(action, "remove", "link", f"Remove payment {event['id']}")
        rows.append(
            f"<li><b>{money(event.get('paidAmount'), currency)}</b> "
            f"{esc(event['paymentDate'])}<br>"
            f'<span class="muted" title="{esc(event.get("type"))}">{esc(kind)}</span> '
            f"{remove}</li>"
        )
    return f'<ul class="pay">{"".join(rows)}</ul>'


def open_amount(store, invoice: dict) -> Decimal:
    """What is still to be paid, in the invoice currency (negative for a credit note)."""
    _net, _vat, total = invoice_totals(invoice)
    return total - paid_so_far(store, invoice["id"])


def can_pay(store, invoice: dict, remaining: Decimal) -> bool:
    """Whether the page offers to pay: approved and something still open (a credit note:
    a refund still owed)."""
    if invoice["status"] in ("UNFINISHED", "INVALIDATED"):
        return False
    _net, _vat, total = invoice_totals(invoice)
    return remaining != 0 and (remaining > 0) == (total > 0)


def can_approve(invoice: dict) -> bool:
    if invoice["type"] in enums.SALES_TYPES:
        return invoice["status"] in APPROVABLE_SALES
    return invoice["status"] in APPROVABLE_PURCHASES


def _pay_form(invoice: dict, remaining: Decimal, today: str) -> str:
    currency = (invoice.get("paymentInfo") or {}).get("currency")
    options = "".join(
        f'<option value="{code}">{esc(labels.PAYMENT_TYPE[code][0])}</option>'
        for code in labels.PAGE_PAYMENT_TYPES
    )
    return (
        f'<form method="post" class="payform" action="{ACTION_ROOT}/invoices/{invoice["id"]}/pay">'
        f'<select name="type" aria-label="Payment type">{options}</select>'
        f'<input type="date" name="paymentDate" value="{esc(today)}" aria-label="Payment date">'
        f'<input name="amount" inputmode="decimal" aria-label="Amount ({esc(currency)})" '
        f'placeholder="{esc(f"{remaining:.2f}")}">'
        '<button type="submit" name="mode" value="part">Pay amount</button>'
        '<button type="submit" name="mode" value="full" class="primary">Pay in full</button>'
        "</form>"
    )


def _actions(store, invoice: dict, remaining: Decimal, today: str) -> str:
    parts = []
    if can_approve(invoice):
        parts.append(_form(f"{ACTION_ROOT}/invoices/{invoice['id']}/approve", "Approve", "primary"))
    elif can_pay(store, invoice, remaining):  # approved first, as in Procountor
        parts.append(_pay_form(invoice, remaining, today))
    return "".join(parts) or '<span class="muted">–</span>'


def _invoice_row(store, invoice: dict, today: str, purchase: bool) -> str:
    payment = invoice.get("paymentInfo") or {}
    currency = payment.get("currency")
    _net, _vat, total = invoice_totals(invoice)
    remaining = open_amount(store, invoice)
    party = (invoice.get("counterParty") or {}).get("counterPartyAddress") or {}
    kind, _fi = labels.label(labels.DOCUMENT_TYPE, invoice["type"])
    if total < 0:
        kind = "Credit note"
    receipt = invoice.get("ledgerReceiptId")
    receipt_link = f'<br><a href="#receipt-{receipt}">receipt {esc(receipt)}</a>' if receipt else ""
    channel = ""
    if not purchase:
        english, finnish = labels.label(labels.INVOICE_CHANNEL, invoice.get("invoiceChannel"))
        hint = f"{finnish} ({invoice.get('invoiceChannel')})"
        channel = f'<span class="muted" title="{esc(hint)}">{esc(english)}</span>'
    return (
        f'<tr id="invoice-{invoice["id"]}">'
        f'<td class="nowrap">{esc(invoice.get("invoiceNumber"))}<br>'
        f'<span class="muted">id {esc(invoice["id"])}</span></td>'
        f'<td>{esc(kind)}<br><span class="muted">{esc(invoice.get("originalInvoiceNumber"))}'
        f"</span></td>"
        f"<td>{esc(party.get('name'))}<br>"
        f'<span class="muted">{esc(invoice.get("partnerId") or "")}</span></td>'
        f'<td class="nowrap">{esc(invoice.get("date"))}<br>'
        f'<span class="muted">due {esc(payment.get("dueDate"))}</span></td>'
        f'<td class="num">{money(total, currency)}<br>'
        f'<span class="muted">open {money(remaining, currency)}</span></td>'
        f"<td>{labelled(labels.INVOICE_STATUS, invoice['status'], 'status')}"
        f"{f'<br>{channel}' if channel else ''}{receipt_link}</td>"
        f"<td>{_payments(store, invoice)}</td>"
        f"<td>{_actions(store, invoice, remaining, today)}</td></tr>"
    )


def invoices_section(store, limit: int, purchase: bool, today: str) -> str:
    wanted = enums.PURCHASE_TYPES if purchase else enums.INVOICE_TYPES - enums.PURCHASE_TYPES
    table = {key: inv for key, inv in store.invoices.items() if inv["type"] in wanted}
    rows, total = _newest(table, limit)
    anchor, title = ("purchases", "Purchase invoices") if purchase else ("invoices", "Invoices")
    party = "Supplier" if purchase else "Customer"
    head = _heading(anchor, title, len(rows), total)
    if not rows:
        return f'{head}<p class="muted">None yet.</p>'
    body = "".join(_invoice_row(store, invoice, today, purchase) for invoice in rows)
    return (
        f"{head}<table><thead><tr><th>No.</th><th>Type / original no.</th><th>{party}</th>"
        '<th>Date</th><th class="num">Total</th><th>Status</th><th>Payments</th>'
        f'<th class="actions">Actions</th></tr></thead><tbody>{body}</tbody></table>'
    )


# --- registers and books ------------------------------------------------------------------
def partners_section(store, limit: int) -> str:
    rows, total = _newest(store.businessPartners, limit)
    head = _heading("partners", "Business partners", len(rows), total)
    if not rows:
        return f'{head}<p class="muted">None.</p>'
    body = []
    for partner in rows:
        invoicing = partner.get("invoicingInfo") or {}
        address = partner.get("address") or {}
        active = (partner.get("registryInfo") or {}).get("active", True)
        body.append(
            f'<tr id="partner-{esc(partner["id"])}"><td>{esc(partner["id"])}</td>'
            f"<td>{esc(partner.get('name'))}</td>"
            f"<td>{labelled(labels.PARTNER_TYPE, partner.get('type'))}</td>"
            f"<td>{esc(invoicing.get('identifier'))}</td>"
            f"<td>{esc(invoicing.get('customerNumber'))}</td>"
            f"<td>{esc(address.get('city'))}</td>"
            f"<td>{labelled(labels.INVOICE_CHANNEL, invoicing.get('invoiceChannel'))}</td>"
            f"<td>{'yes' if active else 'no'}</td></tr>"
        )
    return (
        f"{head}<table><thead><tr><th>Id</th><th>Name</th><th>Type</th><th>Business ID</th>"
        "<th>Customer no.</th><th>City</th><th>Channel</th><th>Active</th></tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def products_section(store, limit: int) -> str:
    rows, total = _newest(store.products, limit)
    head = _heading("products", "Products", len(rows), total)
    if not rows:
        return f'{head}<p class="muted">None.</p>'
    body = [
        f'<tr id="product-{esc(product["id"])}"><td>{esc(product["id"])}</td>'
        f"<td>{esc(product.get('code'))}</td><td>{esc(product.get('name'))}</td>"
        f"<td>{labelled(labels.PRODUCT_TYPE, product.get('type'))}</td>"
        f"<td>{esc(product.get('unit'))}</td>"
        f'<td class="num">{money(product.get("price"), product.get("currency"))}</td>'
        f'<td class="num">{esc(product.get("vat"))}{NBSP}%</td>'
        f"<td>{esc(product.get('defaultAccount'))}</td>"
        f"<td>{'yes' if product.get('active', True) else 'no'}</td></tr>"
        for product in rows
    ]
    return (
        f"{head}<table><thead><tr><th>Id</th><th>Code</th><th>Name</th><th>Type</th>"
        '<th>Unit</th><th class="num">Price</th><th class="num">VAT</th><th>Account</th>'
        f"<th>Active</th></tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def _transactions(receipt: dict, currency: str) -> str:
    rows = "".join(
        f"<tr><td>{esc(labels.label(labels.TRANSACTION_TYPE, t.get('transactionType'))[0])}</td>"
        f"<td>{esc(t.get('account'))}</td><td>{esc(t.get('description'))}</td>"
        f'<td class="num">{money(t.get("accountingValue"), currency)}</td>'
        f'<td class="num">{esc(t.get("vatPercent"))}{NBSP}%</td></tr>'
        for t in receipt.get("transactions") or []
    )
    return (
        f"<details><summary>{len(receipt.get('transactions') or [])} transactions</summary>"
        "<table><thead><tr><th>Kind</th><th>Account</th><th>Text</th>"
        f'<th class="num">Value</th><th class="num">VAT</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></details>"
    )


def receipts_section(store, limit: int) -> str:
    rows, total = _newest(store.ledgerReceipts, limit)
    head = _heading("receipts", "Ledger receipts", len(rows), total)
    if not rows:
        return f'{head}<p class="muted">None.</p>'
    currency = store.company_currency()
    body = []
    for receipt in rows:
        invoice = store.invoices.get(receipt.get("invoiceId"))
        status = invoice["status"] if invoice else receipt.get("status")
        values = [dec(t.get("accountingValue", 0)) for t in receipt.get("transactions") or []]
        # The larger side (VAT is split off by Procountor, not a transaction of its own).
        size = max(sum((v for v in values if v > 0), Decimal(0)), -sum(v for v in values if v < 0))
        link = (
            f'<a href="#invoice-{invoice["id"]}">invoice {esc(invoice.get("invoiceNumber"))}</a>'
            if invoice
            else ""
        )
        body.append(
            f'<tr id="receipt-{esc(receipt["id"])}"><td>{esc(receipt.get("receiptNumber"))}<br>'
            f'<span class="muted">id {esc(receipt["id"])}</span></td>'
            f"<td>{labelled(labels.DOCUMENT_TYPE, receipt.get('type'))}</td>"
            f"<td>{esc(receipt.get('receiptDate'))}</td><td>{esc(receipt.get('name'))}</td>"
            f"<td>{labelled(labels.INVOICE_STATUS, status, 'status') if status else ''}</td>"
            f"<td>{link}</td>"
            f'<td class="num">{money(size, currency)}</td>'
            f"<td>{_transactions(receipt, currency)}</td></tr>"
        )
    return (
        f"{head}<table><thead><tr><th>No.</th><th>Type</th><th>Date</th><th>Name</th>"
        '<th>Status</th><th>Invoice</th><th class="num">Total</th><th>Books</th>'
        f"</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def main_page(store, limit: int, notice: str | None = None) -> str:
    company = store.company or {}
    today = date.today().isoformat()
    counts = (
        f"{len(store.invoices)} invoices · {len(store.businessPartners)} partners · "
        f"{len(store.products)} products · {len(store.ledgerReceipts)} ledger receipts"
    )
    header = (
        f"<header><h1>Procountor sandbox: {esc(company.get('name'))}</h1>"
        f'<span class="muted">{esc((company.get("businessIdentifier") or {}).get("code"))} · '
        f"{esc(counts)}</span>"
        '<nav><a href="#invoices">Invoices</a><a href="#purchases">Purchase invoices</a>'
        '<a href="#partners">Partners</a><a href="#products">Products</a>'
        '<a href="#receipts">Ledger receipts</a></nav></header>'
        '<p class="muted">What the local Procountor holds, newest first. The buttons act as a '
        "Procountor user would (through the sandbox's control API); the API is under "
        "<code>/api</code>.</p>"
    )
    if notice:
        header += f'<div class="notice" role="status">{esc(notice)}</div>'
    sections = (
        invoices_section(store, limit, False, today),
        invoices_section(store, limit, True, today),
        partners_section(store, limit),
        products_section(store, limit),
        receipts_section(store, limit),
    )
    return document(f"Procountor sandbox: {company.get('name') or ''}", header + "".join(sections))
