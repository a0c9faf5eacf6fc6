# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Vendor bills from Procountor: the run that imports accepted purchase invoices (button,
cron, re-try of pending ones). The "not imported" rows, the reverse lookups of the mappings
and the suppliers are in ``procountor_connection_bill_lookup.py``, one bill (move, bank
account, files) in ``procountor_connection_bill_create.py``.

One run (``_procountor_fetch_bills``):

1. ``GET /invoices?types=PURCHASE_INVOICE&status=<accepted>&versionStartDate=<mark>``
   (pages of 200, oldest id first), plus the ids still listed as pending;
2. per 200 ids: ``GET /invoices/{ids}``; already imported ones only follow Procountor's
   status; the others: ``GET /ledgerreceipts/{ids}`` (their accounting pages),
   ``payloads.map_bill``, suppliers (``GET /businesspartners/{ids}`` for partners not yet
   linked), then one bill each, committed one by one;
3. the high-water mark moves to the latest version the search returned, only when the
   run got through every chunk: a remote failure leaves it where it was (what was
   imported stays imported and is recognised next time).
"""

import logging
from contextlib import contextmanager
from dataclasses import dataclass, field

from odoo import api, fields, models

from ..procountor_api import payloads
from ..procountor_api.client_support import _chunks
from ..procountor_api.exceptions import ProcountorError
from .procountor_cron_guard import procountor_can_commit, procountor_isolated

_logger = logging.getLogger(__name__)

#: classid of the session advisory lock "a bill import of this connection runs".
BILL_LOCK_CLASS = 0x50424C  # "PBL"
BATCH = 200
BULK_CONTEXT = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
}


@dataclass
class BillSummary:
    imported: int = 0
    paid: int = 0
    unchanged: int = 0
    pending: int = 0
    failed: int = 0
    changed: int = 0
    busy: bool = False
    problem: str = ""
    moves: list = field(default_factory=list)


class ProcountorConnection(models.Model):
    _inherit = "procountor.connection"

    bill_import_version = fields.Char(
        "Bills Imported Up To",
        copy=False,
        help="Procountor version (modification time) up to which accepted purchase "
        "invoices were read; the next run asks for what changed since (inclusive).",
    )
    bill_import_attach_image = fields.Boolean(
        "Attach Invoice Image",
        help="When a purchase invoice has no attached file in Procountor, attach the "
        "picture of its first page (one more API call per bill).",
    )
    bill_import_last_run = fields.Datetime("Last Bill Import", copy=False, readonly=True)
    bill_import_error = fields.Text(copy=False, readonly=True)
    bill_pending_ids = fields.One2many(
        "procountor.bill.pending", "connection_id", "Purchase Invoices Not Imported"
    )
    bill_pending_count = fields.Integer(compute="_compute_bill_counts")
    bill_imported_count = fields.Integer(compute="_compute_bill_counts")

    def _compute_bill_counts(self):
        Move = self.env["account.move"]
        imported = dict(
            Move._read_group(
                [("procountor_bill_connection_id", "in", self.ids)],
                ["procountor_bill_connection_id"],
                ["__count"],
            )
        )
        for connection in self:
            connection.bill_pending_count = len(connection.bill_pending_ids)
            connection.bill_imported_count = imported.get(connection, 0)

    # ------------------------------------------------------------------ entry points

    def action_procountor_fetch_bills(self):
        """Button "Fetch Vendor Bills": one run, then a notification that sums it up."""
        self.ensure_one()
        self.check_access("read")
        self.env["account.move"].check_access("create")
        summary = self._procountor_fetch_bills()
        return self._procountor_bill_notification([summary])

    @api.model
    def _cron_procountor_fetch_bills(self):
        """Scheduled import: every connection with *Import Vendor Bills*, each in its own
        unit of work (a failing connection never stops the others)."""
        for connection in self.search([("bill_import_enabled", "=", True)]):
            with procountor_isolated(
                connection,
                connection._procountor_store_bill_unexpected,
                f"importing vendor bills of {connection.name}",
            ):
                summary = connection._procountor_fetch_bills()
                _logger.info(
                    "Procountor connection %s: vendor bills %s",
                    connection.id,
                    connection._procountor_bill_summary_text(summary),
                )

    def action_view_bill_pending(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "procountor_connector.procountor_bill_pending_action"
        )
        action["domain"] = [("connection_id", "=", self.id)]
        return action

    def action_view_imported_bills(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_in_invoice_type"
        )
        action["domain"] = [("procountor_bill_connection_id", "=", self.id)]
        action["context"] = {"default_move_type": "in_invoice"}
        return action

    def _procountor_store_bill_unexpected(self, exc):
        self.ensure_one()
        self.sudo().write(
            {
                "bill_import_error": self.env._(
                    "Importing vendor bills failed: %(error)s", error=exc
                ),
                "bill_import_last_run": fields.Datetime.now(),
            }
        )

    # ------------------------------------------------------------------ summary

    def _procountor_bill_summary_text(self, summary):
        if summary.busy:
            return self.env._(
                "Another import of vendor bills of this connection is running; try again in "
                "a moment."
            )
        text = self.env._(
            "%(imported)s imported, %(paid)s payment(s) booked, %(unchanged)s unchanged, "
            "%(pending)s not imported yet, %(failed)s failed.",
            imported=summary.imported,
            paid=summary.paid,
            unchanged=summary.unchanged,
            pending=summary.pending,
            failed=summary.failed,
        )
        if summary.pending:
            text += " " + self.env._(
                "The reasons are listed under Procountor > Purchase Invoices Not Imported."
            )
        if summary.changed:
            text += " " + self.env._(
                "%(changed)s imported bill(s) changed in Procountor: see the filter Changed "
                "in Procountor.",
                changed=summary.changed,
            )
        if summary.problem:
            text += "\n" + summary.problem
        return text

    def _procountor_bill_notification(self, summaries):
        lines = [self._procountor_bill_summary_text(summary) for summary in summaries]
        bad = any(s.problem or s.busy or s.failed or s.changed for s in summaries)
        kind = "warning" if bad or any(s.pending for s in summaries) else "success"
        return self._procountor_notification(
            self.env._("Vendor bills from Procountor"), "\n".join(lines), kind
        )

    # ------------------------------------------------------------------ checks

    def _procountor_bill_missing(self):
        """What the import needs before any HTTP call, as translated lines."""
        self.ensure_one()
        missing = []
        if not self.bill_import_enabled:
            missing.append(
                self.env._(
                    "Importing vendor bills is off for connection %(name)s (Purchases and "
                    "Journals tab).",
                    name=self.name,
                )
            )
        journal = self.bill_import_journal_id
        if not journal:
            missing.append(
                self.env._(
                    "Connection %(name)s has no vendor bill journal (Purchases and Journals tab).",
                    name=self.name,
                )
            )
        elif journal.type != "purchase" or journal.company_id != self.company_id:
            missing.append(
                self.env._(
                    "Journal %(journal)s is not a purchase journal of %(company)s.",
                    journal=journal.display_name,
                    company=self.company_id.display_name,
                )
            )
        if self.bill_import_payment_state and not self.payment_bank_journal_id:
            missing.append(
                self.env._(
                    "Fetching payments of vendor bills needs a journal for bank payments "
                    "(Options tab, Payments)."
                )
            )
        return missing

    # ------------------------------------------------------------------ the run

    @contextmanager
    def _procountor_bill_lock(self):
        """Session advisory lock per connection: two runs never import side by side (the
        unique index on the bill stays the last barrier). Yields False when taken."""
        cr = self.env.cr
        cr.execute("SELECT pg_try_advisory_lock(%s, %s)", (BILL_LOCK_CLASS, self.id))
        locked = cr.fetchone()[0]
        try:
            yield locked
        finally:
            if locked:
                cr.execute("SELECT pg_advisory_unlock(%s, %s)", (BILL_LOCK_CLASS, self.id))

    def _procountor_bill_commit(self):
        if procountor_can_commit():
            self.env.cr.commit()  # pylint: disable=invalid-commit

    def _procountor_fetch_bills(self, only_ids=None):
        """One import run (module docstring); ``only_ids``: just these Procountor ids (the
        re-try of pending rows), without search and without moving the mark."""
        self.ensure_one()
        summary = BillSummary()
        missing = self._procountor_bill_missing()
        if missing:
            summary.problem = "\n".join(missing)
            self.sudo().write(
                {
                    "bill_import_error": summary.problem,
                    "bill_import_last_run": fields.Datetime.now(),
                }
            )
            return summary
        with self._procountor_bill_lock() as locked:
            if not locked:
                summary.busy = True
                return summary
            self._procountor_bill_run(summary, only_ids)
        return summary

    def _procountor_bill_run(self, summary, only_ids):
        connection = self.sudo()
        mappings = self._procountor_bill_mappings()
        versions = []
        # The invoices read in this run, by id: the payment fetch after it reuses them.
        read = {}
        try:
            with self._procountor_client(record=self) as client:
                if only_ids is None:
                    rows = list(
                        client.search_invoices(
                            **payloads.bill_search_filters(self.bill_import_version)
                        )
                    )
                    rows += self._procountor_bill_search_left(client)
                    versions = [row.get("version") for row in rows if isinstance(row, dict)]
                    ids = self._procountor_bill_search_ids(rows, summary)
                    ids += connection.bill_pending_ids.mapped("procountor_id")
                else:
                    ids = list(only_ids)
                ids = list(dict.fromkeys(ids))
                if self.procountor_max_in_flight > 1:
                    # The same chunks, with their reads ahead in worker threads.
                    self._procountor_bill_chunks_parallel(client, ids, read, mappings, summary)
                else:
                    for chunk in _chunks(ids, BATCH):
                        invoices = client.get_invoices(chunk)
                        self._procountor_bill_note_read(read, invoices)
                        self._procountor_bill_chunk(client, invoices, mappings, summary, chunk)
        except ProcountorError as exc:
            summary.failed += 1
            summary.problem = self.env._(
                "Procountor did not answer as expected: %(error)s. What was imported stays; "
                "the next run goes on from the same point.",
                error=exc.message if hasattr(exc, "message") else exc,
            )
            connection.write(
                {
                    "bill_import_error": summary.problem,
                    "bill_import_last_run": fields.Datetime.now(),
                }
            )
            self._procountor_bill_commit()
            return
        vals = {
            "bill_import_error": summary.problem or False,
            "bill_import_last_run": fields.Datetime.now(),
        }
        if only_ids is None:
            vals["bill_import_version"] = payloads.bill_high_water_mark(
                self.bill_import_version, versions
            )
        connection.write(vals)
        self._procountor_bill_commit()
        # Payments from the bills' payment events (account_move_bill_payment.py).
        self._procountor_bill_payments_after_run(ids, summary, read)

    @api.model
    def _procountor_bill_note_read(self, read, invoices):
        """Keep the invoices of a chunk's read by id: the payment fetch after the run reuses
        them."""
        read.update(
            (invoice["id"], invoice)
            for invoice in invoices
            if isinstance(invoice, dict) and isinstance(invoice.get("id"), int)
        )

    def _procountor_bill_search_ids(self, rows, summary):
        """The ids of the search's rows; a row without a usable id cannot be read nor
        listed: the run goes on and says so."""
        ids, odd = [], []
        for row in rows:
            row_id = row.get("id") if isinstance(row, dict) else None
            if isinstance(row_id, int) and not isinstance(row_id, bool) and row_id > 0:
                ids.append(row_id)
            else:
                odd.append(row)
        if odd:
            summary.problem = self.env._(
                "Unexpected answer from Procountor: %(count)s purchase invoice(s) of the "
                "search came without an id and were left out: %(rows)s",
                count=len(odd),
                rows=", ".join(payloads.bill_shown(row) for row in odd[:5]),
            )
        return ids

    def _procountor_bill_answered(self, chunk, invoices, summary):
        """The invoices of Procountor's answer that have their id; the requested ids that
        came back without one are listed with the reason (never a run stopped on them)."""
        good = [
            invoice
            for invoice in invoices
            if isinstance(invoice, dict)
            and not payloads.bill_shape_problems({"id": invoice.get("id")}, None)
        ]
        if len(good) == len(invoices):
            return good
        returned = {invoice["id"] for invoice in good}
        reason = self.env._(
            "Unexpected answer from Procountor: the purchase invoice came back without its "
            "id (%(answer)s). The next run reads it again.",
            answer=", ".join(
                payloads.bill_shown(invoice) for invoice in invoices if invoice not in good
            ),
        )
        for missing in chunk:
            if missing not in returned:
                self._procountor_bill_pending({"id": missing}, reason)
                summary.pending += 1
        return good

    def _procountor_bill_chunk(self, client, invoices, mappings, summary, chunk=(), calls=None):
        """Import (or follow) up to 200 Procountor purchase invoices (``calls``: the run's
        ``ParallelCalls`` when the files are read ahead, procountor_connection_bill_reads.py)."""
        invoices = self._procountor_bill_answered(chunk, invoices, summary)
        todo, recheck = self._procountor_bill_triage(invoices, summary)
        if not todo and not recheck:
            self._procountor_bill_commit()
            return
        self._procountor_bill_read_and_import(client, todo, recheck, mappings, summary, calls)

    def _procountor_bill_triage(self, invoices, summary):
        """``(todo, recheck)``: the invoices to import, and the imported bills to compare
        again; the others are dealt with here (sent from Odoo, being sent, followed)."""
        Move = self.env["account.move"]
        Pending = self.env["procountor.bill.pending"].sudo()
        ids = [invoice["id"] for invoice in invoices]
        existing = {
            move.procountor_bill_id: move
            for move in Move.search(
                [
                    ("procountor_bill_connection_id", "=", self.id),
                    ("procountor_bill_id", "in", ids),
                ]
            )
        }
        pending = {
            row.procountor_id: row
            for row in Pending.search(
                [("connection_id", "=", self.id), ("procountor_id", "in", ids)]
            )
        }
        # Bills Odoo sent to Procountor come back in the search once approved there: never
        # imported (the unique index account_move_procountor_purchase_uniq is the barrier).
        sent_ids = self._procountor_bill_sent_ids(ids)
        in_flight = None
        todo, recheck = [], []
        for invoice in invoices:
            move = existing.get(invoice["id"])
            accepted = (
                invoice.get("type") == payloads.BILL_PURCHASE_INVOICE
                and invoice.get("status") in payloads.BILL_ACCEPTED_STATUSES
            )
            if invoice["id"] in sent_ids:
                if invoice["id"] in pending:
                    pending.pop(invoice["id"]).unlink()
                summary.unchanged += 1
                continue
            if accepted and not move:
                in_flight = self._procountor_bill_in_flight() if in_flight is None else in_flight
                sending = in_flight.get((invoice.get("originalInvoiceNumber") or "").strip())
                if sending:
                    self._procountor_bill_pending(
                        invoice, self._procountor_bill_sending_reason(sending)
                    )
                    summary.pending += 1
                    continue
            if move or not accepted:
                # Imported already, or no longer accepted (invalidated, back to
                # unfinished): nothing to import, nothing to list.
                if invoice["id"] in pending:
                    pending.pop(invoice["id"]).unlink()
                if move:
                    self._procountor_bill_seen_again(move, invoice, accepted, recheck, summary)
                continue
            todo.append(invoice)
        return todo, recheck

    def _procountor_bill_read_and_import(self, client, todo, recheck, mappings, summary, calls):
        """Read the accounting pages, compare the bills to recheck, import the others."""
        receipt_ids = [
            inv["ledgerReceiptId"]
            for inv in todo + [invoice for _move, invoice in recheck]
            if inv.get("ledgerReceiptId")
        ]
        receipts = {
            row.get("id"): row
            for row in client.get_ledger_receipts(receipt_ids)
            if isinstance(row, dict)
        }
        for move, invoice in recheck:
            data, problems = self._procountor_bill_map(
                invoice, receipts.get(invoice.get("ledgerReceiptId")), mappings
            )
            summary.changed += self._procountor_bill_recheck(move, data, problems)
            self._procountor_bill_seen_again(move, invoice, True, None, summary)
        mapped = []
        for invoice in todo:
            data, problems = self._procountor_bill_map(
                invoice, receipts.get(invoice.get("ledgerReceiptId")), mappings
            )
            if problems:
                self._procountor_bill_pending(invoice, self._procountor_bill_reasons(problems))
                summary.pending += 1
                continue
            mapped.append((invoice, data))
        suppliers, supplier_problems = self._procountor_bill_suppliers(
            client, [data for _invoice, data in mapped]
        )
        self._procountor_bill_commit()
        if calls is None:
            self._procountor_bill_import_mapped(
                client, mapped, suppliers, supplier_problems, summary, None
            )
            return
        prefetched, records = self._procountor_bill_prefetch_files(
            calls,
            [data for _invoice, data in mapped if not supplier_problems.get(data.procountor_id)],
        )
        try:
            self._procountor_bill_import_mapped(
                client, mapped, suppliers, supplier_problems, summary, prefetched
            )
        finally:
            # Every read of this chunk waited for (and logged) before the next chunk.
            calls.settle()
            self._procountor_log_parallel_exchanges(calls, records)

    def _procountor_bill_import_mapped(
        self, client, mapped, suppliers, supplier_problems, summary, prefetched
    ):
        """One bill per mapped invoice, committed one by one."""
        Pending = self.env["procountor.bill.pending"].sudo()
        for invoice, data in mapped:
            reason = supplier_problems.get(data.procountor_id)
            if reason:
                self._procountor_bill_pending(invoice, reason)
                summary.pending += 1
                continue
            move, reason = self._procountor_bill_import_one(
                client, data, suppliers[data.procountor_id], prefetched
            )
            if reason:
                self._procountor_bill_pending(invoice, reason)
                summary.pending += 1
            elif not move:
                Pending.search(
                    [("connection_id", "=", self.id), ("procountor_id", "=", data.procountor_id)]
                ).unlink()
                summary.unchanged += 1
            else:
                pending_row = Pending.search(
                    [("connection_id", "=", self.id), ("procountor_id", "=", data.procountor_id)]
                )
                pending_row.unlink()
                summary.imported += 1
                summary.moves.append(move.id)
            self._procountor_bill_commit()

    @api.model
    def _procountor_bill_map(self, invoice, receipt, mappings):
        """``payloads.map_bill``; an answer whose shape the checks did not foresee parks
        its bill with what went wrong instead of stopping the run (and every later bill)."""
        try:
            return payloads.map_bill(invoice, receipt, mappings)
        except (AttributeError, TypeError, ValueError, KeyError, ArithmeticError) as exc:
            _logger.warning("Unexpected purchase invoice %s from Procountor", invoice.get("id"))
            return None, [
                payloads.BillProblem(
                    payloads.BILL_MALFORMED,
                    (
                        self.env._("the invoice"),
                        f"{type(exc).__name__}: {payloads.bill_shown(exc.args)}",
                    ),
                )
            ]

    def _procountor_bill_seen_again(self, move, invoice, accepted, recheck, summary):
        """An imported bill's invoice in this run: flagged when it left the accepted
        statuses, compared again (``recheck``, the list of the chunk, None once compared)
        when it has a new version, else its status kept."""
        if not accepted:
            summary.changed += move._procountor_bill_left(invoice)
        elif recheck is not None and move._procountor_bill_maybe_changed(invoice):
            recheck.append((move, invoice))
        else:
            # Its payments come from Procountor's payment events after the run.
            move._procountor_bill_sync(self, invoice)
            summary.unchanged += 1
