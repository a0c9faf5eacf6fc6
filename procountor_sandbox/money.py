"""Amounts: Decimal arithmetic rounded half-up to the cent, floats in JSON."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def dec(value) -> Decimal:
    """Decimal of a JSON number without binary-float noise."""
    return Decimal(str(value))


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def as_json_number(value: Decimal) -> float:
    return float(value)


def decimals_of(value) -> int:
    exponent = dec(value).normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def row_amounts(row: dict, header_discount, prices_include_vat: bool):
    """(net, vat) of one invoice row, each rounded to the cent.

    Row discount and header discount both apply to the row; VAT is rounded per row
    (the sandbox's choice: Procountor does not document where it rounds).
    """
    factor = (1 - dec(row.get("discountPercent", 0)) / HUNDRED) * (
        1 - dec(header_discount) / HUNDRED
    )
    line = dec(row["quantity"]) * dec(row["unitPrice"]) * factor
    rate = dec(row["vatPercent"])
    if prices_include_vat:
        gross = cents(line)
        net = cents(gross * HUNDRED / (HUNDRED + rate))
        return net, gross - net
    net = cents(line)
    return net, cents(net * rate / HUNDRED)


def invoice_totals(invoice: dict) -> tuple[Decimal, Decimal, Decimal]:
    """(excluding VAT, VAT, total) of an invoice in its own currency."""
    extra = invoice.get("extraInfo") or {}
    include_vat = bool(extra.get("unitPricesIncludeVat"))
    net_total = vat_total = Decimal(0)
    for row in invoice.get("invoiceRows") or []:
        net, vat = row_amounts(row, invoice.get("discountPercent", 0), include_vat)
        net_total += net
        vat_total += vat
    return net_total, vat_total, net_total + vat_total


def to_accounting_currency(amount: Decimal, currency_rate) -> Decimal:
    """Procountor's rate is units of foreign currency per one unit of domestic."""
    rate = dec(currency_rate)
    if rate == 0:
        return amount
    return cents(amount / rate)


def invoice_sum_info(invoice: dict, company_currency: str) -> list[dict]:
    """InvoiceSumInfo entries: the invoice currency, then the accounting currency
    when they differ."""
    net, vat, total = invoice_totals(invoice)
    currency = invoice["paymentInfo"]["currency"]
    entries = [
        {
            "currency": currency,
            "inAccountingCurrency": currency == company_currency,
            "excludingVatTotal": as_json_number(net),
            "vatSumTotal": as_json_number(vat),
            "invoiceSumTotal": as_json_number(total),
        }
    ]
    if currency != company_currency:
        rate = invoice["paymentInfo"]["currencyRate"]
        net_acc = to_accounting_currency(net, rate)
        total_acc = to_accounting_currency(total, rate)
        entries.append(
            {
                "currency": company_currency,
                "inAccountingCurrency": True,
                "excludingVatTotal": as_json_number(net_acc),
                "vatSumTotal": as_json_number(total_acc - net_acc),
                "invoiceSumTotal": as_json_number(total_acc),
            }
        )
    return entries
