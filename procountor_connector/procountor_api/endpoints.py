# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Procountor endpoints as methods (``ProcountorEndpoints``, mixed into ``ProcountorClient``):
each names its ``operation`` and the shape of its answer and goes through ``request``."""

import email.parser
import email.policy
import json as jsonlib

from . import const
from .client_support import _chunks, _clean_id, _clean_ids, _header_value
from .exceptions import (
    ProcountorServerError,
    ProcountorValidationError,
)


class ProcountorEndpoints:
    """One method per Procountor operation the connector uses (docs/architecture.md, "Client")."""

    # --- reference data ---

    def get_status(self):
        return self.request("GET", "/status", operation="get_status")

    def get_session_info(self):
        return self.request("GET", "/sessioninfo", operation="get_session_info", shape="object")

    def get_company(self):
        return self.request("GET", "/company", operation="get_company", shape="object")

    def get_vat_defaults(self):
        return self.request("GET", "/vats/default", operation="get_vat_defaults", shape="object")

    def get_vat_settings(self):
        return self.request("GET", "/vats/settings", operation="get_vat_settings", shape="object")

    def get_chart_of_accounts(self):
        return self.request("GET", "/coa", operation="get_chart_of_accounts", shape="object")

    def get_dimensions(self):
        return self.request("GET", "/dimensions", operation="get_dimensions", shape="list")

    def get_fiscal_years(self):
        return self.request("GET", "/fiscalyears", operation="get_fiscal_years")

    def get_bank_accounts(self):
        """Every company bank account (all pages), as a list."""
        return list(self.paginate("/bankaccounts", operation="get_bank_accounts"))

    # --- business partners ---

    def search_business_partners(self, **filters):
        """Iterate over BusinessPartnerBasicInfo rows; ``name`` and ``identifier`` go as
        headers.
        """
        size = filters.pop("size", const.PAGE_SIZE_MAX)
        headers = {}
        for key in ("name", "identifier"):
            value = filters.pop(key, None)
            if value is not None:
                headers[key] = _header_value(key, value, "search_business_partners")
        return self.paginate(
            "/businesspartners",
            filters,
            size=size,
            operation="search_business_partners",
            headers=headers or None,
        )

    def get_business_partner(self, partner_id):
        return self.request(
            "GET",
            f"/businesspartners/{_clean_id(partner_id)}",
            operation="get_business_partner",
            shape="object",
        )

    def get_business_partners(self, ids):
        return self._get_many("/businesspartners", ids, "get_business_partners")

    def create_business_partner(self, data):
        return self.request(
            "POST",
            "/businesspartners",
            json=data,
            operation="create_business_partner",
            shape="created",
        )

    def patch_business_partner(self, partner_id, data, version):
        """Partial update; Procountor needs the partner's current ``version`` (sent in
        the body).
        """
        return self.request(
            "PATCH",
            f"/businesspartners/{_clean_id(partner_id)}",
            json={**data, "version": version},
            operation="patch_business_partner",
        )

    def update_business_partner(self, partner_id, data):
        """Replace every detail of a partner (PUT); ``data`` carries the ``version`` read
        last, and Procountor refuses a stale one."""
        return self.request(
            "PUT",
            f"/businesspartners/{_clean_id(partner_id)}",
            json=data,
            operation="update_business_partner",
        )

    # --- products ---

    def search_products(self, **filters):
        """Iterate over Product rows; GET /products has no ``page``: paged by
        ``previousId``.
        """
        size = filters.pop("size", const.PAGE_SIZE_MAX)
        return self._paginate_keyset("/products", filters, size, "search_products")

    def get_product(self, product_id):
        return self.request(
            "GET", f"/products/{_clean_id(product_id)}", operation="get_product", shape="object"
        )

    def get_products(self, ids):
        return self._get_many("/products", ids, "get_products")

    def create_product(self, data):
        return self.request(
            "POST", "/products", json=data, operation="create_product", shape="created"
        )

    def update_product(self, product_id, data):
        return self.request(
            "PUT",
            f"/products/{_clean_id(product_id)}",
            json=data,
            operation="update_product",
        )

    # --- invoices ---

    def create_invoice(self, data, add_collection_penal_costs=False):
        params = {"addCollectionPenalCosts": True} if add_collection_penal_costs else None
        return self.request(
            "POST",
            "/invoices",
            params=params,
            json=data,
            operation="create_invoice",
            shape="created",
        )

    def get_invoice(self, invoice_id):
        return self.request(
            "GET", f"/invoices/{_clean_id(invoice_id)}", operation="get_invoice", shape="object"
        )

    def get_invoices(self, ids):
        return self._get_many("/invoices", ids, "get_invoices")

    def search_invoices(self, **filters):
        """Iterate over InvoiceBasicInfo rows; list filters (``status``, ``types``)
        comma-joined.
        """
        size = filters.pop("size", const.PAGE_SIZE_MAX)
        return self.paginate("/invoices", filters, size=size, operation="search_invoices")

    def find_invoices_by_original_number(self, number, types=("SALES_INVOICE",)):
        """Invoices whose ``originalInvoiceNumber`` is exactly ``number`` (the Odoo
        number).

        The reconciliation step after an ambiguous create: re-checked here because a
        server-side search may match loosely (case, prefix).
        """
        number = str(number)
        params = {"originalInvoiceNumber": number}
        if types:
            params["types"] = types
        rows = self.paginate("/invoices", params, operation="find_invoices_by_original_number")
        return [
            row
            for row in rows
            if isinstance(row, dict) and str(row.get("originalInvoiceNumber")) == number
        ]

    def update_invoice(self, invoice_id, data):
        """Replace an invoice; ``data`` must carry the current ``version``."""
        return self.request(
            "PUT",
            f"/invoices/{_clean_id(invoice_id)}",
            json=data,
            operation="update_invoice",
            shape="created",
        )

    def approve_invoice(self, invoice_id, comment=None):
        body = {"comment": comment} if comment else {}
        return self.request(
            "PUT",
            f"/invoices/{_clean_id(invoice_id)}/approve",
            json=body,
            operation="approve_invoice",
        )

    def invalidate_invoice(self, invoice_id):
        """Invalidate a sales or purchase invoice (open period only); an InfoMessage."""
        return self.request(
            "PUT",
            f"/invoices/{_clean_id(invoice_id)}/invalidate",
            operation="invalidate_invoice",
        )

    def send_invoice(self, invoice_id):
        return self.request(
            "PUT", f"/invoices/{_clean_id(invoice_id)}/send", operation="send_invoice"
        )

    def get_invoice_payment_events(self, invoice_id):
        """Every payment event of one invoice (all pages), as a list."""
        path = f"/invoices/{_clean_id(invoice_id)}/paymentevents"
        return list(self.paginate(path, operation="get_invoice_payment_events"))

    def get_payment_events(self, invoice_ids):
        """Payment events of many invoices (≤200 ``invoiceId`` per query, all pages), as
        a list.
        """
        events = []
        for chunk in _chunks(_clean_ids(invoice_ids), const.BATCH_IDS_MAX):
            events.extend(
                self.paginate(
                    "/payments/paymentevents",
                    {"invoiceId": chunk},
                    operation="get_payment_events",
                )
            )
        return events

    def mark_invoice_paid(self, invoice_id, data):
        return self.request(
            "PUT",
            f"/invoices/{_clean_id(invoice_id)}/paymentevents/markpaid",
            json=data,
            operation="mark_invoice_paid",
        )

    def update_invoice_notes(self, invoice_id, notes):
        return self.request(
            "PUT",
            f"/invoices/{_clean_id(invoice_id)}/notes",
            json={"notes": notes},
            operation="update_invoice_notes",
        )

    # --- attachments ---

    def upload_attachment(self, meta, filename, content, mimetype="application/pdf"):
        """POST /attachments as multipart: part ``meta`` (Attachment JSON) and part
        ``file``.

        Content over ATTACHMENT_MAX_BYTES is refused here, before any HTTP call.
        """
        if not isinstance(content, (bytes, bytearray, memoryview)):
            raise TypeError("attachment content must be bytes")
        content = bytes(content)
        if len(content) > const.ATTACHMENT_MAX_BYTES:
            raise ProcountorValidationError(
                f"Attachment {filename!r} is {len(content):,} bytes; Procountor "
                f"accepts at most {const.ATTACHMENT_MAX_BYTES:,} bytes",
                operation="upload_attachment",
                method="POST",
                path="/attachments",
            )
        attachment = {"name": filename, **meta}
        files = {
            "meta": (None, jsonlib.dumps(attachment), "application/json"),
            "file": (filename, content, mimetype),
        }
        connect, read = self.timeout
        return self.request(
            "POST",
            "/attachments",
            files=files,
            operation="upload_attachment",
            shape="created",
            timeout=(connect, max(read, const.UPLOAD_READ_TIMEOUT)),
        )

    # --- ledger receipts ---

    def get_ledger_receipt(self, receipt_id):
        return self.request(
            "GET",
            f"/ledgerreceipts/{_clean_id(receipt_id)}",
            operation="get_ledger_receipt",
            shape="object",
        )

    def get_ledger_receipts(self, ids):
        """LedgerReceipts for ``ids`` (GET /ledgerreceipts/{ids}, ≤200 ids per call)."""
        return self._get_many("/ledgerreceipts", ids, "get_ledger_receipts")

    # --- files of received invoices ---

    def get_attachment(self, attachment_id):
        """``(meta, content)`` of an attachment: Procountor answers multipart/mixed, the
        ``Attachment`` JSON first, then the file."""
        response = self.request(
            "GET",
            f"/attachments/{_clean_id(attachment_id)}",
            operation="get_attachment",
            raw=True,
        )
        return _multipart_file(response, "get_attachment")

    def get_invoice_image(self, invoice_id, page=1, image_format="PNG"):
        """``(meta, content)`` of a page of an invoice as a picture (a scanned purchase
        invoice), answered like an attachment."""
        response = self.request(
            "GET",
            f"/invoices/{_clean_id(invoice_id)}/image",
            params={"page": int(page), "format": image_format},
            operation="get_invoice_image",
            raw=True,
        )
        return _multipart_file(response, "get_invoice_image")

    def update_ledger_receipt(self, receipt_id, data):
        """Replace a ledger receipt (accounts, dimensions, VAT); ``data`` carries
        ``version``.
        """
        return self.request(
            "PUT",
            f"/ledgerreceipts/{_clean_id(receipt_id)}",
            json=data,
            operation="update_ledger_receipt",
        )

    def search_ledger_receipts(self, **filters):
        """Iterate over LedgerReceiptBasicInfo rows (``types``, ``status``, ``startDate``/
        ``endDate`` of the receipt date ...); list filters comma-joined."""
        size = filters.pop("size", const.PAGE_SIZE_MAX)
        return self.paginate(
            "/ledgerreceipts", filters, size=size, operation="search_ledger_receipts"
        )

    def approve_ledger_receipt(self, receipt_id):
        """Approve a JOURNAL receipt (UNFINISHED -> APPROVED); answers an InfoMessage."""
        return self.request(
            "PUT",
            f"/ledgerreceipts/{_clean_id(receipt_id)}/approve",
            operation="approve_ledger_receipt",
        )

    def invalidate_ledger_receipt(self, receipt_id):
        """Invalidate a JOURNAL receipt (open period only); answers an InfoMessage."""
        return self.request(
            "PUT",
            f"/ledgerreceipts/{_clean_id(receipt_id)}/invalidate",
            operation="invalidate_ledger_receipt",
        )

    def create_ledger_receipt(self, data, create_reconciliation=False):
        params = {"createReconciliation": True} if create_reconciliation else None
        return self.request(
            "POST",
            "/ledgerreceipts",
            params=params,
            json=data,
            operation="create_ledger_receipt",
            shape="created",
        )


def _multipart_file(response, operation):
    """``(meta dict, bytes)`` of a multipart/mixed answer (metadata part, file part); a
    plain answer is taken as the file itself with empty metadata."""
    content_type = response.headers.get("Content-Type", "")
    if not content_type.lower().startswith("multipart/"):
        return {}, response.content
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + response.content
    )
    parts = list(message.iter_parts())
    if len(parts) < 2:
        raise ProcountorServerError(
            "Procountor's file answer has no file part",
            status=response.status_code,
            operation=operation,
            method="GET",
        )
    try:
        meta = jsonlib.loads(parts[0].get_payload(decode=True) or b"{}")
    except ValueError:
        meta = {}
    return (meta if isinstance(meta, dict) else {}), parts[1].get_payload(decode=True) or b""
