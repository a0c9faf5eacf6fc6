"""Readable names of Procountor's codes for the sandbox page (English, Finnish).

The Finnish words are those of Procountor's user interface where known; a code without a
label is shown as it is.
"""

from __future__ import annotations

#: Invoice statuses (26.04 ``Invoice.status``): (English, Finnish).
INVOICE_STATUS = {
    "EMPTY": ("Empty", "Tyhjä"),
    "UNFINISHED": ("Unfinished", "Keskeneräinen"),
    "NOT_SENT": ("Not sent", "Lähettämätön"),
    "SENT": ("Sent", "Lähetetty"),
    "RECEIVED": ("Received", "Vastaanotettu"),
    "VERIFIED": ("Verified", "Tarkastettu"),
    "APPROVED": ("Approved", "Hyväksytty"),
    "PAYMENT_QUEUED": ("In payment queue", "Maksujonossa"),
    "PAYMENT_SENT_TO_BANK": ("Payment sent to bank", "Maksu lähetetty pankkiin"),
    "PAYMENT_DENIED": ("Payment denied", "Maksu hylätty"),
    "PARTLY_PAID": ("Partly paid", "Osittain maksettu"),
    "PAID": ("Paid", "Maksettu"),
    "MARKED_PAID": ("Marked paid", "Merkitty maksetuksi"),
    "INVALIDATED": ("Invalidated", "Mitätöity"),
    "STARTED": ("Started", "Aloitettu"),
    "INVOICED": ("Invoiced", "Laskutettu"),
    "OVERRIDDEN": ("Overridden", "Korvattu"),
    "DELETED": ("Deleted", "Poistettu"),
    "UNSAVED": ("Unsaved", "Tallentamaton"),
    "PAYMENT_TRANSACTION_REMOVED": ("Payment removed", "Maksutapahtuma poistettu"),
}

#: Payment event types (26.04 ``PaymentEvent.type``) a reader meets most.
PAYMENT_TYPE = {
    "BANKSTATEMENT": ("Bank statement", "Tiliote"),
    "REFERENCEPAYMENT": ("Reference payment", "Viitemaksu"),
    "CASH": ("Cash", "Käteinen"),
    "ELSEWHERE": ("Paid elsewhere", "Maksettu muualla"),
    "BANKTRANSFERELSEWHERE": ("Bank transfer elsewhere", "Tilisiirto muualla"),
    "CASHDISCOUNT": ("Cash discount", "Kassa-alennus"),
    "CREDITLOSS": ("Credit loss", "Luottotappio"),
    "SETOFF": ("Set-off", "Kuittaus"),
    "CHARGECARD": ("Charge card", "Maksukortti"),
    "CORRECTION": ("Correction", "Korjaus"),
    "ADJUSTMENT": ("Adjustment", "Oikaisu"),
    "OTHERPAYMENTMETHOD": ("Other payment method", "Muu maksutapa"),
}

#: The payment kinds the page's pay buttons offer, in the order shown.
PAGE_PAYMENT_TYPES = ("BANKSTATEMENT", "REFERENCEPAYMENT", "CASH")

#: Invoice and ledger receipt types.
DOCUMENT_TYPE = {
    "SALES_INVOICE": ("Sales invoice", "Myyntilasku"),
    "SALES_ORDER": ("Sales order", "Myyntitilaus"),
    "PURCHASE_INVOICE": ("Purchase invoice", "Ostolasku"),
    "PURCHASE_ORDER": ("Purchase order", "Ostotilaus"),
    "TRAVEL_INVOICE": ("Travel invoice", "Matkalasku"),
    "BILL_OF_CHARGES": ("Expense claim", "Kulukorvaus"),
    "PERIODIC_TAX_RETURN": ("Periodic tax return", "Kausiveroilmoitus"),
    "JOURNAL": ("Journal", "Muistiotosite"),
}

INVOICE_CHANNEL = {
    "EMAIL": ("Email", "Sähköposti"),
    "MAIL": ("Mail", "Kirje"),
    "ELECTRONIC_INVOICE": ("E-invoice", "Verkkolasku"),
    "EDIFACT": ("EDIFACT", "EDIFACT"),
    "PAPER_INVOICE": ("Paper invoice", "Paperilasku"),
    "NO_SENDING": ("Not sent out", "Ei lähetetä"),
}

PARTNER_TYPE = {
    "CUSTOMER": ("Customer", "Asiakas"),
    "SUPPLIER": ("Supplier", "Toimittaja"),
    "PERSON": ("Person", "Henkilö"),
}

PRODUCT_TYPE = {
    "SALES": ("Sales", "Myynti"),
    "PURCHASE": ("Purchase", "Osto"),
}

TRANSACTION_TYPE = {
    "ENTRY": ("Entry", "Vienti"),
    "REVERSING_ENTRY": ("Reversing entry", "Vastavienti"),
    "RECONCILIATION_ENTRY": ("Reconciliation entry", "Täsmäytysvienti"),
}


def label(table: dict, code) -> tuple[str, str | None]:
    """(English, Finnish) of ``code``; the code itself (and no Finnish) when unknown."""
    if code is None:
        return "", None
    english, finnish = table.get(code, (str(code), None))
    return english, finnish
