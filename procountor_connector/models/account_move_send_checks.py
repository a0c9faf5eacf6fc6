# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Checks before any HTTP call and the neutral ``SalesInvoiceData`` of a sales invoice:
everything ``_procountor_prepare`` needs, translated problems listed all at once."""

from odoo import _, api, models
from odoo.tools import html2plaintext
from odoo.tools.translate import LazyTranslate

from ..procountor_api import payloads
from .account_move import (
    ProcountorMappingLookup,
)

_lt = LazyTranslate(__name__)

#: Labels of ``payloads.FieldProblem.field`` in messages (docs/bad-inputs.md). Whole labels,
#: not composed, so that each reads right in every language.
FIELD_LABELS = {
    "customer.name": _lt("Customer name"),
    "customer.specifier": _lt("Customer second address line"),
    "customer.street": _lt("Customer street"),
    "customer.zip": _lt("Customer ZIP code"),
    "customer.city": _lt("Customer city"),
    "customer.subdivision": _lt("Customer state"),
    "billing_address.name": _lt("Invoice address name"),
    "billing_address.specifier": _lt("Invoice address second line"),
    "billing_address.street": _lt("Invoice address street"),
    "billing_address.zip": _lt("Invoice address ZIP code"),
    "billing_address.city": _lt("Invoice address city"),
    "billing_address.subdivision": _lt("Invoice address state"),
    "delivery_address.name": _lt("Delivery address name"),
    "delivery_address.specifier": _lt("Delivery address second line"),
    "delivery_address.street": _lt("Delivery address street"),
    "delivery_address.zip": _lt("Delivery address ZIP code"),
    "delivery_address.city": _lt("Delivery address city"),
    "delivery_address.subdivision": _lt("Delivery address state"),
    "contact_person": _lt("Contact person"),
    "order_reference": _lt("Customer reference"),
    "customer_number": _lt("Customer number (partner reference)"),
    "email": _lt("E-mail address"),
    "einvoice_address": _lt("E-invoice address"),
    "einvoice_operator": _lt("E-invoice operator"),
    "payment_reference": _lt("Payment reference"),
    "additional_information": _lt("Terms and conditions"),
    "credited_invoice_number": _lt("Credited invoice number"),
    "line.name": _lt("description"),
    "line.product_code": _lt("product reference"),
    "line.comment": _lt("description after its first line"),
}


class AccountMove(models.Model):
    _inherit = "account.move"

    def _procountor_product_lines(self):
        self.ensure_one()
        return self.invoice_line_ids.filtered(lambda line: line.display_type == "product")

    def _procountor_prepare(self, connection, lookup=None):
        """``(SalesInvoiceData, [])`` or ``(None, problems)``: every problem found, translated.

        ``lookup``: the connection's ``ProcountorMappingLookup`` when a batch has one.
        """
        self.ensure_one()
        lookup = lookup or ProcountorMappingLookup(connection)
        problems = []
        partner = self.commercial_partner_id
        channel = partner.procountor_invoice_channel or lookup.default_channel
        problems += self._procountor_check_partner(partner, channel)
        lines, line_problems = self._procountor_lines_data(lookup)
        problems += line_problems
        vat_status = None
        if self.fiscal_position_id:
            vat_status = lookup.fiscal_positions.get(self.fiscal_position_id.id)
            if vat_status is None:
                problems.append(
                    _(
                        "Fiscal position %(position)s has no Procountor VAT status "
                        "(connection, Mappings tab).",
                        position=self.fiscal_position_id.display_name,
                    )
                )
        iban, bank_problems = self._procountor_bank_iban(lookup)
        problems += bank_problems
        problems += self._procountor_check_currency()
        if lookup.accounting_rows:
            problems += self._procountor_check_accounting(connection)
        if len(self.name or "") > payloads.MAX_LENGTHS["originalInvoiceNumber"]:
            problems.append(_("The invoice number is longer than 40 characters."))
        if problems:
            return None, problems
        data = self._procountor_invoice_data(connection, partner, channel, lines, vat_status, iban)
        problems = self._procountor_field_problems(data)
        if problems:
            return None, problems
        try:
            payloads.build_sales_invoice(data)
        except payloads.PayloadError as exc:
            return None, exc.problems
        return data, []

    @api.model
    def _procountor_field_label(self, problem):
        """Translated name of the field of a ``payloads.FieldProblem``."""
        label = str(FIELD_LABELS.get(problem.field, problem.field))
        if problem.line:
            label = _("Line %(line)s %(field)s", line=problem.line, field=label)
        return label

    @api.model
    def _procountor_field_problems(self, data):
        """Translated problems of texts Procountor cannot take: characters outside its
        character set (Windows-1252) and texts longer than its fields where cutting would
        change their meaning (docs/architecture.md, "Crons, batches and bad input")."""
        return self._procountor_translate_field_problems(payloads.field_problems(data))

    @api.model
    def _procountor_translate_field_problems(self, field_problems):
        """Translated text of each ``payloads.FieldProblem`` (characters, lengths)."""
        problems = []
        for problem in field_problems:
            label = self._procountor_field_label(problem)
            if problem.kind == "charset":
                problems.append(
                    _(
                        "%(field)s contains characters that Procountor cannot store: %(chars)s. "
                        "Procountor accepts only Western European (Windows-1252) characters; "
                        "write them with Latin letters.",
                        field=label,
                        chars=" ".join(problem.detail),
                    )
                )
            else:
                length, maximum = problem.detail
                problems.append(
                    _(
                        "%(field)s is %(length)s characters long; Procountor takes at most "
                        "%(max)s. Shorten it.",
                        field=label,
                        length=length,
                        max=maximum,
                    )
                )
        return problems

    def _procountor_note_cuts(self, data):
        """Say on the invoice which free texts went to Procountor shortened."""
        cuts = payloads.text_cuts(data)
        if not cuts:
            return
        described = ", ".join(
            _(
                "%(field)s (%(length)s → %(max)s characters)",
                field=self._procountor_field_label(cut),
                length=cut.detail[0],
                max=cut.detail[1],
            )
            for cut in cuts
        )
        self._message_log(
            body=_(
                "Sent to Procountor shortened to the length of its fields: %(fields)s.",
                fields=described,
            )
        )

    def _procountor_check_partner(self, partner, channel):
        problems = []
        name = partner.name
        if not (name or "").strip():
            problems.append(_("The customer has no name."))
        if not partner.country_id:
            problems.append(_("Customer %(name)s has no country.", name=name))
        elif not payloads.procountor_country(partner.country_id.code):
            problems.append(
                _(
                    "Procountor does not know the country %(country)s.",
                    country=partner.country_id.name,
                )
            )
        if (
            partner.country_id.code == "FI"
            and partner.company_registry
            and not payloads.finnish_business_id(partner.company_registry, partner.vat or "")
        ):
            # Procountor would answer ERROR_BRN_CODE after the POST.
            problems.append(
                _(
                    "Customer %(name)s has an invalid Finnish business ID %(business_id)s "
                    "(Y-tunnus: seven digits, a dash and a check digit, e.g. 2077474-0).",
                    name=name,
                    business_id=partner.company_registry,
                )
            )
        for field_name, label in (
            ("street", _("street")),
            ("zip", _("ZIP code")),
            ("city", _("city")),
        ):
            if not partner[field_name]:
                problems.append(_("Customer %(name)s has no %(field)s.", name=name, field=label))
        if channel == "EMAIL" and not (self.partner_id.email or partner.email):
            problems.append(
                _("Customer %(name)s is invoiced by e-mail but has no e-mail address.", name=name)
            )
        if channel == "ELECTRONIC_INVOICE" and not (
            partner.procountor_einvoice_address and partner.procountor_einvoice_operator
        ):
            problems.append(
                _(
                    "Customer %(name)s is invoiced by e-invoice but lacks the e-invoice address "
                    "or operator.",
                    name=name,
                )
            )
        return problems

    def _procountor_lines_data(self, lookup):
        """``(lines, problems)``: one ``InvoiceLine`` per product line."""
        lines, problems = [], []
        product_lines = self._procountor_product_lines()
        if not product_lines:
            problems.append(_("The invoice has no lines to send."))
        for line in product_lines:
            label = (line.name or line.product_id.display_name or "").splitlines()[0][:60]
            taxes = line.tax_ids
            if len(taxes) != 1:
                problems.append(
                    _(
                        "Line %(line)s must have exactly one VAT tax (it has %(count)s).",
                        line=label,
                        count=len(taxes),
                    )
                )
                continue
            percent, status = lookup.taxes.get(taxes.id, (None, None))
            if taxes.amount_type != "percent":
                problems.append(
                    _("Tax %(tax)s is not a percentage: Procountor cannot use it.", tax=taxes.name)
                )
            elif percent is None or status is None:
                problems.append(
                    _(
                        "Tax %(tax)s has no Procountor VAT percent and status (connection, "
                        "Mappings tab).",
                        tax=taxes.name,
                    )
                )
            elif round(percent[0], 2) != round(taxes.amount, 2):
                problems.append(
                    _(
                        "Tax %(tax)s is %(odoo)s %% in Odoo but mapped to %(procountor)s %% in "
                        "Procountor.",
                        tax=taxes.name,
                        odoo=taxes.amount,
                        procountor=percent[0],
                    )
                )
            elif not lookup.percent_valid_on(percent, self.invoice_date):
                problems.append(
                    _(
                        "VAT %(percent)s %% is not valid in Procountor on %(date)s.",
                        percent=percent[0],
                        date=self.invoice_date,
                    )
                )
            else:
                lines.append(self._procountor_line_data(lookup, line, taxes, percent[0], status))
        return lines, problems

    @api.model
    def _procountor_line_data(self, lookup, line, tax, percent, status):
        return payloads.InvoiceLine(
            name=line.name or line.product_id.display_name or "",
            quantity=payloads.to_decimal(line.quantity),
            price_unit=payloads.to_decimal(line.price_unit),
            vat_percent=payloads.to_decimal(round(percent, 2)),
            vat_status=status,
            discount=payloads.to_decimal(line.discount),
            price_include=bool(tax.price_include),
            price_subtotal=payloads.to_decimal(line.price_subtotal),
            product_code=line.product_id.default_code or "",
            unit=lookup.units.get(line.product_uom_id.id) or payloads.DEFAULT_UNIT,
        )

    def _procountor_bank_iban(self, lookup):
        """``(iban, problems)``: the Procountor bank account of the invoice's bank account."""
        bank = self.partner_bank_id
        if not bank:
            return "", []  # Procountor then uses the company's default invoice account
        if bank.id not in lookup.journal_by_bank:
            journal = self.env["account.journal"].search(
                [
                    ("type", "=", "bank"),
                    ("bank_account_id", "=", bank.id),
                    ("company_id", "=", self.company_id.id),
                ],
                limit=1,
            )
            lookup.journal_by_bank[bank.id] = (journal.id, journal.name or "-")
        journal_id, journal_name = lookup.journal_by_bank[bank.id]
        iban = lookup.ibans.get(journal_id) if journal_id else ""
        if not iban:
            return "", [
                _(
                    "Bank account %(account)s (journal %(journal)s) is not mapped to a Procountor "
                    "bank account (connection, Mappings tab).",
                    account=bank.acc_number,
                    journal=journal_name,
                )
            ]
        return iban, []

    def _procountor_check_currency(self):
        currency = self.currency_id
        if currency.name not in payloads.CURRENCIES:
            return [
                _("Procountor does not know the currency %(currency)s.", currency=currency.name)
            ]
        if currency == self.company_currency_id:
            return []
        has_rate = self.env["res.currency.rate"].search_count(
            [
                ("currency_id", "=", currency.id),
                ("name", "<=", self.invoice_date),
                ("company_id", "in", (False, self.company_id.root_id.id, self.company_id.id)),
            ],
            limit=1,
        )
        if not has_rate:
            return [
                _(
                    "Currency %(currency)s has no exchange rate on or before %(date)s.",
                    currency=currency.name,
                    date=self.invoice_date,
                )
            ]
        return []

    def _procountor_check_accounting(self, connection):
        problems = []
        accounts = (
            self._procountor_product_lines().account_id
            | self.line_ids.filtered(lambda line: line.display_type == "payment_term").account_id
        )
        for account in accounts:
            if not connection._procountor_ledger_account_code(account):
                problems.append(
                    _(
                        "Account %(account)s has no Procountor ledger account.",
                        account=account.display_name,
                    )
                )
        for line in self._procountor_product_lines():
            for key in line.analytic_distribution or {}:
                for account_id in str(key).split(","):
                    analytic = self.env["account.analytic.account"].browse(int(account_id))
                    if not connection._procountor_dimension_item(analytic):
                        problems.append(
                            _(
                                "Analytic account %(account)s has no Procountor dimension item.",
                                account=analytic.display_name,
                            )
                        )
        return list(dict.fromkeys(problems))

    def _procountor_invoice_data(self, connection, partner, channel, lines, vat_status, iban):
        """The neutral data of ``procountor_api.payloads`` for this invoice."""
        invoice_partner = self.partner_id
        shipping = self.partner_shipping_id
        is_refund = self.move_type == "out_refund"
        contact = (
            invoice_partner
            if invoice_partner != partner and not invoice_partner.is_company
            else False
        )
        return payloads.SalesInvoiceData(
            number=self.name,
            invoice_date=self.invoice_date,
            due_date=self.invoice_date_due or self.invoice_date,
            currency=self.currency_id.name,
            currency_rate=payloads.to_decimal(self.invoice_currency_rate or 1.0),
            customer=_address(partner),
            lines=tuple(lines),
            is_credit_note=is_refund,
            credited_invoice_number=(self.reversed_entry_id.name or "") if is_refund else "",
            billing_address=_address(invoice_partner, partner)
            if invoice_partner != partner
            else None,
            delivery_address=_address(shipping, partner)
            if shipping and shipping != partner
            else None,
            business_id=partner.company_registry or "",
            vat=partner.vat or "",
            email=invoice_partner.email or partner.email or "",
            contact_person=contact.name if contact else "",
            customer_number=partner.ref or "",
            einvoice_address=partner.procountor_einvoice_address or "",
            einvoice_operator=partner.procountor_einvoice_operator or "",
            invoice_channel=channel,
            lang=invoice_partner.lang or partner.lang or "",
            vat_status=vat_status,
            bank_account_iban=iban,
            payment_reference=self.payment_reference or "",
            order_reference="" if is_refund else (self.ref or ""),
            additional_information=html2plaintext(self.narration or "").strip(),
            delivery_date=self.delivery_date or None,
            accounting_by_row=bool(connection.invoice_accounting_rows),
            partner_id=self._procountor_partner_id(connection),
        )

    def _procountor_partner_id(self, connection):
        """Procountor business partner id of the customer: none yet (partner sync may add it)."""
        return None


def _address(partner, company=None):
    """``payloads.Address`` of a partner; a contact's address names its company."""
    name = partner.name if not company or partner.is_company or not company.name else company.name
    specifier = partner.name if company and not partner.is_company and partner.name != name else ""
    return payloads.Address(
        name=name or "",
        specifier=specifier or partner.street2 or "",
        street=partner.street or "",
        zip=partner.zip or "",
        city=partner.city or "",
        country_code=partner.country_id.code or "",
    )
