# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Reconciliation: are Odoo's and Procountor's books of a period in agreement?

One run (``_procountor_reconcile``) of a connection and a period:

1. Odoo's documents of the period (``procountor_connection_reconcile_odoo.py``, a fixed
   number of queries whatever their count);
2. Procountor's, in batches: ``GET /invoices?types=SALES_INVOICE,PURCHASE_INVOICE&
   startDate&endDate`` (pages of 200) plus the ids Odoo links to, read by
   ``GET /invoices/{ids}`` (200 per call); their payment events by
   ``GET /payments/paymentevents?invoiceId=<200 ids>``; ``GET /ledgerreceipts?types=JOURNAL``
   (pages) and ``GET /ledgerreceipts/{ids}`` for the journal entries and the bills whose
   lines are compared; the open invoices up to the period end (pages) for the balances;
3. ``payloads.reconcile`` compares; ``procountor.difference._procountor_sync`` stores.

Nothing is stored when Procountor cannot be read to the end (unreachable half-way, a
malformed page): a half-read period would make every unread document look missing. The
run's figures (or its failure) are in the exchange log, operation ``reconcile``.
"""

import calendar
import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..procountor_api.exceptions import ProcountorError
from ..procountor_api.payloads import reconcile as rec
from ..procountor_api.transport import Exchange
from .procountor_cron_guard import procountor_can_commit, procountor_isolated

_logger = logging.getLogger(__name__)


@dataclass
class ReconcileSummary:
    date_from: date
    date_to: date
    documents: Counter = field(default_factory=Counter)
    found: Counter = field(default_factory=Counter)
    new: Counter = field(default_factory=Counter)
    resolved: int = 0
    calls: int = 0
    seconds: float = 0.0
    problem: str = ""


def default_period(today):
    """The last closed month and the current one: first day of last month .. last day of
    this month."""
    first_this = today.replace(day=1)
    first_last = (first_this - timedelta(days=1)).replace(day=1)
    last_day = calendar.monthrange(today.year, today.month)[1]
    return first_last, today.replace(day=last_day)


class ProcountorConnection(models.Model):
    _name = "procountor.connection"
    # The weekly run leaves an activity for the responsible user.
    _inherit = ["procountor.connection", "mail.activity.mixin"]

    reconcile_cron_enabled = fields.Boolean(
        "Reconcile Weekly",
        help="The weekly job compares this connection's documents of the last closed month "
        "and the current one with Procountor, and leaves an activity for the responsible "
        "user when new differences appear.",
    )
    reconcile_user_id = fields.Many2one(
        "res.users",
        "Reconciliation Responsible",
        help="Receives the activity of the weekly reconciliation (default: the user who "
        "created the connection).",
    )
    reconcile_api_user_id = fields.Integer(
        "Procountor API User",
        copy=False,
        readonly=True,
        help="Procountor user id of this connection's API key (GET /sessioninfo): the "
        "creator of the documents the connection made.",
    )
    reconcile_last_run = fields.Datetime("Last Reconciliation", copy=False, readonly=True)
    reconcile_last_result = fields.Text("Reconciliation Result", copy=False, readonly=True)
    reconcile_error = fields.Text(copy=False, readonly=True)
    difference_ids = fields.One2many("procountor.difference", "connection_id", "Differences")
    difference_open_count = fields.Integer(compute="_compute_difference_open_count")

    def _compute_difference_open_count(self):
        counts = dict(
            self.env["procountor.difference"]._read_group(
                [("connection_id", "in", self.ids), ("state", "=", "open")],
                ["connection_id"],
                ["__count"],
            )
        )
        for connection in self:
            connection.difference_open_count = counts.get(connection, 0)

    # ------------------------------------------------------------------ entry points

    def action_procountor_reconcile(self, date_from=None, date_to=None):
        """Compare this connection's documents of the period with Procountor (default: the
        last closed month and the current one) and open the differences (after a
        notification when Procountor could not be read to the end)."""
        self.ensure_one()
        self.check_access("read")
        self.env["account.move"].check_access("read")
        summary = self._procountor_reconcile(date_from, date_to)
        action = self.action_view_differences()
        if summary.problem:
            # Nothing was compared: say why, then show the differences of earlier runs.
            notification = self._procountor_notification(
                self.env._("Reconciliation with Procountor"), summary.problem, "danger"
            )
            notification["params"]["next"] = action
            return notification
        return action

    def action_view_differences(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "procountor_connector.procountor_difference_action"
        )
        action["domain"] = [("connection_id", "=", self.id)]
        action["context"] = {"search_default_not_resolved": 1, "search_default_group_kind": 1}
        return action

    @api.model
    def _cron_procountor_reconcile(self):
        """Weekly: every connection with *Reconcile Weekly*, each in its own unit of work;
        new differences leave an activity for the responsible user."""
        for connection in self.search([("reconcile_cron_enabled", "=", True)]):
            with procountor_isolated(
                connection,
                connection._procountor_store_reconcile_unexpected,
                f"reconciling {connection.name}",
            ):
                summary = connection._procountor_reconcile()
                if summary.new:
                    connection._procountor_reconcile_activity(summary)

    def _procountor_store_reconcile_unexpected(self, exc):
        self.ensure_one()
        self.sudo().write(
            {
                "reconcile_error": self.env._("The reconciliation failed: %(error)s", error=exc),
                "reconcile_last_run": fields.Datetime.now(),
            }
        )

    def _procountor_reconcile_activity(self, summary):
        labels = dict(
            self.env["procountor.difference"]._fields["kind"]._description_selection(self.env)
        )
        lines = "".join(
            f"<li>{labels.get(kind, kind)}: {count}</li>"
            for kind, count in sorted(summary.new.items())
        )
        user = self.reconcile_user_id or self.create_uid
        self.sudo().activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._(
                "%(count)s new differences with Procountor", count=sum(summary.new.values())
            ),
            note=self.env._(
                "Period %(start)s to %(end)s:", start=summary.date_from, end=summary.date_to
            )
            + f"<ul>{lines}</ul>",
            user_id=user.id,
        )

    # ------------------------------------------------------------------ the run

    def _procountor_reconcile(self, date_from=None, date_to=None):
        """One reconciliation run (module docstring) → ``ReconcileSummary``."""
        self.ensure_one()
        started = time.monotonic()
        start, end = default_period(fields.Date.context_today(self))
        date_from = fields.Date.to_date(date_from) or start
        date_to = fields.Date.to_date(date_to) or end
        if date_from > date_to:
            raise UserError(
                self.env._(
                    "The reconciliation period starts (%(start)s) after it ends (%(end)s).",
                    start=date_from,
                    end=date_to,
                )
            )
        self._procountor_check_configuration()
        summary = ReconcileSummary(date_from, date_to)
        odoo = self._procountor_reconcile_odoo_side(date_from, date_to)
        calls = []
        try:
            with self._procountor_client(record=self) as client:
                client_on_exchange = client.on_exchange

                def count(exchange):
                    calls.append(exchange)
                    client_on_exchange(exchange)

                client.on_exchange = count
                findings = self._procountor_reconcile_compare(client, odoo, summary)
        except (ProcountorError, rec.ReconcileInputError) as exc:
            summary.calls = len(calls)
            return self._procountor_reconcile_failed(summary, exc)
        summary.calls = len(calls)
        Difference = self.env["procountor.difference"].sudo()
        new, resolved = Difference._procountor_sync(self, findings, date_from, date_to)
        summary.found = Counter(finding.kind for finding in findings)
        summary.new = Counter(new.mapped("kind"))
        summary.resolved = len(resolved)
        summary.seconds = time.monotonic() - started
        text = self._procountor_reconcile_text(summary)
        self.sudo().write(
            {
                "reconcile_last_run": fields.Datetime.now(),
                "reconcile_last_result": text,
                "reconcile_error": False,
            }
        )
        self._procountor_reconcile_log(summary, text, ok=True)
        if procountor_can_commit():
            self.env.cr.commit()  # pylint: disable=invalid-commit
        return summary

    def _procountor_reconcile_failed(self, summary, exc):
        message = exc.message if isinstance(exc, ProcountorError) else str(exc)
        summary.problem = self.env._(
            "Procountor could not be read to the end (%(error)s). Nothing was compared and "
            "the differences of earlier runs are unchanged; run the reconciliation again "
            "later.",
            error=message,
        )
        _logger.warning("Procountor connection %s: reconciliation failed: %s", self.id, message)
        self.sudo().write(
            {"reconcile_error": summary.problem, "reconcile_last_run": fields.Datetime.now()}
        )
        self._procountor_reconcile_log(summary, summary.problem, ok=False)
        return summary

    def _procountor_reconcile_text(self, summary):
        labels = dict(
            self.env["procountor.difference"]._fields["kind"]._description_selection(self.env)
        )
        text = self.env._(
            "%(start)s to %(end)s: %(sales)s sales invoices, %(bills)s vendor bills, "
            "%(entries)s journal entries compared in %(calls)s API calls and %(seconds)s s; "
            "%(found)s differences (%(new)s new), %(resolved)s resolved.",
            start=summary.date_from,
            end=summary.date_to,
            sales=summary.documents["sale"],
            bills=summary.documents["purchase"],
            entries=summary.documents["entry"],
            calls=summary.calls,
            seconds=round(summary.seconds, 1),
            found=sum(summary.found.values()),
            new=sum(summary.new.values()),
            resolved=summary.resolved,
        )
        details = ", ".join(
            f"{labels.get(kind, kind)}: {count}" for kind, count in sorted(summary.found.items())
        )
        return f"{text}\n{details}" if details else text

    def _procountor_reconcile_log(self, summary, text, ok):
        """The run in the exchange log, next to its calls (method CHECK, like other checks)."""
        self._procountor_log_exchange(
            Exchange(
                operation="reconcile",
                method="CHECK",
                url="",
                path=f"/reconcile/{summary.date_from}/{summary.date_to}",
                status=None,
                duration_ms=0,  # no HTTP call of its own: its calls are logged beside it
                response_body=text if ok else None,
                error_message=None if ok else text,
                ok=ok,
            ),
            self,
        )

    # ------------------------------------------------------------------ Procountor side

    def _procountor_reconcile_api_user(self, client):
        """Procountor user of the API key, read once (it does not change)."""
        if not self.reconcile_api_user_id:
            session = client.get_session_info() or {}
            user_id = session.get("userId")
            if isinstance(user_id, int) and not isinstance(user_id, bool):
                self.sudo().reconcile_api_user_id = user_id
        return self.reconcile_api_user_id or None

    def _procountor_reconcile_compare(self, client, odoo, summary):
        """Read Procountor in batches and compare with ``odoo``
        (``ReconcileOdooSide``); returns the findings."""
        start, end = odoo.date_from.isoformat(), odoo.date_to.isoformat()
        api_user = self._procountor_reconcile_api_user(client)
        rows = _rows(
            client.search_invoices(
                types=[*rec.SALES_TYPES, *rec.PURCHASE_TYPES], startDate=start, endDate=end
            )
        )
        ids = list(dict.fromkeys([row["id"] for row in rows] + odoo.linked_invoice_ids()))
        invoices = [rec.as_object(invoice, "invoice") for invoice in client.get_invoices(ids)]
        invoices = [i for i in invoices if i.get("type") in (*rec.SALES_TYPES, *rec.PURCHASE_TYPES)]
        paid_ids = [
            i["id"]
            for i in invoices
            if i.get("status") in rec.WITH_PAYMENTS or odoo.has_payments(i.get("id"))
        ]
        paid = rec.paid_by_invoice(client.get_payment_events(paid_ids)) if paid_ids else {}
        journal_rows = _rows(
            client.search_ledger_receipts(types="JOURNAL", startDate=start, endDate=end)
        )
        receipt_ids = [row["id"] for row in journal_rows] + odoo.linked_receipt_ids()
        receipt_ids += [
            i["ledgerReceiptId"]
            for i in invoices
            if i.get("type") in rec.PURCHASE_TYPES
            and odoo.compares_lines(i["id"])
            and isinstance(i.get("ledgerReceiptId"), int)
        ]
        receipts = {
            receipt["id"]: receipt
            for receipt in (
                rec.as_object(r, "ledger receipt")
                for r in client.get_ledger_receipts(list(dict.fromkeys(receipt_ids)))
            )
        }
        matcher = rec.number_matcher(odoo.number_prefixes)
        remote = {"sale": [], "purchase": [], "entry": []}
        for invoice in invoices:
            receipt = None
            if invoice.get("type") in rec.PURCHASE_TYPES and odoo.compares_lines(invoice["id"]):
                receipt = receipts.get(invoice.get("ledgerReceiptId"))
            doc = rec.remote_invoice(
                invoice,
                paid.get(invoice["id"], Decimal(0)),
                receipt,
                api_user_id=api_user,
                odoo_number=matcher,
            )
            if doc.doc_type == "purchase" and not doc.ours:
                # Bills the import takes are expected in Odoo too.
                doc.ours = odoo.imports_bills and doc.status in rec.ACCEPTED_PURCHASE
            remote[doc.doc_type].append(doc)
        for receipt in receipts.values():
            if receipt.get("type") == "JOURNAL":
                remote["entry"].append(rec.remote_receipt(receipt, odoo_number=matcher))
        findings = []
        for doc_type in ("sale", "purchase", "entry"):
            linked = {d.procountor_id for d in odoo.documents[doc_type]}
            summary.documents[doc_type] = len(odoo.documents[doc_type]) + len(
                [d for d in remote[doc_type] if d.procountor_id not in linked]
            )
            findings += rec.compare_documents(
                odoo.documents[doc_type], remote[doc_type], odoo.move_of
            )
        odoo.describe_missing(findings)
        findings += self._procountor_reconcile_balances(client, odoo, findings, paid, invoices)
        return findings

    def _procountor_reconcile_balances(self, client, odoo, findings, paid, invoices):
        """Open balances per partner at the period end, beyond the listed documents. The
        period's invoices were read already: only the open ones dated before it are
        searched (pages of basic rows)."""
        before = (odoo.date_from - timedelta(days=1)).isoformat()
        found = client.search_invoices(
            types=[*rec.SALES_TYPES, *rec.PURCHASE_TYPES],
            endDate=before,
            status=list(rec.OPEN_STATUSES),
        )
        rows = {row["id"]: row for row in _rows(found)}
        end = odoo.date_to.isoformat()
        for invoice in invoices:
            if invoice.get("status") in rec.OPEN_STATUSES and str(invoice.get("date")) <= end:
                rows.setdefault(invoice["id"], invoice)
        rows = list(rows.values())
        partly = [r["id"] for r in rows if r.get("status") == "PARTLY_PAID" and r["id"] not in paid]
        if partly:
            paid = {**paid, **rec.paid_by_invoice(client.get_payment_events(partly))}
        remote_items = odoo.remote_open_items(rows, paid)
        return rec.compare_balances(
            odoo.open_items(),
            remote_items,
            rec.explained_documents(findings),
            odoo.date_to.isoformat(),
        )


def _rows(iterator):
    """Search rows, each an object with an integer id (``ReconcileInputError`` otherwise:
    a malformed page must not look like a document that is missing)."""
    rows = []
    for row in iterator:
        row = rec.as_object(row, "search row")
        rec.as_int(row.get("id"), "search row id")
        rows.append(row)
    return rows
