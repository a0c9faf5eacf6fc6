# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging
from datetime import timedelta

from odoo import api, fields, models

from ..const import DEFAULT_LOG_RETENTION_DAYS, EXCHANGE_BODY_STORE_CAP
from ..procountor_api.redact import cap

_logger = logging.getLogger(__name__)


class ProcountorExchange(models.Model):
    """One HTTP call made to Procountor through a connection (append-only log).

    Records are written by ``procountor.connection._procountor_log_exchange`` only (as superuser,
    through a separate cursor so that they outlive a rolled-back business transaction). Bodies
    arrive redacted by the client (no client secret, API key or token) and are capped again here.
    """

    _name = "procountor.exchange"
    _description = "Procountor API Exchange"
    _order = "create_date desc, id desc"

    connection_id = fields.Many2one(
        "procountor.connection", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    operation = fields.Char(index=True, readonly=True, help="Client method that made the call")
    res_model = fields.Char("Related Model", index=True, readonly=True)
    res_id = fields.Many2oneReference(
        "Related Record ID", model_field="res_model", index=True, readonly=True
    )
    method = fields.Char(readonly=True)
    path = fields.Char(readonly=True)
    status = fields.Integer("HTTP Status", readonly=True, help="0 when no answer came back")
    duration_ms = fields.Integer("Duration (ms)", readonly=True)
    ok = fields.Boolean("Succeeded", readonly=True, index=True)
    state = fields.Selection(
        [("ok", "Succeeded"), ("error", "Failed")],
        compute="_compute_state",
        store=True,
        # computed before the INSERT: one query per logged call instead of INSERT + UPDATE
        precompute=True,
        readonly=True,
    )
    error_codes = fields.Char(readonly=True, help="Procountor error codes, comma-separated")
    error_message = fields.Text(readonly=True)
    request_body = fields.Text(readonly=True)
    response_body = fields.Text(readonly=True)

    @api.depends("ok")
    def _compute_state(self):
        for exchange in self:
            exchange.state = "ok" if exchange.ok else "error"

    @api.depends("method", "path", "status")
    def _compute_display_name(self):
        for exchange in self:
            exchange.display_name = (
                f"{exchange.method or ''} {exchange.path or ''} {exchange.status or ''}".strip()
            )

    @api.model
    def _prepare_vals_from_exchange(self, connection, exchange, record=None):
        """Values of one log entry from a client ``Exchange`` (see docs/architecture.md)."""
        return {
            "connection_id": connection.id,
            "company_id": connection.company_id.id,
            "operation": exchange.operation,
            "res_model": record._name if record else False,
            "res_id": record.id if record else False,
            "method": exchange.method,
            "path": exchange.path,
            "status": exchange.status or 0,
            "duration_ms": int(exchange.duration_ms or 0),
            "ok": bool(exchange.ok),
            "error_codes": ", ".join(str(code) for code in exchange.error_codes or ()) or False,
            "error_message": cap(exchange.error_message, EXCHANGE_BODY_STORE_CAP) or False,
            # Already capped by the client; a second cap keeps a client change from bloating the
            # table.
            "request_body": cap(exchange.request_body, EXCHANGE_BODY_STORE_CAP) or False,
            "response_body": cap(exchange.response_body, EXCHANGE_BODY_STORE_CAP) or False,
        }

    def action_open_related_record(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
        }

    @api.model
    def _cron_procountor_cleanup_exchanges(self):
        """Delete log entries older than their connection's retention (archived ones included)."""
        connections = self.env["procountor.connection"].with_context(active_test=False).search([])
        now = fields.Datetime.now()
        for connection in connections:
            days = connection.procountor_log_retention_days or DEFAULT_LOG_RETENTION_DAYS
            old = self.search(
                [
                    ("connection_id", "=", connection.id),
                    ("create_date", "<", now - timedelta(days=days)),
                ]
            )
            if old:
                _logger.info(
                    "Deleting %s Procountor log entries of connection %s", len(old), connection.id
                )
                old.unlink()
