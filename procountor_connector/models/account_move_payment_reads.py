# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The reads of the payment fetch with bounded parallel HTTP (docs/architecture.md,
"Parallel HTTP"), used when the connection allows more than one request at once.

Worker threads get Procountor ids and return Procountor's answers; everything else stays in
the fetch's own thread, one invoice after another exactly as with one request at a time
(``account_move_payment.py``):

1. the batch reads (``GET /invoices/{ids}``, 200 ids each) of the whole run go out at once;
2. per batch, in order: the payment events of the invoices whose snapshot changed are read
   ahead in parallel; the booking loop locks, checks and books each invoice as before, taking
   its events when it gets to it (waiting only for that invoice's read), and commits it. A
   read that failed is that invoice's failure, exactly as when read in the loop.

Reading ahead never books anything twice: the booking re-reads, under the row lock, which
events Odoo registered already (and the unique (connection, event id) of ``account.payment``
stays the last barrier); the snapshot stored is the batch read's, made before the events were
read, so a payment that arrives meanwhile is seen by the next run.
"""

from odoo import _, models
from odoo.tools import split_every

from ..procountor_api import const, payloads
from ..procountor_api.exceptions import ProcountorError

#: Key of a payment-event read in ``ParallelCalls`` (a batch read's key is its batch number).
EVENTS = "events"


class AccountMove(models.Model):
    _inherit = "account.move"

    def _procountor_payment_chunk_failed(self, exc, summary):
        """The batch read of these moves failed (timeout, 503, 429 after the retries, an
        answer that is not a list of invoices): the other batches go on, these are fetched
        again by the next run. The connection shows the failure."""
        message = getattr(exc, "message", None) or _(
            "Unexpected answer from Procountor: %(error)s", error=exc
        )
        summary.problem = summary.problem or _(
            "Procountor did not answer the payment fetch as expected: %(error)s",
            error=message,
        )
        for move in self:
            summary.add("failed", move, message)

    def _procountor_payment_unchanged(self, remote, snapshot):
        """Nothing to read for this move: not flagged, and Procountor's invoice is as at the
        last fetch, or was never fetched and has no payment date (no payment yet)."""
        return not self.procountor_payment_attention and (
            snapshot == self.procountor_payment_snapshot
            or (not self.procountor_payment_snapshot and not remote.get("paymentDate"))
        )

    def _procountor_payment_wants_events(self, remote):
        """Will the booking loop read this move's payment events (as far as can be told
        before its row is locked)? ``remote``: its Procountor invoice, just read."""
        self.ensure_one()
        if remote is None:
            return False
        if self._procountor_payment_remote_id() == self.procountor_invoice_id:
            if self._procountor_remote_mismatch(remote):
                return False
        return not self._procountor_payment_unchanged(
            remote, payloads.invoice_payment_snapshot(remote)
        )

    def _procountor_fetch_payments_parallel(self, connection, client, journals, summary, known):
        """The fetch of ``self`` (one connection's candidates) with parallel reads; False when
        no token could be had (then the run goes one request at a time, which reports it
        per batch as before)."""
        client.on_exchange = self.env["account.move"]._procountor_exchange_logger(connection)
        try:
            # The workers start with this token: they never ask for one each.
            client.ensure_token()
        except ProcountorError:
            return False
        chunks = list(split_every(const.BATCH_IDS_MAX, self.ids, self.browse))
        remote_ids = [[move._procountor_payment_remote_id() for move in chunk] for chunk in chunks]
        with connection._procountor_parallel(client) as calls:
            reads = calls.map(
                [
                    (index, ids)
                    for index, ids in enumerate(remote_ids)
                    if not all(remote_id in known for remote_id in ids)
                ],
                lambda http, ids: http.get_invoices(ids),
            )
            # Batch reads belong to no single invoice, as when read one at a time.
            connection._procountor_log_parallel_exchanges(calls)
            for index, chunk in enumerate(chunks):
                read = reads.get(index)
                try:
                    if read is None:
                        remote = [known[remote_id] for remote_id in remote_ids[index]]
                    elif read.error is not None:
                        raise read.error
                    else:
                        remote = read.value
                    by_id = payloads.invoices_by_id(remote)
                except (ProcountorError, ValueError) as exc:
                    chunk._procountor_payment_chunk_failed(exc, summary)
                    continue
                chunk._procountor_fetch_payments_chunk(
                    connection, client, calls, by_id, journals, summary
                )
        return True

    def _procountor_fetch_payments_chunk(self, connection, client, calls, by_id, journals, summary):
        """One batch: its event reads ahead in the workers, then the booking loop."""
        records = {}
        for move in self:
            remote_id = move._procountor_payment_remote_id()
            if move._procountor_payment_wants_events(by_id.get(remote_id)):
                records[(EVENTS, move.id)] = move
                calls.submit(
                    (EVENTS, move.id),
                    lambda http, remote_id=remote_id: http.get_invoice_payment_events(remote_id),
                )

        def prefetched(move):
            key = (EVENTS, move.id)
            if key not in records:
                return None
            read = calls.wait_for(key)
            # Each read is logged against its invoice, before that invoice is booked.
            connection._procountor_log_parallel_exchanges(calls, records)
            return read

        try:
            for move in self:
                move._procountor_fetch_payments_one(
                    connection,
                    client,
                    by_id.get(move._procountor_payment_remote_id()),
                    journals,
                    summary,
                    prefetched=prefetched,
                )
        finally:
            # Reads of invoices the loop left (locked by another worker, unchanged once
            # locked): waited for and logged, their answers unused.
            calls.settle()
            connection._procountor_log_parallel_exchanges(calls, records)
