# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The setup checklist of a connection: one done flag and one readable status per step.

Computed (never stored) when the form is shown, with a few grouped queries per step: it is a
form, not a batch. The steps' buttons reuse the connection's own actions.
"""

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools.misc import format_datetime

from .procountor_mapping_suggester import INVOICE_MOVE_TYPES

#: Months of posted invoices and bills whose taxes must be mapped.
TAX_USE_MONTHS = 12
#: Names listed in a status before "and N more".
STATUS_NAMES_SHOWN = 8
#: Checklist steps, in the order of the Setup tab.
SETUP_STEPS = (
    "credentials",
    "connection",
    "reference",
    "taxes",
    "mappings",
    "registers",
    "crons",
)


def _names_list(names, more_text):
    """``names`` joined by commas, cut after ``STATUS_NAMES_SHOWN`` with ``more_text`` % rest."""
    shown = ", ".join(names[:STATUS_NAMES_SHOWN])
    rest = len(names) - STATUS_NAMES_SHOWN
    return f"{shown} {more_text % rest}" if rest > 0 else shown


class ProcountorConnection(models.Model):
    _inherit = "procountor.connection"

    procountor_tested_at = fields.Datetime(
        "Last Connection Test",
        copy=False,
        readonly=True,
        help="When the last successful connection test was made.",
    )

    setup_credentials_done = fields.Boolean(compute="_compute_setup_credentials")
    setup_credentials_status = fields.Text(compute="_compute_setup_credentials")
    setup_connection_done = fields.Boolean(compute="_compute_setup_connection")
    setup_connection_status = fields.Text(compute="_compute_setup_connection")
    setup_reference_done = fields.Boolean(compute="_compute_setup_reference")
    setup_reference_status = fields.Text(compute="_compute_setup_reference")
    setup_taxes_done = fields.Boolean(compute="_compute_setup_taxes")
    setup_taxes_status = fields.Text(compute="_compute_setup_taxes")
    setup_unmapped_tax_ids = fields.Many2many(
        "account.tax",
        compute="_compute_setup_taxes",
        string="Unmapped Taxes in Use",
        help="Taxes of the company's posted invoices and bills of the last 12 months without a "
        "Procountor VAT percentage and VAT status.",
    )
    setup_mappings_done = fields.Boolean(compute="_compute_setup_mappings")
    setup_mappings_status = fields.Text(compute="_compute_setup_mappings")
    setup_registers_done = fields.Boolean(compute="_compute_setup_registers")
    setup_registers_status = fields.Text(compute="_compute_setup_registers")
    setup_crons_done = fields.Boolean(compute="_compute_setup_crons")
    setup_crons_status = fields.Text(compute="_compute_setup_crons")
    setup_progress = fields.Char(compute="_compute_setup_progress")

    # ------------------------------------------------------------------ helpers

    def _procountor_setup_when(self, value):
        """A datetime in the user's time zone and language, for a status line."""
        return format_datetime(self.env, value, dt_format="short") if value else ""

    # ------------------------------------------------------------------ credentials

    def _procountor_missing_credentials(self):
        """Labels of the credentials still empty; read as superuser, so a Procountor manager
        learns whether the secrets are set without ever seeing them."""
        self.ensure_one()
        _ = self.env._
        connection = self.sudo()
        required = [
            (_("Client ID"), connection.client_id),
            (_("Client Secret"), connection.client_secret),
            (_("API Key"), connection.api_key),
        ]
        if connection.environment == "custom":
            required.append((_("Base URL"), connection.base_url))
        if connection.api_version_path == "pinned":
            required.append((_("Pinned Version"), connection.api_version_pinned))
        return [label for label, value in required if not value]

    @api.depends(
        "client_id",
        "client_secret",
        "api_key",
        "redirect_uri",
        "environment",
        "base_url",
        "api_version_path",
        "api_version_pinned",
    )
    @api.depends_context("uid")
    def _compute_setup_credentials(self):
        _ = self.env._
        for connection in self:
            missing = connection._procountor_missing_credentials()
            connection.setup_credentials_done = not missing
            if missing:
                status = _("Missing: %(fields)s.", fields=", ".join(missing))
            else:
                status = _("Client ID, client secret and API key are set.")
                if not connection.redirect_uri:
                    status += " " + _(
                        "No redirect URI: enter the one registered with the API client "
                        "if Procountor refuses the token."
                    )
            if not self.env.user._is_system():
                status += " " + _("Only administrators see and change the secrets.")
            connection.setup_credentials_status = status

    # ------------------------------------------------------------------ connection

    @api.depends("state", "procountor_tested_at", "procountor_company_name", "last_error")
    def _compute_setup_connection(self):
        _ = self.env._
        for connection in self:
            connection.setup_connection_done = connection.state == "connected"
            if connection.state == "connected":
                status = _(
                    "Connected to %(company)s.",
                    company=connection.procountor_company_name or _("Procountor"),
                )
            elif connection.state == "error":
                status = _("The last call failed: %(error)s", error=connection.last_error or "-")
            else:
                status = _("Not tested yet: press Test Connection.")
            if connection.procountor_tested_at:
                status += " " + _(
                    "Last successful test: %(when)s.",
                    when=connection._procountor_setup_when(connection.procountor_tested_at),
                )
            connection.setup_connection_status = status

    def action_test_connection(self):
        result = super().action_test_connection()
        if self.state == "connected":
            # Only a success sets it: the checklist shows when the credentials last worked.
            self.sudo().procountor_tested_at = fields.Datetime.now()
        return result

    # ------------------------------------------------------------------ reference data

    def _procountor_reference_counts(self):
        """{connection id: {model: count}} of the fetched reference data, one query per model."""
        models_ = (
            "procountor.vat.percent",
            "procountor.vat.status",
            "procountor.ledger.account",
            "procountor.dimension",
            "procountor.bank.account",
        )
        ids = [connection_id for connection_id in self.ids if isinstance(connection_id, int)]
        counts = {}
        for model in models_:
            for connection, count in (
                self.env[model]
                .sudo()
                ._read_group([("connection_id", "in", ids)], ["connection_id"], ["__count"])
            ):
                counts.setdefault(connection.id, {})[model] = count
        return counts

    @api.depends("last_fetch_date")
    def _compute_setup_reference(self):
        _ = self.env._
        counts = self._procountor_reference_counts()
        for connection in self:
            found = counts.get(connection.id, {})
            fetched = bool(connection.last_fetch_date) and bool(
                found.get("procountor.vat.percent") or found.get("procountor.vat.status")
            )
            connection.setup_reference_done = fetched
            if not fetched:
                connection.setup_reference_status = _(
                    "Not fetched yet: press Fetch Settings after a successful connection test."
                )
                continue
            connection.setup_reference_status = _(
                "Fetched %(when)s: %(vat)s VAT percentages, %(statuses)s VAT statuses, "
                "%(accounts)s ledger accounts, %(dimensions)s dimensions, %(banks)s bank accounts.",
                when=connection._procountor_setup_when(connection.last_fetch_date),
                vat=found.get("procountor.vat.percent", 0),
                statuses=found.get("procountor.vat.status", 0),
                accounts=found.get("procountor.ledger.account", 0),
                dimensions=found.get("procountor.dimension", 0),
                banks=found.get("procountor.bank.account", 0),
            )

    # ------------------------------------------------------------------ taxes in use

    def _procountor_taxes_in_use(self):
        """Taxes on the company's posted invoices, credit notes and bills of the last 12 months,
        group taxes replaced by their children (those are what is mapped).

        One query asking, per tax, whether one such line exists (``EXISTS`` stops at the first):
        the Setup tab is computed at every form load and onchange, and grouping a year of lines
        by their taxes read them all. As SQL, not the ORM: the checklist must count every
        document of the connection's company, even outside the user's active companies.
        """
        self.ensure_one()
        self.env["account.move.line"].flush_model(
            ["company_id", "parent_state", "move_id", "display_type", "date", "tax_ids"]
        )
        self.env["account.move"].flush_model(["move_type"])
        date_from = fields.Date.context_today(self) - relativedelta(months=TAX_USE_MONTHS)
        self.env.cr.execute(
            """
            SELECT tax.id FROM account_tax tax
             WHERE EXISTS (
                   SELECT 1
                     FROM account_move_line_account_tax_rel rel
                     JOIN account_move_line line ON line.id = rel.account_move_line_id
                     JOIN account_move move ON move.id = line.move_id
                    WHERE rel.account_tax_id = tax.id
                      AND line.company_id = %s
                      AND line.parent_state = 'posted'
                      AND move.move_type IN %s
                      AND line.display_type = 'product'
                      AND line.date >= %s
                   )
            """,
            (self.company_id.id, tuple(INVOICE_MOVE_TYPES), date_from),
        )
        taxes = self.env["account.tax"].sudo().browse(row[0] for row in self.env.cr.fetchall())
        return taxes.flatten_taxes_hierarchy()

    @api.depends(
        "company_id",
        "tax_mapping_ids.tax_id",
        "tax_mapping_ids.vat_percent_id",
        "tax_mapping_ids.vat_status_id",
    )
    def _compute_setup_taxes(self):
        _ = self.env._
        for connection in self:
            if not connection.company_id:
                connection.setup_taxes_done = False
                connection.setup_unmapped_tax_ids = False
                connection.setup_taxes_status = ""
                continue
            used = connection._procountor_taxes_in_use()
            # A mapping without its VAT status cannot be sent either (as Check Mappings says).
            mapped = connection.tax_mapping_ids.filtered(
                lambda mapping: mapping.vat_percent_id and mapping.vat_status_id
            ).tax_id
            unmapped = (used - mapped).sorted(lambda tax: (tax.type_tax_use, tax.sequence, tax.id))
            # With no tax in use nothing proves the mapping: done only once a sales tax (what
            # the first invoice needs) is mapped.
            sales_mapped = any(tax.type_tax_use == "sale" for tax in mapped)
            connection.setup_taxes_done = not unmapped and (bool(used) or sales_mapped)
            connection.setup_unmapped_tax_ids = unmapped
            if not used and not sales_mapped:
                status = _(
                    "No posted invoice or bill of the last 12 months uses a tax, and no sales "
                    "tax is mapped: map the taxes you will use (Suggest Mappings)."
                )
            elif not used:
                status = _(
                    "No posted invoice or bill of the last 12 months uses a tax; %(count)s "
                    "taxes are mapped.",
                    count=len(mapped),
                )
            elif not unmapped:
                status = _(
                    "All %(count)s taxes used in the last 12 months are mapped.", count=len(used)
                )
            else:
                # Its own call: Odoo's term extractor does not see a _() nested in another's
                # arguments.
                more = _("and %s more")
                status = _(
                    "Not mapped: %(count)s of the %(total)s taxes used in the last 12 months: "
                    "%(names)s",
                    count=len(unmapped),
                    total=len(used),
                    names=_names_list(unmapped.mapped("name"), more),
                )
            connection.setup_taxes_status = status

    def action_procountor_setup_unmapped_taxes(self):
        """The unmapped taxes in use, to check them before mapping them."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Unmapped Taxes in Use"),
            "res_model": "account.tax",
            "view_mode": "list,form",
            "domain": [("id", "in", self.setup_unmapped_tax_ids.ids)],
            "context": {"active_test": False},
        }

    # ------------------------------------------------------------------ other mappings

    def _procountor_setup_unmapped_lines(self):
        """What Check Mappings lists besides taxes (their own step) and the reference data."""
        self.ensure_one()
        suggester = self.env["procountor.mapping.suggester"]
        return [
            *suggester._unmapped_accounts(self),
            *suggester._unmapped_analytic(self),
            *suggester._unmapped_journals(self),
            *suggester._unmapped_fiscal_positions(self),
            *suggester._unmapped_uoms(self),
        ]

    # Not on the mapping lines: a non-stored compute is run again at each onchange of its
    # dependencies, and this one reads every invoice line's account (Check Mappings'
    # accounts in use). Editing a mapping line on the form leaves this step as it was until
    # the connection is saved (the form then reads it again).
    @api.depends("last_fetch_date")
    def _compute_setup_mappings(self):
        _ = self.env._
        for connection in self:
            if not connection.id or not connection.last_fetch_date:
                # Without the ledger accounts and dimensions the check cannot tell.
                connection.setup_mappings_done = False
                connection.setup_mappings_status = _("Fetch the reference data first.")
                continue
            lines = connection._procountor_setup_unmapped_lines()
            connection.setup_mappings_done = not lines
            if not lines:
                connection.setup_mappings_status = _(
                    "Accounts, analytic plans, journals, fiscal positions and units are mapped."
                )
                continue
            shown = "\n".join(f"• {line}" for line in lines[:STATUS_NAMES_SHOWN])
            rest = len(lines) - STATUS_NAMES_SHOWN
            if rest > 0:
                shown += "\n" + _("… and %(count)s more (Check Mappings).", count=rest)
            connection.setup_mappings_status = (
                _("Still missing (%(count)s):", count=len(lines)) + "\n" + shown
            )

    # ------------------------------------------------------------------ registers

    @api.depends("partner_fetch_version", "product_fetch_version")
    def _compute_setup_registers(self):
        _ = self.env._
        # The link counts come from one grouped query per register (their own compute).
        for connection in self:
            partners = connection.partner_link_count
            products = connection.product_link_count
            partners_ok = bool(partners or connection.partner_fetch_version)
            products_ok = bool(products or connection.product_fetch_version)
            connection.setup_registers_done = partners_ok and products_ok
            status = _(
                "%(partners)s partners and %(products)s products linked to Procountor.",
                partners=partners,
                products=products,
            )
            missing = [
                label
                for label, ok in ((_("partners"), partners_ok), (_("products"), products_ok))
                if not ok
            ]
            if missing:
                status += " " + _(
                    "Not fetched yet: %(registers)s (Fetch Partners / Fetch Products match "
                    "Procountor's register with Odoo's).",
                    registers=", ".join(missing),
                )
            connection.setup_registers_status = status

    # ------------------------------------------------------------------ scheduled actions

    def _procountor_setup_cron_options(self):
        """(option field, scheduled action xmlid, label) of the per-connection automatic jobs."""
        _ = self.env._
        return [
            (
                "invoice_cron_enabled",
                "procountor_connector.ir_cron_procountor_send_invoices",
                _("Invoice sending"),
            ),
            (
                "payment_fetch_enabled",
                "procountor_connector.ir_cron_procountor_fetch_payments",
                _("Payments"),
            ),
            (
                "bill_import_enabled",
                "procountor_connector.ir_cron_procountor_fetch_bills",
                _("Bill import"),
            ),
            (
                "register_cron_enabled",
                "procountor_connector.ir_cron_procountor_fetch_registers",
                _("Partners and products"),
            ),
            (
                "reconcile_cron_enabled",
                "procountor_connector.ir_cron_procountor_reconcile",
                _("Reconciliation"),
            ),
        ]

    def _procountor_setup_crons(self):
        """The scheduled actions of the checklist by xmlid (superuser: only admins read crons)."""
        return {
            xmlid: self.env.ref(xmlid, raise_if_not_found=False)
            for _field, xmlid, _label in self._procountor_setup_cron_options()
        }

    @api.depends(
        "invoice_cron_enabled",
        "payment_fetch_enabled",
        "bill_import_enabled",
        "register_cron_enabled",
        "reconcile_cron_enabled",
        "company_id",
    )
    def _compute_setup_crons(self):
        _ = self.env._
        options = self._procountor_setup_cron_options()
        crons = {
            xmlid: bool(cron and cron.sudo().active)
            for xmlid, cron in self._procountor_setup_crons().items()
        }
        for connection in self:
            chosen, problems = [], []
            for field, xmlid, label in options:
                if not connection[field]:
                    continue
                chosen.append(label)
                if not crons.get(xmlid):
                    problems.append(_("%(job)s: its scheduled action is inactive.", job=label))
            if connection.invoice_cron_enabled and not connection.is_company_default:
                problems.append(
                    _("Invoice sending: only the company's default connection sends invoices.")
                )
            connection.setup_crons_done = bool(chosen) and not problems
            if chosen:
                status = _("On: %(jobs)s.", jobs=", ".join(chosen))
            else:
                status = _("No automatic job is on: choose them in Setup > Choose Jobs.")
            off = [label for field, _xmlid, label in options if not connection[field]]
            if chosen and off:
                status += " " + _("Off: %(jobs)s.", jobs=", ".join(off))
            if problems:
                status += "\n" + "\n".join(f"• {problem}" for problem in problems)
            connection.setup_crons_status = status

    def action_procountor_setup_crons(self):
        """The Procountor scheduled actions (administrators: activate, change the interval)."""
        xmlids = [
            *self._procountor_setup_crons(),
            "procountor_connector.ir_cron_procountor_fetch_settings",
        ]
        crons = [self.env.ref(xmlid, raise_if_not_found=False) for xmlid in xmlids]
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Procountor Scheduled Actions"),
            "res_model": "ir.cron",
            "view_mode": "list,form",
            "domain": [("id", "in", [cron.id for cron in crons if cron])],
            "context": {"active_test": False},
        }

    # ------------------------------------------------------------------ dialogs and progress

    def _procountor_setup_dialog(self, view_xmlid, title):
        """This connection in a small form dialog of the given view (credentials, jobs)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": title,
            "res_model": self._name,
            "res_id": self.id,
            "views": [(self.env.ref(view_xmlid).id, "form")],
            "target": "new",
        }

    def action_procountor_setup_credentials(self):
        return self._procountor_setup_dialog(
            "procountor_connector.procountor_connection_view_form_setup_credentials",
            self.env._("Procountor Credentials"),
        )

    def action_procountor_setup_jobs(self):
        return self._procountor_setup_dialog(
            "procountor_connector.procountor_connection_view_form_setup_jobs",
            self.env._("Automatic Jobs"),
        )

    @api.depends(*(f"setup_{step}_done" for step in SETUP_STEPS))
    def _compute_setup_progress(self):
        for connection in self:
            done = sum(connection[f"setup_{step}_done"] for step in SETUP_STEPS)
            connection.setup_progress = self.env._(
                "%(done)s of %(total)s setup steps done", done=done, total=len(SETUP_STEPS)
            )
