# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Checks before any HTTP call and the neutral ``JournalReceiptData`` of a journal entry:
everything ``_procountor_journal_prepare`` needs, translated problems listed all at once
(docs/architecture.md, "Journal entries"; docs/bad-inputs.md)."""

from collections import defaultdict
from decimal import Decimal

from odoo import _, api, models

from ..procountor_api import payloads
from .account_move import ProcountorMappingLookup

#: Odoo ``type_tax_use`` → Procountor ``vatType``.
VAT_TYPE_BY_USE = {"sale": payloads.VAT_TYPE_SALES, "purchase": payloads.VAT_TYPE_PURCHASE}
#: Percent points of an analytic distribution per plan that still count as "all of it".
FULL_DISTRIBUTION_TOLERANCE = Decimal("0.01")


class AccountMove(models.Model):
    _inherit = "account.move"

    def _procountor_journal_lines(self):
        """``(base lines, tax lines)`` of the entry; notes and sections are no lines."""
        self.ensure_one()
        lines = self.line_ids.filtered(
            lambda line: line.display_type not in ("line_section", "line_note")
        )
        tax_lines = lines.filtered(lambda line: line.tax_line_id or line.display_type == "tax")
        return lines - tax_lines, tax_lines

    def _procountor_journal_prepare(self, connection, lookup=None):
        """``(JournalReceiptData, [])`` or ``(None, problems)``: every problem, translated."""
        self.ensure_one()
        lookup = lookup or ProcountorMappingLookup(connection)
        problems = []
        base_lines, tax_lines = self._procountor_journal_lines()
        number = self.name or ""
        if not number or number == "/":
            problems.append(_("The entry has no number yet: post it first."))
        elif len(payloads.windows_1252(number)) > payloads.JOURNAL_MAX_LENGTHS["name"]:
            problems.append(
                _(
                    "The entry number %(number)s is longer than 80 characters: Procountor's "
                    "receipt name carries it whole (it is how the entry is found again).",
                    number=number,
                )
            )
        problems += self._procountor_journal_charset(_("Entry number"), number)
        problems += self._procountor_journal_charset(_("Reference"), self.ref)
        lines, line_problems = self._procountor_journal_lines_data(connection, lookup, base_lines)
        problems += line_problems
        problems += self._procountor_journal_check_taxes(base_lines, tax_lines, lookup)
        problems += self._procountor_journal_check_no_vat_status(connection, lines)
        correction, correction_problems = self._procountor_journal_correction()
        problems += correction_problems
        problems = list(dict.fromkeys(str(problem) for problem in problems))
        if problems:
            return None, problems
        data = payloads.JournalReceiptData(
            number=number,
            receipt_date=self.date,
            lines=tuple(lines),
            reference=" ".join((self.ref or "").split()),
            lang=self.company_id.partner_id.lang or "",
            **correction,
        )
        try:
            payloads.build_journal_receipt(data)
        except payloads.PayloadError as exc:
            return None, exc.problems
        return data, []

    @api.model
    def _procountor_journal_charset(self, label, text):
        chars = payloads.unsupported_characters(text or "")
        if not chars:
            return []
        return [
            _(
                "%(field)s contains characters that Procountor cannot store: %(chars)s. "
                "Procountor accepts only Western European (Windows-1252) characters; write "
                "them with Latin letters.",
                field=label,
                chars=" ".join(chars),
            )
        ]

    def _procountor_journal_lines_data(self, connection, lookup, base_lines):
        """``(lines, problems)``: one ``payloads.JournalLine`` per line that is not a tax line
        and moves money (a line of 0.00 carries nothing to book)."""
        lines, problems = [], []
        currency = self.company_currency_id
        for line in base_lines:
            if currency.is_zero(line.balance):
                continue
            label = (line.name or line.account_id.display_name or "").splitlines()[0][:60]
            code = connection._procountor_ledger_account_code(line.account_id)
            if not code:
                problems.append(
                    _(
                        "Account %(account)s has no Procountor ledger account (connection, "
                        "Mappings tab).",
                        account=line.account_id.display_name,
                    )
                )
            vat, vat_problems = self._procountor_journal_line_vat(line, label, lookup)
            deduction, deduction_problems = self._procountor_vat_deduction(line, label)
            vat_problems += deduction_problems
            problems += vat_problems
            dimensions, dimension_problems = self._procountor_journal_dimensions(
                connection, line, label
            )
            problems += dimension_problems
            description = " ".join((line.name or "").split())
            if line.currency_id and line.currency_id != currency:
                # Procountor's journal rows are in the company currency only: the booked value
                # is the line's balance; the foreign amount stays readable in the description.
                foreign = f"{line.currency_id.name} {line.amount_currency:.2f}"
                description = f"{description} ({foreign})" if description else foreign
            problems += self._procountor_journal_charset(
                _("Line %(line)s label", line=label), description
            )
            if code and not vat_problems and not dimension_problems:
                lines.append(
                    payloads.JournalLine(
                        account=code,
                        balance=payloads.round_cents(line.balance),
                        description=description,
                        dimensions=tuple(dimensions),
                        vat_deduction_percent=deduction,
                        **vat,
                    )
                )
        if not base_lines.filtered(lambda line: not currency.is_zero(line.balance)):
            problems.append(_("The entry has no lines with an amount to send."))
        return lines, problems

    def _procountor_journal_line_vat(self, line, label, lookup):
        """``({vat_percent, vat_status, vat_type}, problems)`` of a line from its tax."""
        taxes = line.tax_ids
        if not taxes:
            return {}, []
        if len(taxes) != 1:
            return {}, [
                _(
                    "Line %(line)s has %(count)s taxes: a Procountor row takes one VAT percent. "
                    "Split the line so that each has one tax.",
                    line=label,
                    count=len(taxes),
                )
            ]
        tax = taxes
        if tax.amount_type != "percent":
            return {}, [
                _("Tax %(tax)s is not a percentage: Procountor cannot use it.", tax=tax.name)
            ]
        percent, status = lookup.taxes.get(tax.id, (None, None))
        if percent is None or status is None:
            return {}, [
                _(
                    "Tax %(tax)s has no Procountor VAT percent and status (connection, Mappings "
                    "tab).",
                    tax=tax.name,
                )
            ]
        if round(percent[0], 2) != round(tax.amount, 2):
            return {}, [
                _(
                    "Tax %(tax)s is %(odoo)s %% in Odoo but mapped to %(procountor)s %% in "
                    "Procountor.",
                    tax=tax.name,
                    odoo=tax.amount,
                    procountor=percent[0],
                )
            ]
        if not lookup.percent_valid_on(percent, self.date):
            return {}, [
                _(
                    "VAT %(percent)s %% is not valid in Procountor on %(date)s.",
                    percent=percent[0],
                    date=self.date,
                )
            ]
        return {
            "vat_percent": payloads.to_decimal(round(percent[0], 2)),
            "vat_status": int(status),
            "vat_type": VAT_TYPE_BY_USE.get(tax.type_tax_use),
        }, []

    def _procountor_journal_dimensions(self, connection, line, label):
        """``(DimensionValue list, problems)`` of a line's analytic distribution.

        Every analytic account must be mapped to a dimension item (a cost allocation is not
        silently dropped), and each dimension must receive the whole line (100 %): Procountor
        requires a dimension's values to add up to the row's amount."""
        problems = []
        percent_by_dimension = defaultdict(Decimal)
        for key, percent in (line.analytic_distribution or {}).items():
            for account_id in str(key).split(","):
                analytic = self.env["account.analytic.account"].browse(int(account_id))
                item = connection._procountor_dimension_item(analytic)
                if not item:
                    problems.append(
                        _(
                            "Analytic account %(account)s has no Procountor dimension item "
                            "(connection, Mappings tab).",
                            account=analytic.display_name,
                        )
                    )
                    continue
                percent_by_dimension[item.dimension_id] += Decimal(str(percent))
        for dimension, total in percent_by_dimension.items():
            if abs(total - 100) > FULL_DISTRIBUTION_TOLERANCE:
                problems.append(
                    _(
                        "Line %(line)s puts %(percent)s %% of its amount on dimension "
                        "%(dimension)s: Procountor needs the whole amount of a row on a "
                        "dimension's items. Distribute 100 %% on that plan, or none.",
                        line=label,
                        percent=float(total),
                        dimension=dimension.display_name,
                    )
                )
        if problems:
            return [], problems
        # A distribution over combined plans ("cost centre, project": 60 and 40) names the
        # same project item twice; Procountor wants each (dimension, item) pair once.
        merged = {}
        for value in self._procountor_dimension_values(connection, line, line.balance):
            pair = (value["dimensionId"], value["itemId"])
            merged[pair] = merged.get(pair, Decimal(0)) + payloads.to_decimal(value["value"])
        return [
            payloads.DimensionValue(dimension_id=dimension, item_id=item, value=amount)
            for (dimension, item), amount in merged.items()
        ], []

    def _procountor_journal_check_taxes(self, base_lines, tax_lines, lookup):
        """Odoo's tax lines must be what Procountor computes from the base lines, to the cent.

        Procountor computes each ENTRY's VAT from its net value and ``vatPercent``; Odoo's
        tax lines are not sent. A difference (manual tax amounts, reverse-charge
        repartition, global rounding) would make Procountor's books differ from Odoo's, so
        it is refused. A non-deductible share is sent as the row's ``vatDeductionPercent``:
        the VAT total stays the same, and its deductible part must match too
        (``_procountor_check_deductible_vat``)."""
        problems = []
        odoo_by_tax = defaultdict(Decimal)
        for line in tax_lines:
            odoo_by_tax[line.tax_line_id] += payloads.round_cents(line.balance)
        procountor_by_tax = defaultdict(Decimal)
        for line in base_lines:
            if len(line.tax_ids) != 1:
                continue
            percent, _status = lookup.taxes.get(line.tax_ids.id, (None, None))
            rate = percent[0] if percent else line.tax_ids.amount
            procountor_by_tax[line.tax_ids] += payloads.procountor_vat(
                payloads.round_cents(line.balance), round(rate, 2)
            )
        for tax in odoo_by_tax.keys() | procountor_by_tax.keys():
            odoo, procountor = odoo_by_tax[tax], procountor_by_tax[tax]
            if odoo != procountor:
                problems.append(
                    _(
                        "Tax %(tax)s: the entry's tax lines total %(odoo)s, but Procountor "
                        "computes %(procountor)s from the taxed lines (it computes the VAT of "
                        "each row from its net amount and VAT percent and books it itself). "
                        "Correct the tax lines, or book the VAT on a line without tax.",
                        tax=tax.name or _("(no tax)"),
                        odoo=odoo,
                        procountor=procountor,
                    )
                )
        if not problems:
            problems += self._procountor_check_deductible_vat(base_lines, tax_lines, lookup)
        uses = {VAT_TYPE_BY_USE.get(tax.type_tax_use) for tax in base_lines.tax_ids}
        if len(uses - {None}) > 1:
            problems.append(
                _(
                    "The entry has both sales and purchase taxes: a Procountor ledger receipt is "
                    "either on the sales or on the purchase side. Split it into two entries."
                )
            )
        return problems

    @api.model
    def _procountor_journal_check_no_vat_status(self, connection, lines):
        """Rows without tax are sent with Procountor's "No VAT handling" status (12): it must
        be one of the connection's VAT statuses."""
        if lines and all(line.vat_status is not None for line in lines):
            return []
        status = self.env["procountor.vat.status"].search(
            [("connection_id", "=", connection.id), ("code", "=", payloads.NO_VAT_STATUS)],
            limit=1,
        )
        if status:
            return []
        return [
            _(
                "Procountor VAT status %(code)s (No VAT handling), used for rows without tax, is "
                "not among the connection's VAT statuses: fetch the settings from Procountor.",
                code=payloads.NO_VAT_STATUS,
            )
        ]

    def _procountor_journal_correction(self):
        """``(values, problems)``: a reversal of an entry already in Procountor is sent as a
        correction of it (its number, receipt number and reference); a reversal of an entry
        that is still to be sent waits for it."""
        original = self.reversed_entry_id
        if not original:
            return {}, []
        if original.procountor_ledger_receipt_id:
            return {
                "correction_of": original.name or "",
                "correction_of_receipt": original.procountor_receipt_number or None,
                "correction_of_reference": " ".join((original.ref or "").split()),
            }, []
        if original.state == "posted" and original._procountor_send_kind() == "journal":
            return {}, [
                _(
                    "This entry reverses %(original)s, which is not in Procountor yet: send "
                    "%(original)s first, so that this one is booked as its correction.",
                    original=original.name,
                )
            ]
        return {}, []
