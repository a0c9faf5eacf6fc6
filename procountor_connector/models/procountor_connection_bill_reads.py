# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The reads of the bill import with bounded parallel HTTP (docs/architecture.md, "Parallel
HTTP"), used when the connection allows more than one request at once.

Worker threads get Procountor ids and file metadata and return Procountor's answers; the
run's own thread does everything else, chunk by chunk and bill by bill exactly as with one
request at a time (``procountor_connection_bill.py``):

1. the chunk reads (``GET /invoices/{ids}``, 200 ids each) of the whole run go out at once;
   the chunks are then handled in order, and a chunk whose read failed stops the run there,
   as it does when read one after another;
2. per chunk, once its bills are mapped and their suppliers known, the files of those bills
   (``GET /attachments/{id}``, or the page image) are read ahead in parallel; the creation
   loop takes each bill's files when it gets to it (waiting only for that bill's read) and
   creates, posts and commits the bill as before. A read that failed is that bill's reason
   to wait, exactly as when read in the loop.

Each bill is still created once: reading ahead changes no record, and the unique index on
the imported bill stays the barrier.
"""

from odoo import models

from ..procountor_api import bill_files
from ..procountor_api.client_support import _chunks
from . import procountor_connection_bill

#: Key of a bill's file read in ``ParallelCalls`` (a chunk read's key is its number).
FILES = "files"


class ProcountorConnection(models.Model):
    _inherit = "procountor.connection"

    def _procountor_bill_chunks_parallel(self, client, ids, read, mappings, summary):
        """Import the purchase invoices ``ids`` chunk by chunk, the reads in worker threads;
        raises the ``ProcountorError`` of a chunk read that failed, once the chunks before it
        are done (the run stops there, as one request at a time)."""
        if not ids:
            return
        # The workers start with this token: they never ask for one each.
        client.ensure_token()
        chunks = list(_chunks(ids, procountor_connection_bill.BATCH))
        with self._procountor_parallel(client) as calls:
            reads = calls.map(list(enumerate(chunks)), lambda http, chunk: http.get_invoices(chunk))
            # Logged against the connection, as the run's client logs every call.
            self._procountor_log_parallel_exchanges(calls, dict.fromkeys(reads, self))
            for index, chunk in enumerate(chunks):
                outcome = reads[index]
                if outcome.error is not None:
                    raise outcome.error
                self._procountor_bill_note_read(read, outcome.value)
                self._procountor_bill_chunk(
                    client, outcome.value, mappings, summary, chunk, calls=calls
                )

    def _procountor_bill_prefetch_files(self, calls, datas):
        """Start reading the files of the mapped bills ``datas`` in the workers; returns
        ``(prefetched, records)``: ``prefetched(data)`` waits for that bill's read and gives
        its ``Outcome`` (None for a bill not read ahead), ``records`` links the reads'
        exchanges to the connection."""
        attach_image = self.bill_import_attach_image
        records = {}
        for data in datas:
            key = (FILES, data.procountor_id)
            if key in records or not (data.attachments or attach_image):
                # No file to read (or read already).
                continue
            records[key] = self
            calls.submit(
                key,
                lambda http, attachments=list(data.attachments), invoice_id=data.procountor_id: (
                    bill_files.read_bill_files(http, attachments, invoice_id, attach_image)
                ),
            )

        def prefetched(data):
            key = (FILES, data.procountor_id)
            if key not in records:
                return None
            try:
                outcome = calls.wait_for(key)
            except KeyError:
                # Taken already (the same id twice in a chunk): read in this thread.
                return None
            self._procountor_log_parallel_exchanges(calls, records)
            return outcome

        return prefetched, records
