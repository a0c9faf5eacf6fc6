# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The files of a purchase invoice, read from Procountor (plain Python: the bill import
reads them in its own thread, or ahead in worker threads with parallel HTTP)."""

from .exceptions import ProcountorNotFoundError


def read_bill_files(client, attachments, invoice_id, attach_image):
    """``[(name, content, meta)]`` of a purchase invoice: its attached files (``attachments``:
    the invoice's attachment metadata), or, when it has none and ``attach_image``, the picture
    of its first page (none when Procountor has no picture). Raises ``ProcountorError`` when
    a file cannot be read: the bill then waits for the next run."""
    files = []
    for meta in attachments:
        remote_meta, content = client.get_attachment(meta["id"])
        files.append((remote_meta.get("name") or meta.get("name"), content, meta))
    if not files and attach_image:
        try:
            remote_meta, content = client.get_invoice_image(invoice_id)
        except ProcountorNotFoundError:
            remote_meta, content = {}, b""
        if content:
            name = remote_meta.get("name") or f"procountor-{invoice_id}.png"
            files.append((name, content, remote_meta))
    return files
