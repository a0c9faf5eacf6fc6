# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .account_move import CLAIM_LEASE
from .procountor_cron_guard import procountor_isolated
from .res_partner import PROCOUNTOR_INVOICE_CHANNELS

_logger = logging.getLogger(__name__)

#: Procountor invoice states in which the cron looks for work.
CRON_STATES = ("not_sent", "sending", "error")
#: An invoice whose last attempt failed (or stayed unconfirmed) is retried by the cron only
#: after this pause, so that an outage is not hammered by the cron's immediate re-runs.
CRON_RETRY_DELAY = timedelta(minutes=10)
#: The code of the scheduled actions that send invoices (one per worker).
SEND_CRON_CODE = "model._cron_procountor_send_invoices()"
#: Candidates a cron run looks at, per invoice it may send (see ``_procountor_cron_send_batch``).
CANDIDATES_FACTOR = 2
#: Seconds a batch waits after an HTTP 429 that gave no Retry-After.
RATE_LIMIT_DEFAULT_PAUSE = 60


class ProcountorConnection(models.Model):
    """Options of sending sales invoices and credit notes through a connection."""

    _inherit = "procountor.connection"

    invoice_accounting_rows = fields.Boolean(
        "Set Accounts and Dimensions",
        help="After creating an invoice, write the Odoo accounts and analytic distribution "
        "(as Procountor dimensions) on its accounting page (one ledger row per invoice row).",
    )
    invoice_attach_pdf = fields.Boolean(
        "Attach Invoice PDF",
        default=True,
        help="Upload Odoo's invoice PDF to the Procountor invoice, sent along with it.",
    )
    invoice_approve = fields.Boolean(
        "Approve Invoices",
        help="Approve each invoice in Procountor after creating it. "
        "An approved invoice can no longer be changed through the API.",
    )
    invoice_send = fields.Boolean(
        "Send Through Procountor",
        help="Let Procountor deliver each approved invoice through its invoice channel "
        "(e-mail, e-invoice or printing service).",
    )
    invoice_default_channel = fields.Selection(
        PROCOUNTOR_INVOICE_CHANNELS,
        "Default Invoice Channel",
        default="NO_SENDING",
        required=True,
        help="Used for customers without their own Procountor invoice channel.",
    )
    invoice_cron_enabled = fields.Boolean(
        "Send Automatically",
        help="A scheduled action sends the posted invoices and credit notes that are not yet "
        "in Procountor.",
    )
    invoice_cron_date_from = fields.Date(
        "Send Invoices Dated From",
        default=fields.Date.context_today,
        help="The scheduled action ignores invoices dated before this day (older invoices "
        "are usually already in Procountor).",
    )
    invoice_paused_until = fields.Datetime(
        "Sending Paused Until",
        copy=False,
        readonly=True,
        help="Procountor asked to slow down (HTTP 429): no invoice is sent through this "
        "connection before this time; what is left waits for the next run.",
    )
    invoice_batch_size = fields.Integer(
        "Invoices per Run",
        default=50,
        help="How many invoices the scheduled action sends per batch.",
    )

    _sql_constraints = [
        (
            "invoice_batch_size_positive",
            "CHECK(invoice_batch_size > 0)",
            "The number of invoices per run must be positive.",
        ),
    ]

    @api.constrains("invoice_send", "invoice_approve")
    def _check_invoice_send_needs_approve(self):
        for connection in self:
            if connection.invoice_send and not connection.invoice_approve:
                raise ValidationError(
                    _("Procountor sends only approved invoices: enable approving as well.")
                )

    @api.onchange("invoice_send")
    def _onchange_invoice_send(self):
        if self.invoice_send:
            self.invoice_approve = True

    def _procountor_invoice_steps(self):
        """Optional steps after creating an invoice, in their order (see account.move)."""
        self.ensure_one()
        steps = []
        if self.invoice_accounting_rows:
            steps.append("accounting")
        if self.invoice_attach_pdf:
            steps.append("attached")
        if self.invoice_approve:
            steps.append("approved")
        if self.invoice_send:
            steps.append("sent")
        return steps

    def _procountor_invoice_cron_domain(self, now=None):
        """Posted invoices and credit notes of this connection's company still to send."""
        self.ensure_one()
        now = now or fields.Datetime.now()
        retry_before = now - CRON_RETRY_DELAY
        domain = [
            ("company_id", "=", self.company_id.id),
            ("state", "=", "posted"),
            ("move_type", "in", ("out_invoice", "out_refund")),
            ("procountor_state", "in", CRON_STATES),
            # An error that Procountor gave for the data waits for a person to fix it.
            "|",
            ("procountor_state", "!=", "error"),
            ("procountor_error_retryable", "=", True),
            "|",
            ("procountor_attempt_date", "=", False),
            ("procountor_attempt_date", "<", retry_before),
            # Claimed by a worker that is still within its lease: it would only be skipped,
            # and counted as remaining work it would make the cron re-run at once, over and
            # over, until the lease ends.
            "|",
            ("procountor_claimed_at", "=", False),
            ("procountor_claimed_at", "<", now - CLAIM_LEASE),
        ]
        if self.invoice_cron_date_from:
            domain.append(("invoice_date", ">=", self.invoice_cron_date_from))
        return domain

    @api.model
    def _cron_procountor_send_invoices(self):
        """Send the unsent posted invoices of every connection that asks for it.

        One batch per connection and run; when more remain, ``_notify_progress`` makes
        the cron runner call again at once. Never raises for an invoice's problem (a
        cron that fails repeatedly is deactivated by Odoo): each invoice stores its own
        error and the batch goes on.
        """
        connections = self.search(
            [
                ("invoice_cron_enabled", "=", True),
                ("company_id.procountor_connection_id", "!=", False),
            ]
        )
        progress = {"done": 0, "remaining": 0}
        for connection in connections.filtered(
            lambda record: record.company_id.procountor_connection_id == record
        ):
            # One connection's unexpected error (a malformed answer, a bug) is stored on it
            # and logged; the other companies' invoices are sent all the same, and the cron
            # itself never fails (Odoo would deactivate it).
            with procountor_isolated(
                connection,
                connection._procountor_store_unexpected,
                f"sending invoices of {connection.name}",
            ):
                connection._procountor_cron_send_batch(progress)
        self.env["ir.cron"]._notify_progress(**progress)
        if progress["remaining"]:
            self._procountor_wake_send_workers()

    @api.model
    def _procountor_wake_send_workers(self):
        """More invoices wait than one run sends: start the other active send workers now
        (the scheduled actions running this same code, e.g. "second worker"), so that they
        share the work instead of waiting for their next scheduled time. They take other
        invoices than this run (``SKIP LOCKED`` and the claim's lease)."""
        current = self.env.context.get("cron_id")
        workers = (
            self.env["ir.cron"]
            .sudo()
            .search([("code", "=", SEND_CRON_CODE), ("active", "=", True), ("id", "!=", current)])
        )
        for worker in workers:
            worker._trigger()

    def _procountor_cron_send_batch(self, progress):
        """One batch of this connection's unsent invoices; adds to ``progress``."""
        self.ensure_one()
        if self._procountor_paused():
            return
        Move = self.env["account.move"]
        domain = self._procountor_invoice_cron_domain()
        # Twice the batch: another worker may hold the first ones (locked, not yet claimed);
        # this one then takes the next instead of ending its run empty-handed.
        moves = Move.search(
            domain, order="invoice_date, id", limit=self.invoice_batch_size * CANDIDATES_FACTOR
        )
        if not moves:
            return
        summary = moves._procountor_send_batch(from_cron=True, limit=self.invoice_batch_size)
        # Skipped invoices (locked by another transaction) are no progress: counting them
        # as done would make the cron runner call again at once while they stay locked.
        progress["done"] += len(summary.sent) + len(summary.failed)
        # Invoices attempted now (sent or failed) have left the domain: what is left is new
        # work, and the cron runner calls again at once for it. Not after a stop (refused
        # credentials, rate limit): calling again at once would only meet the same refusal.
        if not summary.stopped:
            progress["remaining"] += Move.search_count(domain)
        waited = summary.retry.as_text() if summary.retry else ""
        _logger.info(
            "Procountor connection %s: %s sent, %s skipped, %s failed%s%s",
            self.id,
            len(summary.sent),
            len(summary.skipped),
            len(summary.failed),
            f"; {waited}" if waited else "",
            f"; stopped: {summary.stopped}" if summary.stopped else "",
        )

    def _procountor_paused(self):
        """True while Procountor's last 429 asks this connection to wait."""
        self.ensure_one()
        return bool(self.invoice_paused_until) and self.invoice_paused_until > fields.Datetime.now()

    def _procountor_pause(self, error):
        """Pause sending for the ``Retry-After`` of a 429 (a minute when it gave none)."""
        self.ensure_one()
        seconds = getattr(error, "retry_after", None)
        seconds = RATE_LIMIT_DEFAULT_PAUSE if seconds is None else max(1, int(seconds))
        until = fields.Datetime.now() + timedelta(seconds=seconds)
        self.sudo().write({"invoice_paused_until": until})
        _logger.warning(
            "Procountor connection %s: rate limited, sending paused until %s", self.id, until
        )
        return until
