"""Attachments: multipart upload (``meta`` JSON part + ``file`` part), multipart/mixed
download, delete."""

from __future__ import annotations

import base64
import json
import mimetypes
import secrets

from werkzeug.wrappers import Response

from .. import defaults, enums
from .. import errors as E
from ..validation import Checker
from . import route
from .common import public

ATTACHMENT_FIELDS = frozenset(
    ("id", "mimeType", "name", "referenceId", "referenceType", "sendWithInvoice")
)
# Which table a reference type points to; other types are accepted as they are.
REFERENCE_TABLES = {
    "LEDGERRECEIPT": "ledgerReceipts",
    "CUSTOMER_BUSINESS_PARTNER_REGISTER": "businessPartners",
    "SUPPLIER_BUSINESS_PARTNER_REGISTER": "businessPartners",
    "SALES_PRODUCT_REGISTER": "products",
    "PURCHASE_PRODUCT_REGISTER": "products",
}


def read_meta(request):
    """The ``meta`` part: a form field, or a file part (some clients name it
    ``meta.json``)."""
    raw = request.form.get("meta")
    if raw is None and "meta" in request.files:
        raw = request.files["meta"].read().decode("utf-8", errors="replace")
    if raw is None:
        raise E.ApiError.single(400, E.MAY_NOT_BE_NULL, "meta")
    try:
        return json.loads(raw)
    except json.JSONDecodeError as error:
        raise E.ApiError.single(400, E.INVALID_JSON, "meta") from error


def _reference_exists(store, reference_type: str, reference_id: int) -> bool:
    if reference_type == "INVOICE":
        # A journal's hidden invoice counts as an invoice.
        return reference_id in store.invoices or any(
            r.get("invoiceId") == reference_id for r in store.ledgerReceipts.values()
        )
    table = REFERENCE_TABLES.get(reference_type)
    return table is None or reference_id in getattr(store, table)


def validate_meta(store, meta) -> dict:
    if not isinstance(meta, dict):
        raise E.ApiError.single(400, E.INVALID_JSON, "meta")
    errors = E.FieldErrors()
    check = Checker(errors)
    check.unknown(meta, ATTACHMENT_FIELDS, "meta")
    name = check.string(meta, "name", "meta.name", True, non_empty=True)
    reference_type = check.string(
        meta, "referenceType", "meta.referenceType", True, enum=enums.ATTACHMENT_REFERENCE_TYPES
    )
    reference_id = check.number(meta, "referenceId", "meta.referenceId", True, integer=True)
    # sendWithInvoice is required by the 26.04 schema but clients omit it and no source
    # says the server enforces it: the sandbox defaults it to false.
    send = check.boolean(meta, "sendWithInvoice", "meta.sendWithInvoice")
    if (
        reference_type
        and reference_id is not None
        and not _reference_exists(store, reference_type, reference_id)
    ):
        errors.add("meta.referenceId", E.REFERENCE_NOT_FOUND)
    errors.raise_if_any()
    return {
        "name": name,
        "referenceType": reference_type,
        "referenceId": reference_id,
        "mimeType": mimetypes.guess_type(name)[0] or "application/octet-stream",
        "sendWithInvoice": bool(send),
    }


@route("/attachments", "POST")
def upload_attachment(api, request):
    store = api.store
    if request.mimetype != "multipart/form-data":
        raise E.ApiError.single(415, E.UNSUPPORTED_MEDIA_TYPE)
    meta = validate_meta(store, read_meta(request))
    upload = request.files.get("file")
    if upload is None:
        raise E.ApiError.single(400, E.MAY_NOT_BE_NULL, "file")
    content = upload.read()
    if len(content) > defaults.MAX_ATTACHMENT_BYTES:
        raise E.ApiError.single(400, E.FILE_TOO_BIG, "file")
    meta = {"id": store.next_id("attachment"), **meta}
    store.attachments[meta["id"]] = meta
    store.attachment_content[meta["id"]] = content
    return 200, public(meta)


def multipart_mixed(meta: dict, content: bytes) -> Response:
    """Part 1: the metadata JSON; part 2: the file (as Procountor answers)."""
    boundary = secrets.token_hex(16)
    head = (
        f"--{boundary}\r\n"
        "Content-Type: application/json\r\n"
        'Content-Disposition: form-data; name="meta"\r\n\r\n'
        f"{json.dumps(meta, ensure_ascii=False)}\r\n"
        f"--{boundary}\r\n"
        f"Content-Type: {meta['mimeType']}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{meta["name"]}"\r\n\r\n'
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    response = Response(head + content + tail, status=200)
    response.headers["Content-Type"] = f"multipart/mixed; boundary={boundary}"
    response.journal_body = meta  # what the journal records as the answer
    return response


@route("/attachments/<int:attachment_id>", "GET")
def get_attachment(api, request, attachment_id):
    meta = api.store.attachments.get(attachment_id)
    if meta is None:
        raise E.not_found()
    return multipart_mixed(public(meta), api.store.attachment_content.get(attachment_id, b""))


@route("/attachments/<int:attachment_id>", "DELETE")
def delete_attachment(api, request, attachment_id):
    if attachment_id not in api.store.attachments:
        raise E.not_found()
    del api.store.attachments[attachment_id]
    api.store.attachment_content.pop(attachment_id, None)
    return 204, None


@route("/invoices/<int:invoice_id>/image", "GET")
def get_invoice_image(api, request, invoice_id):
    """A page of the invoice as a picture (26.04: typed ``Attachment``, answered like
    ``GET /attachments/{id}``: the metadata part, then the image). The sandbox keeps one
    page (``image`` of a seeded purchase invoice); other pages and invoices without a
    picture are 404. ``format`` PNG (default), JPG or JPEG only names the file here."""
    invoice = api.store.invoices.get(invoice_id)
    page = request.args.get("page", "1")
    image_format = (request.args.get("format") or "PNG").upper()
    if image_format not in ("PNG", "JPG", "JPEG"):
        raise E.ApiError.single(400, E.INVALID_ENUM_VALUE, "format")
    if not page.isdigit():
        raise E.ApiError.single(400, E.INVALID_VALUE, "page")
    if invoice is None or not invoice.get("_image") or page != "1":
        raise E.not_found()
    extension = "png" if image_format == "PNG" else "jpg"
    meta = {
        "name": f"invoice-{invoice_id}-page-1.{extension}",
        "referenceType": "INVOICE",
        "referenceId": invoice_id,
        "mimeType": "image/png" if extension == "png" else "image/jpeg",
        "sendWithInvoice": False,
    }
    return multipart_mixed(meta, base64.b64decode(invoice["_image"]))
