# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, models
from odoo.tools import SQL, float_compare

from ..const import SALES_VAT_STATUS_CODES, UOM_NAME_TO_UNIT, UOM_XMLID_TO_UNIT, VAT_KIND_FALLBACKS
from ..utils import (
    fiscal_position_kind,
    normalize_account_number,
    purchase_kind,
    status_kind,
    tax_kind,
)

INVOICE_MOVE_TYPES = ("out_invoice", "out_refund", "in_invoice", "in_refund")
# Procountor's chart of accounts (GET /coa) gives a code, a name and whether it is active,
# not the kind of account: the Finnish standard chart's code ranges tell it. 1xxx assets,
# 2xxx liabilities and equity, 3xxx income, 4xxx-8xxx expenses, 9xxx financial items,
# appropriations and taxes (income or expense). The kinds are Odoo's account_type prefixes.
FINNISH_CODE_KINDS = {
    "1": ("asset",),
    "2": ("liability", "equity"),
    "3": ("income",),
    "4": ("expense",),
    "5": ("expense",),
    "6": ("expense",),
    "7": ("expense",),
    "8": ("expense",),
    "9": ("income", "expense"),
}


def account_kind(account_type):
    """The kind of an Odoo ``account_type``: asset, liability, equity, income, expense, off."""
    return (account_type or "").split("_", 1)[0]


def same_kind(code, account_type):
    """True when Procountor's ledger account ``code`` and an Odoo ``account_type`` agree."""
    kinds = FINNISH_CODE_KINDS.get((code or "").strip()[:1], ())
    return account_kind(account_type) in kinds


def normalized_name(name):
    return " ".join((name or "").split()).casefold()


class ProcountorMappingSuggester(models.AbstractModel):
    """The "suggest mappings" and "check mappings" logic, kept apart from the connection model.

    Suggestions never overwrite a mapping the user made; they only add missing mappings and fill
    empty fields.
    """

    _name = "procountor.mapping.suggester"
    _description = "Procountor Mapping Suggestions"

    @api.model
    def _suggest_all(self, connection):
        """Create the obvious mappings of ``connection``; returns how many changed."""
        return sum(
            suggest(connection)
            for suggest in (
                self._suggest_taxes,
                self._suggest_fiscal_positions,
                self._suggest_accounts,
                self._suggest_analytic,
                self._suggest_uoms,
                self._suggest_journals,
            )
        )

    # ------------------------------------------------------------------ search helpers

    @api.model
    def _company_records(self, model, connection, domain=(), active_test=True):
        Model = self.env[model].with_context(active_test=active_test)
        return Model.search([*Model._check_company_domain(connection.company_id), *domain])

    @api.model
    def _mappable_taxes(self, connection, active_test=True):
        return self._company_records(
            "account.tax",
            connection,
            [("type_tax_use", "in", ("sale", "purchase")), ("amount_type", "!=", "group")],
            active_test=active_test,
        )

    @api.model
    def _external_ids(self, records):
        return records.get_external_id() if records else {}

    # ------------------------------------------------------------------ VAT

    @api.model
    def _pick_vat_percent(self, connection, amount, sale):
        return connection.vat_percent_ids.filtered(
            lambda vat: (
                float_compare(vat.percent, amount, precision_digits=2) == 0
                and (vat.sales if sale else vat.purchase)
            )
        )[:1]

    @api.model
    def _pick_vat_status(self, connection, kind, sale):
        """The Procountor VAT status for a kind of VAT treatment, or an empty recordset.

        Statuses are classified by their description (English or Finnish keywords); among those of
        the kind the code known from Procountor's documentation wins (sales only). A status whose
        description tells nothing is taken by its known code. Kinds without a status of their own
        fall back (VAT_KIND_FALLBACKS).
        """
        statuses = connection.vat_status_ids.filtered(
            lambda status: status.sales if sale else status.purchase
        )
        for candidate in (kind, *VAT_KIND_FALLBACKS.get(kind, ())):
            known_code = SALES_VAT_STATUS_CODES.get(candidate) if sale else None
            of_kind = statuses.filtered(
                lambda status, wanted=candidate: status_kind(status.description, sale) == wanted
            )
            by_code = statuses.filtered(lambda status, code=known_code: status.code == code)
            if of_kind:
                return (of_kind & by_code or of_kind).sorted("code")[:1]
            if by_code and status_kind(by_code.description, sale) is None:
                return by_code[:1]
        return statuses.browse()

    @api.model
    def _suggest_taxes(self, connection):
        taxes = self._mappable_taxes(connection, active_test=False)
        xmlids = self._external_ids(taxes)
        mapped = {mapping.tax_id: mapping for mapping in connection.tax_mapping_ids}
        count = 0
        for tax in taxes:
            sale = tax.type_tax_use == "sale"
            kind = tax_kind(xmlids.get(tax.id), tax.name, tax.description)
            if not sale:
                kind = purchase_kind(kind)
            vals = {}
            mapping = mapped.get(tax)
            if not (mapping and mapping.vat_percent_id):
                percent = self._pick_vat_percent(connection, tax.amount, sale)
                if percent:
                    vals["vat_percent_id"] = percent.id
            if not (mapping and mapping.vat_status_id):
                status = self._pick_vat_status(connection, kind, sale)
                if status:
                    vals["vat_status_id"] = status.id
            if mapping and vals:
                mapping.write(vals)
                count += 1
            elif not mapping and vals.get("vat_percent_id"):
                self.env["procountor.tax.mapping"].create(
                    {"connection_id": connection.id, "tax_id": tax.id, **vals}
                )
                count += 1
        return count

    @api.model
    def _fiscal_position_kind(self, connection, fiscal_position, xmlid):
        company_country = (
            connection.company_id.account_fiscal_country_id or connection.company_id.country_id
        )
        europe = self.env.ref("base.europe", raise_if_not_found=False)
        countries = fiscal_position.country_id | fiscal_position.country_group_id.country_ids
        is_eu = None
        if countries:
            is_eu = bool(europe) and bool(countries & europe.country_ids)
        return fiscal_position_kind(
            xmlid,
            fiscal_position.name,
            is_domestic=bool(company_country) and fiscal_position.country_id == company_country,
            is_eu=is_eu,
        )

    @api.model
    def _suggest_fiscal_positions(self, connection):
        positions = self._company_records("account.fiscal.position", connection)
        xmlids = self._external_ids(positions)
        mapped = {
            mapping.fiscal_position_id: mapping
            for mapping in connection.fiscal_position_mapping_ids
        }
        count = 0
        for position in positions:
            kind = self._fiscal_position_kind(connection, position, xmlids.get(position.id))
            if not kind:
                continue
            mapping = mapped.get(position)
            vals = {}
            if not (mapping and mapping.vat_status_id):
                status = self._pick_vat_status(connection, kind, sale=True)
                if status:
                    vals["vat_status_id"] = status.id
            if not (mapping and mapping.purchase_vat_status_id):
                status = self._pick_vat_status(connection, purchase_kind(kind), sale=False)
                if status:
                    vals["purchase_vat_status_id"] = status.id
            if not vals:
                continue
            if mapping:
                mapping.write(vals)
            else:
                self.env["procountor.fiscal.position.mapping"].create(
                    {"connection_id": connection.id, "fiscal_position_id": position.id, **vals}
                )
            count += 1
        return count

    # ------------------------------------------------------------------ accounts and analytics

    @api.model
    def _account_names(self, accounts):
        """``{account id: {normalized name in every language stored}}``: l10n_fi keeps the
        Finnish names of its chart as translations (stored once Finnish is installed), while
        Procountor shows the company's own names."""
        if not accounts:
            return {}
        accounts.flush_recordset(["name"])
        self.env.cr.execute(
            SQL("SELECT id, name FROM account_account WHERE id IN %s", tuple(accounts.ids))
        )
        return {
            account_id: {normalized_name(value) for value in (names or {}).values()}
            for account_id, names in self.env.cr.fetchall()
        }

    @api.model
    def _suggest_accounts(self, connection):
        """Map an account to Procountor's ledger account of the same code only when both are
        the same account: the same kind and the same name. Two charts can use one code for
        different things (6800 is depreciation in l10n_fi, premises in many Procountor
        charts); those stay for the user, listed by Check Mappings."""
        ledger_by_code = {ledger.code: ledger for ledger in connection.ledger_account_ids}
        mapped = connection.account_mapping_ids.account_id
        candidates = self._company_records("account.account", connection).filtered(
            lambda account: account not in mapped and account.code in ledger_by_code
        )
        names = self._account_names(candidates)
        vals_list = []
        for account in candidates:
            ledger = ledger_by_code[account.code]
            if same_kind(ledger.code, account.account_type) and (
                normalized_name(ledger.name) in names[account.id]
            ):
                vals_list.append(
                    {
                        "connection_id": connection.id,
                        "account_id": account.id,
                        "ledger_account_id": ledger.id,
                    }
                )
        self.env["procountor.account.mapping"].create(vals_list)
        return len(vals_list)

    @api.model
    def _analytic_readable(self):
        """Analytic plans and accounts need the analytic group: without it, they are skipped."""
        return self.env["account.analytic.plan"].has_access("read") and self.env[
            "account.analytic.account"
        ].has_access("read")

    @api.model
    def _suggest_analytic(self, connection):
        if not connection.dimension_ids or not self._analytic_readable():
            return 0
        count = 0
        dimensions = {
            dimension.name.strip().lower(): dimension
            for dimension in connection.dimension_ids
            if dimension.name
        }
        mapped_plans = connection.analytic_plan_mapping_ids.plan_id
        for plan in self.env["account.analytic.plan"].search([("parent_id", "=", False)]):
            dimension = dimensions.get((plan.name or "").strip().lower())
            if plan not in mapped_plans and dimension:
                self.env["procountor.analytic.plan.mapping"].create(
                    {
                        "connection_id": connection.id,
                        "plan_id": plan.id,
                        "dimension_id": dimension.id,
                    }
                )
                count += 1
        mapped_accounts = connection.analytic_mapping_ids.analytic_account_id
        for plan_mapping in connection.analytic_plan_mapping_ids:
            items = {}
            for item in plan_mapping.dimension_id.item_ids:
                for label in (item.code_name, item.description):
                    if label:
                        items.setdefault(label.strip().lower(), item)
            accounts = self._company_records(
                "account.analytic.account",
                connection,
                [("root_plan_id", "=", plan_mapping.plan_id.id)],
            )
            for account in accounts - mapped_accounts:
                item = items.get((account.code or "").strip().lower()) or items.get(
                    (account.name or "").strip().lower()
                )
                if item:
                    self.env["procountor.analytic.mapping"].create(
                        {
                            "connection_id": connection.id,
                            "analytic_account_id": account.id,
                            "dimension_item_id": item.id,
                        }
                    )
                    count += 1
        return count

    # ------------------------------------------------------------------ units and journals

    @api.model
    def _unit_for_uom(self, uom, xmlid):
        module, _sep, name = (xmlid or "").partition(".")
        if module == "uom" and name in UOM_XMLID_TO_UNIT:
            return UOM_XMLID_TO_UNIT[name]
        return UOM_NAME_TO_UNIT.get((uom.name or "").strip().lower())

    @api.model
    def _suggest_uoms(self, connection):
        uoms = self.env["uom.uom"].search([])
        xmlids = self._external_ids(uoms)
        mapped = connection.uom_mapping_ids.uom_id
        vals_list = []
        for uom in uoms - mapped:
            unit = self._unit_for_uom(uom, xmlids.get(uom.id))
            if unit:
                vals_list.append({"connection_id": connection.id, "uom_id": uom.id, "unit": unit})
        self.env["procountor.uom.mapping"].create(vals_list)
        return len(vals_list)

    @api.model
    def _suggest_journals(self, connection):
        Mapping = self.env["procountor.journal.mapping"]
        count = 0
        banks_by_number = {}
        for bank in connection.bank_account_ids:
            for number in (bank.iban, bank.account_number):
                if number:
                    banks_by_number.setdefault(normalize_account_number(number), bank)
        journals = self._company_records("account.journal", connection, [("type", "=", "bank")])
        mapped_banks = connection.journal_mapping_ids.bank_account_id
        for journal in journals - connection.journal_mapping_ids.journal_id:
            bank = banks_by_number.get(normalize_account_number(journal.bank_account_id.acc_number))
            if bank and bank not in mapped_banks:
                Mapping.create(
                    {
                        "connection_id": connection.id,
                        "journal_id": journal.id,
                        "bank_account_id": bank.id,
                    }
                )
                mapped_banks |= bank
                count += 1
        if not connection.journal_mapping_ids.filtered("use_for_incoming_payments"):
            incoming = (
                connection.journal_mapping_ids.filtered(
                    lambda mapping: mapping.bank_account_id.default_for_invoice
                )[:1]
                or connection.journal_mapping_ids.filtered(
                    lambda mapping: mapping.journal_type == "bank"
                )[:1]
            )
            if incoming:
                incoming.use_for_incoming_payments = True
                count += 1
            elif journals:
                Mapping.create(
                    {
                        "connection_id": connection.id,
                        "journal_id": journals[0].id,
                        "use_for_incoming_payments": True,
                    }
                )
                count += 1
        return count

    # ------------------------------------------------------------------ check

    @api.model
    def _unmapped(self, connection):
        """Readable lines about what ``connection`` still lacks; empty when complete."""
        lines = []
        if not connection.vat_percent_ids and not connection.vat_status_ids:
            lines.append(self.env._("Reference data has not been fetched from Procountor yet."))
        lines += self._unmapped_taxes(connection)
        lines += self._unmapped_fiscal_positions(connection)
        lines += self._unmapped_accounts(connection)
        lines += self._unmapped_analytic(connection)
        lines += self._unmapped_uoms(connection)
        lines += self._unmapped_journals(connection)
        return lines

    @api.model
    def _unmapped_taxes(self, connection):
        """Active sale and purchase taxes lacking VAT percentage or status (archived: unused)."""
        mapped = {mapping.tax_id: mapping for mapping in connection.tax_mapping_ids}
        uses = dict(
            self.env["account.tax"]._fields["type_tax_use"]._description_selection(self.env)
        )
        lines = []
        for tax in self._mappable_taxes(connection):
            mapping = mapped.get(tax)
            use = uses.get(tax.type_tax_use, tax.type_tax_use)
            if not mapping or not mapping.vat_percent_id:
                lines.append(
                    self.env._(
                        "Tax '%(tax)s' (%(use)s) has no Procountor VAT mapping",
                        tax=tax.name,
                        use=use,
                    )
                )
            elif not mapping.vat_status_id:
                lines.append(
                    self.env._(
                        "Tax '%(tax)s' (%(use)s) has no Procountor VAT status",
                        tax=tax.name,
                        use=use,
                    )
                )
        return lines

    @api.model
    def _unmapped_fiscal_positions(self, connection):
        mapped = connection.fiscal_position_mapping_ids.filtered("vat_status_id").fiscal_position_id
        return [
            self.env._(
                "Fiscal position '%(position)s' has no Procountor VAT status",
                position=position.name,
            )
            for position in self._company_records("account.fiscal.position", connection) - mapped
        ]

    @api.model
    def _accounts_in_use(self, connection):
        """Accounts the company's invoices use: sale/purchase journal defaults and invoice lines."""
        journals = self._company_records(
            "account.journal", connection, [("type", "in", ("sale", "purchase"))]
        )
        accounts = journals.default_account_id
        groups = self.env["account.move.line"]._read_group(
            [
                ("company_id", "=", connection.company_id.id),
                ("move_id.move_type", "in", INVOICE_MOVE_TYPES),
                ("display_type", "=", "product"),
            ],
            ["account_id"],
        )
        for (account,) in groups:
            accounts |= account
        return accounts

    @api.model
    def _unmapped_accounts(self, connection):
        if not connection.ledger_account_ids:
            return []
        # A ledger account of the same code is no mapping: it may mean something else.
        mapped = connection.account_mapping_ids.account_id
        return [
            self.env._(
                "Account %(account)s has no Procountor ledger account", account=account.display_name
            )
            for account in self._accounts_in_use(connection).sorted("code")
            if account not in mapped
        ]

    @api.model
    def _unmapped_analytic(self, connection):
        if not connection.dimension_ids or not self._analytic_readable():
            return []
        lines = []
        plan_mappings = connection.analytic_plan_mapping_ids
        accounts = self._company_records("account.analytic.account", connection)
        for plan in accounts.root_plan_id - plan_mappings.plan_id:
            lines.append(
                self.env._("Analytic plan '%(plan)s' has no Procountor dimension", plan=plan.name)
            )
        mapped_accounts = connection.analytic_mapping_ids.analytic_account_id
        for account in (
            accounts.filtered(lambda acc: acc.root_plan_id in plan_mappings.plan_id)
            - mapped_accounts
        ):
            lines.append(
                self.env._(
                    "Analytic account '%(account)s' has no Procountor dimension item",
                    account=account.display_name,
                )
            )
        return lines

    @api.model
    def _unmapped_uoms(self, connection):
        """Units of measure used by the company's products without a Procountor unit."""
        products = self._company_records("product.template", connection, [("sale_ok", "=", True)])
        products |= self._company_records(
            "product.template", connection, [("purchase_ok", "=", True)]
        )
        mapped = connection.uom_mapping_ids.uom_id
        return [
            self.env._("Unit of measure '%(uom)s' has no Procountor unit", uom=uom.name)
            for uom in (products.uom_id | products.uom_po_id) - mapped
        ]

    @api.model
    def _unmapped_journals(self, connection):
        if connection.journal_mapping_ids.filtered("use_for_incoming_payments"):
            return []
        return [self.env._("No journal is set for incoming Procountor payments")]
