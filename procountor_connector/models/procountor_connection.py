# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging
import threading
import time

import psycopg2

from odoo import api, fields, models, modules, tools
from odoo.exceptions import AccessError, UserError, ValidationError

from ..const import DEFAULT_LOG_RETENTION_DAYS
from ..procountor_api import const as api_const
from ..procountor_api import endpoint
from ..procountor_api.client import ProcountorClient
from ..procountor_api.exceptions import ProcountorError
from .procountor_cron_guard import unexpected_error_text
from .procountor_row_lock import try_lock_row
from .procountor_token_store import (  # noqa: F401 - REFRESH_LOCK_NAMESPACE: tests import it from here
    REFRESH_LOCK_NAMESPACE,
    REFRESH_LOCK_WAIT_SECONDS,
    TOKEN_FIELDS,
    ConnectionTokenStore,
    _token_tuple,
)

_logger = logging.getLogger(__name__)

#: Fields whose change makes a cached access token belong to other credentials.
CREDENTIAL_FIELDS = (
    "environment",
    "base_url",
    "api_version_path",
    "api_version_pinned",
    "client_id",
    "client_secret",
    "redirect_uri",
    "api_key",
)
#: Fields that decide which host receives the credentials: changed by system administrators only.
ENDPOINT_FIELDS = ("environment", "base_url", "api_version_path", "api_version_pinned")
PINNED = "pinned"


class ProcountorConnection(models.Model):
    """One Procountor company (environment), reached with one API key, for one Odoo company."""

    _name = "procountor.connection"
    _inherit = ["mail.thread", "procountor.exchange.mixin"]
    _description = "Procountor Connection"
    _order = "sequence, name, id"
    _check_company_auto = True

    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    environment = fields.Selection(
        [("production", "Production"), ("test", "Test"), ("custom", "Custom URL")],
        required=True,
        default="test",
        help="Production: api.procountor.com; Test: Procountor's public testing server; "
        "Custom URL: another server such as the local Procountor sandbox.",
    )
    base_url = fields.Char(
        "Base URL",
        help="Host root without /api, e.g. http://127.0.0.1:8899 (only for a custom URL)",
    )
    api_version_path = fields.Selection(
        [
            ("api", "Unversioned (/api)"),
            ("latest/api", "Latest (/latest/api)"),
            ("supported/api", "Supported (/supported/api)"),
            (PINNED, "Pinned version (/vYYMM/api)"),
        ],
        "API Version",
        required=True,
        default=api_const.DEFAULT_API_VERSION_PATH,
    )
    api_version_pinned = fields.Char("Pinned Version", help="Numbered release, e.g. v2604")
    # Client id and redirect URI identify the integration application, not the company: they are
    # copied with the connection and readable by Procountor managers. The client secret and the API
    # key are secrets.
    client_id = fields.Char("Client ID")
    redirect_uri = fields.Char("Redirect URI")
    client_secret = fields.Char(groups="base.group_system", copy=False)
    api_key = fields.Char("API Key", groups="base.group_system", copy=False)
    procountor_access_token = fields.Char("Access Token", groups="base.group_system", copy=False)
    procountor_token_expires_at = fields.Datetime("Token Expiry", copy=False, readonly=True)
    procountor_timeout = fields.Integer(
        "Timeout (s)",
        default=api_const.READ_TIMEOUT,
        help="Seconds to wait for each Procountor answer",
    )
    procountor_log_retention_days = fields.Integer(
        "Keep Log (days)",
        default=DEFAULT_LOG_RETENTION_DAYS,
        help="Log entries older than this are deleted daily",
    )
    state = fields.Selection(
        [("not_connected", "Not Connected"), ("connected", "Connected"), ("error", "Error")],
        default="not_connected",
        required=True,
        copy=False,
        readonly=True,
        tracking=True,
    )
    last_error = fields.Text(copy=False, readonly=True)
    procountor_company_name = fields.Char("Procountor Company", copy=False, readonly=True)
    procountor_business_id = fields.Char("Business ID", copy=False, readonly=True)
    last_fetch_date = fields.Datetime("Reference Data Fetched", copy=False, readonly=True)
    is_company_default = fields.Boolean("Default of Company", compute="_compute_is_company_default")

    vat_percent_ids = fields.One2many("procountor.vat.percent", "connection_id", "VAT Percentages")
    vat_status_ids = fields.One2many("procountor.vat.status", "connection_id", "VAT Statuses")
    ledger_account_ids = fields.One2many(
        "procountor.ledger.account", "connection_id", "Ledger Accounts"
    )
    dimension_ids = fields.One2many("procountor.dimension", "connection_id", "Dimensions")
    dimension_item_ids = fields.One2many(
        "procountor.dimension.item", "connection_id", "Dimension Items"
    )
    bank_account_ids = fields.One2many("procountor.bank.account", "connection_id", "Bank Accounts")

    tax_mapping_ids = fields.One2many("procountor.tax.mapping", "connection_id", "Tax Mappings")
    fiscal_position_mapping_ids = fields.One2many(
        "procountor.fiscal.position.mapping", "connection_id", "Fiscal Position Mappings"
    )
    account_mapping_ids = fields.One2many(
        "procountor.account.mapping", "connection_id", "Account Mappings"
    )
    analytic_plan_mapping_ids = fields.One2many(
        "procountor.analytic.plan.mapping", "connection_id", "Analytic Plan Mappings"
    )
    analytic_mapping_ids = fields.One2many(
        "procountor.analytic.mapping", "connection_id", "Analytic Account Mappings"
    )
    # Units of measure are shared by all companies: their mappings are copied with the connection.
    # The other mappings point to company records (taxes, accounts, journals...) and stay with the
    # original.
    uom_mapping_ids = fields.One2many(
        "procountor.uom.mapping", "connection_id", "Unit Mappings", copy=True
    )
    journal_mapping_ids = fields.One2many(
        "procountor.journal.mapping", "connection_id", "Journal Mappings"
    )
    exchange_ids = fields.One2many("procountor.exchange", "connection_id", "Log")

    @api.constrains("procountor_timeout")
    def _check_timeout(self):
        for connection in self:
            if connection.procountor_timeout > api_const.READ_TIMEOUT_MAX:
                raise ValidationError(
                    self.env._(
                        "The timeout may be at most %(max)s seconds.",
                        max=api_const.READ_TIMEOUT_MAX,
                    )
                )

    _sql_constraints = [
        (
            "timeout_positive",
            "CHECK(procountor_timeout > 0)",
            "The timeout must be at least one second.",
        ),
        (
            "retention_positive",
            "CHECK(procountor_log_retention_days > 0)",
            "The log must be kept at least one day.",
        ),
    ]

    # ------------------------------------------------------------------ ORM

    def _compute_is_company_default(self):
        for connection in self:
            connection.is_company_default = (
                connection.company_id.procountor_connection_id == connection
            )

    @api.model
    def _procountor_normalize_version(self, vals):
        """Accept the client's spelling ``vYYMM/api`` for ``api_version_path`` (architecture.md)."""
        path = vals.get("api_version_path")
        if path and api_const.API_VERSION_PATH_PATTERN.match(path):
            vals = dict(vals, api_version_path=PINNED, api_version_pinned=path.split("/", 1)[0])
        return vals

    procountor_endpoint_editable = fields.Boolean(
        compute="_compute_procountor_endpoint_editable",
        help="Technical: the current user may change where the connection points.",
    )

    @api.depends_context("uid")
    def _compute_procountor_endpoint_editable(self):
        # The form shows the endpoint read-only to whom write() would refuse it: a manager
        # sees it greyed out instead of an access error after editing.
        self.procountor_endpoint_editable = self._procountor_may_change_endpoint()

    def _procountor_may_change_endpoint(self):
        """Only system administrators decide where credentials are sent (see architecture.md)."""
        return self.env.su or self.env.user._is_system()

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = [self._procountor_normalize_version(vals) for vals in vals_list]
        with self.env.cr.savepoint():
            # In a savepoint: a refused creation leaves nothing behind, even for a caller
            # that catches the error.
            connections = super().create(vals_list)
            # The created records, not the vals: context defaults (default_environment,
            # default_base_url) and field defaults fill in what the vals leave out.
            if not self._procountor_may_change_endpoint() and any(
                connection.environment == "custom" or connection.base_url
                for connection in connections
            ):
                raise AccessError(
                    self.env._(
                        "Only system administrators may create a Procountor connection "
                        "with a custom URL."
                    )
                )
        for connection in connections:
            company = connection.company_id.sudo()
            if not company.procountor_connection_id:
                # sudo as in write(): an Accounting administrator may create the company's
                # first connection without the right to write the company itself.
                company.procountor_connection_id = connection
        return connections

    def _procountor_changed(self, vals, names):
        """Those of ``names`` whose value in ``vals`` differs on some of ``self``.

        A form saves unchanged fields too; writing a field's own value changes nothing. Compared
        as superuser: secrets are compared, never returned.
        """
        connections = self.sudo()
        return [
            name
            for name in names
            if name in vals
            and any(
                (connection[name] or False) != (vals[name] or False) for connection in connections
            )
        ]

    def write(self, vals):
        vals = self._procountor_normalize_version(vals)
        if self._procountor_changed(vals, ENDPOINT_FIELDS) and not (
            self._procountor_may_change_endpoint()
        ):
            raise AccessError(
                self.env._(
                    "Only system administrators may change where a Procountor connection "
                    "points (environment, base URL, API version)."
                )
            )
        clear_token = bool(self._procountor_changed(vals, CREDENTIAL_FIELDS))
        if clear_token and "state" not in vals:
            vals = dict(vals, state="not_connected")
        left_companies = self.env["res.company"]
        if "company_id" in vals:
            self._procountor_check_company_change(vals["company_id"])
            left_companies = self.sudo().company_id.filtered(
                lambda company: (
                    company.id != vals["company_id"] and company.procountor_connection_id in self
                )
            )
        result = super().write(vals)
        if clear_token:
            # A token belongs to the credentials and the host that obtained it: forget it when
            # they change. sudo: managers may change the client id or redirect URI but never
            # read or write the token itself.
            self.sudo().write(dict.fromkeys(TOKEN_FIELDS, False))
        if left_companies:
            # A company's default connection must stay one of its own: the one that moved away
            # would otherwise keep receiving the old company's invoices.
            left_companies.sudo().procountor_connection_id = False
        return result

    def _procountor_company_mappings(self):
        """Mappings that point to records of the connection's company."""
        self.ensure_one()
        return (
            self.tax_mapping_ids
            or self.fiscal_position_mapping_ids
            or self.account_mapping_ids
            or self.analytic_mapping_ids
            or self.journal_mapping_ids
        )

    def _procountor_check_company_change(self, company_id):
        if any(
            connection.company_id.id != company_id and connection._procountor_company_mappings()
            for connection in self
        ):
            raise UserError(
                self.env._(
                    "Remove the mappings of a connection before moving it to another company."
                )
            )

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        for connection, vals in zip(self, vals_list, strict=True):
            if "name" not in (default or {}):
                vals["name"] = self.env._("%(name)s (copy)", name=connection.name)
        return vals_list

    def _procountor_base_url_message(self, problem):
        """The translated message of a problem code of ``endpoint.base_url_problem``."""
        _ = self.env._
        return {
            endpoint.SCHEME: _(
                "The base URL must start with https:// (http:// only for this machine)."
            ),
            endpoint.HOST: _("The base URL has no valid host name."),
            endpoint.PORT: _("The base URL has an invalid port."),
            endpoint.USERINFO: _("The base URL must not contain a user name or a password."),
            endpoint.QUERY: _("The base URL must not contain a query (?…) or a fragment (#…)."),
            endpoint.API_PATH: _(
                "The base URL is the host root, e.g. https://api.example.com: choose the API "
                "version in its own field, without /api in the URL."
            ),
            endpoint.PATH: _(
                "The base URL is the host root: scheme, host and port only, without a path."
            ),
            endpoint.HTTPS: _(
                "The base URL must use https://. Plain http:// is allowed only for this "
                "machine (localhost, 127.0.0.1, ::1), such as the local Procountor sandbox."
            ),
        }.get(problem, _("The base URL is not valid."))

    @api.constrains("environment", "base_url", "api_version_path", "api_version_pinned")
    def _check_endpoint(self):
        for connection in self:
            if connection.environment == "custom" and connection.base_url:
                # The client's own check (procountor_api/endpoint.py): what saves here connects.
                problem = endpoint.base_url_problem(connection.base_url)
                if problem:
                    raise ValidationError(self._procountor_base_url_message(problem))
            if connection.api_version_path == PINNED and connection.api_version_pinned:
                if not api_const.API_VERSION_PATH_PATTERN.match(
                    f"{connection.api_version_pinned}/api"
                ):
                    raise ValidationError(
                        self.env._("A pinned API version looks like v2604 (v + year + month).")
                    )

    # ------------------------------------------------------------------ client

    def _procountor_effective_version_path(self):
        self.ensure_one()
        if self.api_version_path == PINNED:
            return f"{self.api_version_pinned}/api"
        return self.api_version_path

    def _procountor_check_configuration(self):
        """Raise a UserError for settings that cannot work, before any HTTP call."""
        self.ensure_one()
        connection = self.sudo()
        missing = [
            label
            for label, value in (
                (self.env._("Client ID"), connection.client_id),
                (self.env._("Client Secret"), connection.client_secret),
                (self.env._("API Key"), connection.api_key),
            )
            if not value
        ]
        if missing:
            raise UserError(
                self.env._(
                    "Procountor connection %(name)s lacks: %(fields)s.",
                    name=connection.name,
                    fields=", ".join(missing),
                )
            )
        if connection.environment == "custom" and not connection.base_url:
            raise UserError(
                self.env._(
                    "Procountor connection %(name)s uses a custom URL but has none.",
                    name=connection.name,
                )
            )
        if connection.environment == "custom":
            # A URL saved before the constraint became strict (or written in SQL) is refused
            # here with the same message, never as a ValueError from the client.
            problem = endpoint.base_url_problem(connection.base_url)
            if problem:
                raise UserError(
                    self.env._(
                        "Procountor connection %(name)s: %(problem)s",
                        name=connection.name,
                        problem=self._procountor_base_url_message(problem),
                    )
                )
        if connection.api_version_path == PINNED and not connection.api_version_pinned:
            raise UserError(
                self.env._(
                    "Procountor connection %(name)s has no pinned API version.",
                    name=connection.name,
                )
            )

    def _procountor_client_options(self):
        """Transport settings of the client (timeouts, retries); one place to tune them."""
        self.ensure_one()
        return {
            "timeout": (
                api_const.CONNECT_TIMEOUT,
                self.procountor_timeout or api_const.READ_TIMEOUT,
            ),
        }

    def _procountor_client(self, record=None):
        """A ``ProcountorClient`` for this connection.

        Its token lives in the connection (``ConnectionTokenStore``) and every HTTP call it makes
        leaves one ``procountor.exchange`` linked to ``record`` (any Odoo record, e.g. an invoice;
        default: none). Use it as a context manager so that its HTTP session is closed.
        """
        self.ensure_one()
        self._procountor_check_configuration()
        connection = self.sudo()

        def on_exchange(exchange):
            self._procountor_log_exchange(exchange, record)

        return ProcountorClient.for_environment(
            connection.environment,
            base_url=connection.base_url,
            client_id=connection.client_id,
            client_secret=connection.client_secret,
            api_key=connection.api_key,
            redirect_uri=connection.redirect_uri or "",
            api_version_path=connection._procountor_effective_version_path(),
            token_store=ConnectionTokenStore(self),
            on_exchange=on_exchange,
            # Every request of the connection in this process keeps its limits (in flight, per
            # second) and waits out a 429's pause, whichever batch or button made it.
            throttle=self._procountor_throttle(),
            **self._procountor_client_options(),
        )

    def _procountor_acquire_refresh_lock(self):
        """Take the token-refresh advisory lock of this connection; False if waiting timed out."""
        self.ensure_one()
        deadline = time.monotonic() + REFRESH_LOCK_WAIT_SECONDS
        while True:
            self.env.cr.execute(
                "SELECT pg_try_advisory_xact_lock(%s, %s)", [REFRESH_LOCK_NAMESPACE, self.id]
            )
            if self.env.cr.fetchone()[0]:
                return True
            if time.monotonic() >= deadline:
                _logger.warning(
                    "Procountor connection %s: another worker has been refreshing the token for "
                    "%s s; fetching one here too",
                    self.id,
                    REFRESH_LOCK_WAIT_SECONDS,
                )
                return False
            time.sleep(0.1)

    def _procountor_committed_token(self):
        """The token as last committed by any worker, read through a new cursor (fresh snapshot)."""
        self.ensure_one()
        with self.env.registry.cursor() as cr:
            cr.execute(
                "SELECT procountor_access_token, procountor_token_expires_at"
                " FROM procountor_connection WHERE id = %s",
                [self.id],
            )
            row = cr.fetchone()
        return _token_tuple(*row) if row else None

    def _procountor_lock_row(self):
        """Take this connection's row for the token write; False when another transaction has it."""
        return try_lock_row(self, flush=False)

    # ------------------------------------------------------------------ exchange log

    @api.model
    def _procountor_log_in_current_transaction(self):
        """True when the log must use the current cursor instead of a separate, committed one.

        A test's transaction is rolled back at its end and a TransactionCase forbids commits: a
        second cursor would leave log rows behind in the database and escape the test. So under
        tests (odoo-bin --test-enable sets ``test_enable``/``current_test``; pytest-odoo marks the
        thread ``testing``) the log is written in the current transaction.
        """
        return bool(
            modules.module.current_test
            or getattr(threading.current_thread(), "testing", False)
            or tools.config["test_enable"]
        )

    @api.model
    def _can_commit(self):
        """Whether a cron may commit between connections (never under tests)."""
        return not tools.config["test_enable"] and not modules.module.current_test

    def _procountor_log_exchange(self, exchange, record=None):
        """Store one client ``Exchange`` so that it survives a rollback of the business work."""
        self.ensure_one()
        vals = self.env["procountor.exchange"]._prepare_vals_from_exchange(self, exchange, record)
        self._procountor_log_exchange_vals([vals])

    def _procountor_log_exchange_vals(self, vals_list):
        """Create log entries through a separate cursor (they survive a rollback), in one go."""
        self.ensure_one()
        if self._procountor_log_in_current_transaction():
            self.env["procountor.exchange"].sudo().create(vals_list)
            return
        try:
            with self.env.registry.cursor() as cr:  # committed when the block ends
                env = self.env(cr=cr, su=True)
                if env["procountor.connection"].browse(self.id).exists():
                    env["procountor.exchange"].create(vals_list)
                    return
        except psycopg2.Error as exc:
            # The log is an aid: a database problem with it must not hide the API result from the
            # caller.
            _logger.error("Could not write the Procountor log through a separate cursor: %s", exc)
            return
        # The connection itself is not committed yet (created in this transaction): the log cannot
        # outlive it, so it shares its transaction.
        self.env["procountor.exchange"].sudo().create(vals_list)

    def _procountor_exchange_domain(self):
        self.ensure_one()
        return [("connection_id", "=", self.id)]

    # ------------------------------------------------------------------ state and notifications

    def _procountor_store_error(self, error):
        """Remember a failed call on the connection (state + readable text) and log it."""
        message = error.message if isinstance(error, ProcountorError) else str(error)
        _logger.warning("Procountor connection %s (%s): %s", self.id, self.name, message)
        self.sudo().write({"state": "error", "last_error": message})
        return message

    def _procountor_store_unexpected(self, error):
        """``procountor_isolated``'s ``on_error`` for a connection: state error, readable text."""
        self.ensure_one()
        self.sudo().write({"state": "error", "last_error": unexpected_error_text(self.env, error)})

    @api.model
    def _procountor_notification(self, title, message, kind="success"):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": title,
                "message": message,
                "type": kind,
                "sticky": kind == "danger",
                # Reload the form behind the notification so that it shows the stored state.
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_test_connection(self):
        """Get a token and the Procountor company; store the outcome and notify.

        API errors are stored and notified, never raised (so that state and log persist).
        """
        self.ensure_one()
        self.check_access("read")
        self._procountor_check_configuration()
        try:
            with self._procountor_client(record=self) as client:
                company = client.get_company() or {}
        except ProcountorError as exc:
            message = self._procountor_store_error(exc)
            return self._procountor_notification(
                self.env._("Procountor connection failed"), message, "danger"
            )
        business_id = (company.get("businessIdentifier") or {}).get("code") or False
        self.sudo().write(
            {
                "state": "connected",
                "last_error": False,
                "procountor_company_name": company.get("name") or False,
                "procountor_business_id": business_id,
            }
        )
        return self._procountor_notification(
            self.env._("Procountor connection works"),
            self.env._(
                "Connected to Procountor company %(name)s (%(business_id)s).",
                name=company.get("name") or "?",
                business_id=business_id or "-",
            ),
        )
