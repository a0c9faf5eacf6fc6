# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Vendor bills and refunds → Procountor purchase invoices.

The sales pipeline (``account_move_send_pipeline.py``) does the claim, the exactly-once
creation, the steps, updates and failures; this file gives it what differs for a move of
kind ``purchase`` (``_procountor_send_kind``): the checks and the neutral
``PurchaseInvoiceData`` (``_procountor_prepare``), the body, the exactly-once look-up
restricted to this supplier's purchase invoices, the steps (accounting, the bill's own
attachment, approval), when Procountor still takes a PUT, and the texts of refusals.
"""

import dataclasses

from odoo import _, fields, models
from odoo.tools.translate import LazyTranslate

from ..procountor_api import const as api_const
from ..procountor_api import payloads
from ..status_labels import status_label
from .account_move import (
    PROCOUNTOR_ERROR_HELP,
    ProcountorMappingLookup,
    _payload_hash,
)
from .account_move_send_checks import FIELD_LABELS, _address

_lt = LazyTranslate(__name__)

# Field labels of ``payloads.purchase_field_problems`` (docs/bad-inputs.md).
FIELD_LABELS.update(
    {
        "supplier.name": _lt("Supplier name"),
        "supplier.specifier": _lt("Supplier second address line"),
        "supplier.street": _lt("Supplier street"),
        "supplier.zip": _lt("Supplier ZIP code"),
        "supplier.city": _lt("Supplier city"),
        "supplier.subdivision": _lt("Supplier state"),
        "supplier_reference": _lt("Bill reference (the supplier's invoice number)"),
        "business_id": _lt("Supplier business ID"),
        "vat": _lt("Supplier VAT number"),
        "refunded_reference": _lt("Reference of the refunded bill"),
    }
)

# Procountor error codes met only on purchase invoices (api-notes 6), with their remedies
# (codes shared with sales keep the sales texts, so sales errors read as before).
PROCOUNTOR_ERROR_HELP.update(
    {
        "INVALID_IBAN": (
            _lt("The supplier's bank account is not a valid IBAN."),
            _lt("Correct the bank account on the supplier and on the bill, then send again."),
        ),
    }
)

PURCHASE_MOVE_TYPES = ("in_invoice", "in_refund")


class AccountMove(models.Model):
    _inherit = "account.move"

    procountor_bill_send_visible = fields.Boolean(
        "Vendor Bill Sent to Procountor",
        compute="_compute_procountor_bill_send_visible",
        search="_search_procountor_bill_send_visible",
        help="The vendor bill goes to Procountor (its connection sends vendor bills), or "
        "it has a Procountor state already: its Procountor buttons and fields show.",
    )

    def _compute_procountor_bill_send_visible(self):
        for move in self:
            move.procountor_bill_send_visible = move.move_type in PURCHASE_MOVE_TYPES and (
                move.procountor_state != "not_sent" or move._procountor_send_kind() == "purchase"
            )

    def _search_procountor_bill_send_visible(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise NotImplementedError(f"unsupported search: {operator} {value!r}")
        companies = (
            self.env["procountor.connection"]
            .sudo()
            .search([("purchase_send_enabled", "=", True)])
            .company_id
        )
        domain = [
            ("move_type", "in", PURCHASE_MOVE_TYPES),
            "|",
            ("procountor_state", "!=", "not_sent"),
            "&",
            ("company_id", "in", companies.ids),
            "|",
            ("procountor_bill_id", "=", False),
            ("procountor_bill_id", "=", 0),
        ]
        return domain if (operator == "=") == value else ["!", *domain]

    def _procountor_is_purchase(self):
        self.ensure_one()
        return self.move_type in PURCHASE_MOVE_TYPES and self._procountor_send_kind() == "purchase"

    # ------------------------------------------------------------------ kind dispatch

    def _procountor_prepare(self, connection, lookup=None):
        if not self._procountor_is_purchase():
            return super()._procountor_prepare(connection, lookup)
        return self._procountor_prepare_purchase(connection, lookup)

    def _procountor_payload_digest(self, connection):
        if not self._procountor_is_purchase():
            return super()._procountor_payload_digest(connection)
        data, problems = self._procountor_prepare_purchase(connection)
        return (
            False if problems else self._procountor_body_hash(payloads.build_purchase_invoice(data))
        )

    def _procountor_body_hash(self, body):
        """A bill's deductible shares go on its accounting rows, not in the invoice body: a
        bill changed only in them (a tax of the same rate, partly deductible) is changed too.
        Bills without such a share keep the hash of the body alone."""
        if not self._procountor_is_purchase():
            return super()._procountor_body_hash(body)
        shares = [
            self._procountor_vat_deduction(line, "")[0] for line in self._procountor_product_lines()
        ]
        if all(share is None for share in shares):
            return _payload_hash(body)
        return _payload_hash({"invoice": body, "vatDeductionPercent": shares})

    def _procountor_build_body(self, data):
        if isinstance(data, payloads.PurchaseInvoiceData):
            return payloads.build_purchase_invoice(data)
        return super()._procountor_build_body(data)

    def _procountor_build_update_body(self, data, version):
        if isinstance(data, payloads.PurchaseInvoiceData):
            return payloads.build_purchase_invoice_update(data, version)
        return super()._procountor_build_update_body(data, version)

    def _procountor_create_once_options(self):
        if not self._procountor_is_purchase():
            return super()._procountor_create_once_options()
        # Supplier invoice numbers repeat across suppliers: only this supplier's purchase
        # invoices can be the one an unconfirmed POST created.
        return {"types": (payloads.INVOICE_TYPE_PURCHASE,), "belongs": payloads.same_supplier}

    def _procountor_steps(self, connection):
        if not self._procountor_is_purchase():
            return super()._procountor_steps(connection)
        steps = []
        if connection.invoice_accounting_rows:
            steps.append("accounting")
        # The bill's image is the bookkeeping document: it always goes along (a bill without
        # an attachment simply has none to upload).
        steps.append("attached")
        if connection.purchase_approve:
            steps.append("approved")
        return steps

    def _procountor_odoo_totals(self):
        totals = super()._procountor_odoo_totals()
        if self.move_type != "in_refund":
            return totals
        return payloads.Totals(-totals.excluding_vat, -totals.vat, -totals.total)

    def _procountor_note_cuts(self, data):
        if not isinstance(data, payloads.PurchaseInvoiceData):
            return super()._procountor_note_cuts(data)
        cuts = payloads.purchase_text_cuts(data)
        if not cuts:
            return None
        parts = []
        for cut in cuts:
            parts.append(
                _(
                    "%(field)s (%(length)s → %(max)s characters)",
                    field=self._procountor_field_label(cut),
                    length=cut.detail[0],
                    max=cut.detail[1],
                )
            )
        described = ", ".join(parts)
        self._message_log(
            body=_(
                "Sent to Procountor shortened to the length of its fields: %(fields)s.",
                fields=described,
            )
        )
        return None

    # ------------------------------------------------------------------ creation

    def _procountor_create_once(self, connection, client, data):
        """The supplier is created in Procountor's register first (exactly once, as
        customers are for sales invoices) when the connection creates partners on send."""
        if (
            isinstance(data, payloads.PurchaseInvoiceData)
            and connection.partner_create_on_send
            and not data.partner_id
        ):
            link, _outcome = self.commercial_partner_id._procountor_push(
                connection, client, "supplier", create_only=True
            )
            self._procountor_relock_after_register()
            if link.procountor_id:
                data = dataclasses.replace(data, partner_id=link.procountor_id)
        return super()._procountor_create_once(connection, client, data)

    def _procountor_supplier_partner_id(self, connection):
        link = self.commercial_partner_id._procountor_link(connection, "supplier")
        return link.procountor_id or None

    # ------------------------------------------------------------------ steps

    def _procountor_run_step(self, step, connection, client, pdf, remote, status):
        if step == "approved" and self._procountor_is_purchase():
            if status in (*payloads.PURCHASE_EDITABLE_STATUSES, "VERIFIED"):
                client.approve_invoice(self.procountor_invoice_id)
                return payloads.PURCHASE_APPROVED_STATUS
            return status
        return super()._procountor_run_step(step, connection, client, pdf, remote, status)

    def _procountor_step_attach(self, client, pdf, remote):
        if not self._procountor_is_purchase():
            return super()._procountor_step_attach(client, pdf, remote)
        attachment = self._procountor_bill_attachment()
        if not attachment:
            return None
        if remote is None and self.env.context.get("procountor_after_update"):
            # Updated in place: the attachment uploaded at creation is still there.
            remote = client.get_invoice(self.procountor_invoice_id)
        known = {item.get("name") for item in (remote or {}).get("attachments") or ()}
        if attachment.name in known:
            return None
        meta = {
            "referenceType": "INVOICE",
            "referenceId": self.procountor_invoice_id,
            # Procountor sends nothing for a purchase invoice (sendWithInvoice is for sales).
            "sendWithInvoice": False,
        }
        client.upload_attachment(
            meta,
            attachment.name,
            attachment.raw,
            mimetype=attachment.mimetype or "application/octet-stream",
        )
        return None

    def _procountor_bill_attachment(self):
        """The document the vendor sent: the bill's main attachment, else its latest PDF."""
        self.ensure_one()
        attachment = self.message_main_attachment_id
        if attachment:
            return attachment
        return self.env["ir.attachment"].search(
            [
                ("res_model", "=", "account.move"),
                ("res_id", "=", self.id),
                ("mimetype", "=", "application/pdf"),
            ],
            order="id desc",
            limit=1,
        )

    # ------------------------------------------------------------------ updates and refusals

    def _procountor_update_remote(self, connection, client, data, pdf):
        if not self._procountor_is_purchase():
            return super()._procountor_update_remote(connection, client, data, pdf)
        return super(
            AccountMove, self.with_context(procountor_after_update=True)
        )._procountor_update_remote(connection, client, data, pdf)

    def _procountor_remote_editable(self, status):
        if not self._procountor_is_purchase():
            return super()._procountor_remote_editable(status)
        return status in payloads.PURCHASE_EDITABLE_STATUSES

    def _procountor_before_update(self, connection, client, remote, pdf):
        if not self._procountor_is_purchase():
            return super()._procountor_before_update(connection, client, remote, pdf)
        # The vendor's document is the same file: it stays on the Procountor invoice.
        return None

    def _procountor_update_refusal(self, remote, status):
        if not self._procountor_is_purchase():
            return super()._procountor_update_refusal(remote, status)
        return _(
            "Procountor purchase invoice %(number)s is %(status)s: Procountor accepts changes "
            "to a purchase invoice only while it is unfinished or received.\nTo correct it, "
            "either return it to unfinished in Procountor (cancel the approval) and send this "
            "bill again (it is updated), or invalidate it in Procountor and send this bill "
            "again (a new purchase invoice is created), or record the difference as a vendor "
            "refund in Odoo and send that.",
            number=remote.get("invoiceNumber") or self.procountor_invoice_id,
            status=status_label(self.env, status),
        )

    def _procountor_fail_conflict(self, conflict):
        if not self._procountor_is_purchase():
            return super()._procountor_fail_conflict(conflict)
        ids = ", ".join(str(remote_id) for remote_id, _items in conflict.candidates)
        text = _(
            "Not sent to Procountor: Procountor already has a purchase invoice of this "
            "supplier numbered %(number)s (Procountor id %(ids)s), but with another total. "
            "An earlier attempt to send this bill got no answer, and that invoice is not it: "
            "it may have been entered in Procountor by hand. Nothing was adopted or created.\n"
            "What to do: open invoice %(ids)s in Procountor. If it is this bill, entered "
            "twice, invalidate one of them there and send this bill again. If it is another "
            "bill of this supplier, correct the bill reference (the supplier's invoice "
            "number) in Odoo.",
            number=conflict.number,
            ids=ids,
        )
        self._procountor_store_conflict(text)
        return None

    # ------------------------------------------------------------------ checks and data

    def _procountor_prepare_purchase(self, connection, lookup=None):
        """``(PurchaseInvoiceData, [])`` or ``(None, problems)``: every problem of the
        vendor bill at once, translated, before any HTTP call."""
        self.ensure_one()
        lookup = lookup or ProcountorMappingLookup(connection)
        partner = self.commercial_partner_id
        problems = self._procountor_check_supplier(partner)
        reference = (self.ref or "").strip()
        if not reference:
            problems.append(
                _(
                    "The bill has no bill reference: enter the supplier's invoice number in "
                    "the Bill Reference field (Procountor identifies purchase invoices by it)."
                )
            )
        elif len(reference) > payloads.MAX_LENGTHS["originalInvoiceNumber"]:
            problems.append(
                _(
                    "The bill reference %(ref)s is longer than 40 characters.",
                    ref=reference,
                )
            )
        lines, line_problems = self._procountor_lines_data(lookup)
        problems += line_problems
        problems += self._procountor_check_purchase_taxes()
        problems += self._procountor_check_purchase_deductions(connection, lookup)
        vat_status, status_problems = self._procountor_purchase_vat_status(connection)
        problems += status_problems
        iban, bic, bank_problems = self._procountor_supplier_bank(partner)
        problems += bank_problems
        domestic = payloads.is_domestic_account(iban)
        if payloads.reference_kind(self.payment_reference, domestic) == "invalid":
            problems.append(
                _(
                    "The payment reference %(reference)s is not a valid Finnish or RF "
                    "reference (check digit): correct it from the supplier's bill.",
                    reference=self.payment_reference,
                )
            )
        problems += self._procountor_check_currency()
        due = self.invoice_date_due or self.invoice_date
        if due and self.invoice_date and due < self.invoice_date:
            problems.append(_("The due date is before the bill date."))
        if lookup.accounting_rows:
            problems += self._procountor_check_accounting(connection)
        problems += self._procountor_check_bill_attachment()
        partner_id = self._procountor_supplier_partner_id(connection)
        if connection.partner_create_on_send and not partner_id:
            problems += partner._procountor_export_problems(connection)
        if problems:
            return None, list(dict.fromkeys(problems))
        refunded = self.reversed_entry_id
        data = payloads.PurchaseInvoiceData(
            supplier_reference=reference,
            number=self.name or "",
            invoice_date=self.invoice_date,
            due_date=due,
            currency=self.currency_id.name,
            currency_rate=payloads.to_decimal(self.invoice_currency_rate or 1.0),
            supplier=_address(partner),
            lines=tuple(lines),
            is_refund=self.move_type == "in_refund",
            refunded_reference=(refunded.ref or refunded.name or "") if refunded else "",
            business_id=partner.company_registry or "",
            vat=partner.vat or "",
            vat_status=vat_status,
            iban=iban,
            bic=bic,
            payment_reference=(self.payment_reference or "").strip(),
            accounting_by_row=bool(connection.invoice_accounting_rows),
            partner_id=partner_id,
        )
        problems = self._procountor_purchase_field_problems(data)
        if problems:
            return None, problems
        try:
            payloads.build_purchase_invoice(data)
        except payloads.PayloadError as exc:
            return None, exc.problems
        return data, []

    def _procountor_purchase_field_problems(self, data):
        """Translated character-set and length problems (the sales messages, other fields)."""
        return self._procountor_translate_field_problems(payloads.purchase_field_problems(data))

    def _procountor_check_supplier(self, partner):
        problems = []
        name = partner.name
        if not (name or "").strip():
            problems.append(_("The supplier has no name."))
        if partner.country_id and not payloads.procountor_country(partner.country_id.code):
            problems.append(
                _(
                    "Procountor does not know the country %(country)s.",
                    country=partner.country_id.name,
                )
            )
        if (
            (not partner.country_id or partner.country_id.code == "FI")
            and partner.company_registry
            and not payloads.finnish_business_id(partner.company_registry, partner.vat or "")
        ):
            problems.append(
                _(
                    "Supplier %(name)s has an invalid Finnish business ID %(business_id)s "
                    "(Y-tunnus: seven digits, a dash and a check digit, e.g. 2077474-0).",
                    name=name,
                    business_id=partner.company_registry,
                )
            )
        return problems

    def _procountor_check_purchase_taxes(self):
        """A sales tax on a bill would reach Procountor with a sales VAT status, which it
        refuses on a purchase invoice (VAT_STATUS_NOT_IN_USE)."""
        sales_taxes = self._procountor_product_lines().tax_ids.filtered(
            lambda tax: tax.type_tax_use != "purchase"
        )
        problems = []
        for tax in sales_taxes:
            problems.append(
                _(
                    "Tax %(tax)s is not a purchase tax: use the purchase tax of the same rate "
                    "on the vendor bill.",
                    tax=tax.name,
                )
            )
        return problems

    def _procountor_check_purchase_deductions(self, connection, lookup):
        """A tax with a non-deductible share: Procountor's purchase invoice rows have no
        ``vatDeductionPercent``; its accounting rows (the ledger receipt written after
        creation, ``_procountor_step_accounting``) do. Without that step the share cannot
        reach Procountor, which would book the whole VAT as deductible: refused."""
        lines = self._procountor_product_lines()
        problems = []
        for line in lines:
            label = (line.name or line.product_id.display_name or "").splitlines()[0][:60]
            percent, line_problems = self._procountor_vat_deduction(line, label)
            problems += line_problems
            if percent is not None and not connection.invoice_accounting_rows:
                problems.append(
                    _(
                        "Line %(line)s: tax %(tax)s is %(percent)s %% deductible. Procountor "
                        "takes the deductible share on the accounting rows of a purchase "
                        'invoice: switch on "Set Accounts and Dimensions" on the connection, '
                        "or use a fully deductible tax.",
                        line=label,
                        tax=line.tax_ids.name,
                        percent=float(percent),
                    )
                )
        if problems:
            return problems
        return self._procountor_check_deductible_vat(
            lines, self.line_ids.filtered("tax_line_id"), lookup
        )

    def _procountor_accounting_row_values(self, line):
        """A partly deductible purchase tax: its share on the row (``vatDeductionPercent``)."""
        values = super()._procountor_accounting_row_values(line)
        if not self._procountor_is_purchase():
            return values
        percent, _problems = self._procountor_vat_deduction(line, "")
        if percent is not None:
            values["vatDeductionPercent"] = payloads.json_number(percent)
        return values

    def _procountor_purchase_vat_status(self, connection):
        """``(status, problems)``: the invoice-level purchase VAT status.

        A fiscal position mapped to a purchase VAT status decides; without one the first
        row's status (from its tax mapping) is the invoice's, as for sales invoices."""
        position = self.fiscal_position_id
        if not position:
            return None, []
        mapping = connection.fiscal_position_mapping_ids.filtered(
            lambda line: line.fiscal_position_id == position
        )[:1]
        if mapping.purchase_vat_status_id:
            return mapping.purchase_vat_status_id.code, []
        return None, []

    def _procountor_supplier_bank(self, partner):
        """``(iban, bic, problems)``: the supplier's bank account Procountor pays to.

        A vendor refund is paid by the supplier (or set off): no bank account goes, and
        none is required."""
        if self.move_type == "in_refund":
            return "", "", []
        bank = self.partner_bank_id
        if not bank:
            return (
                "",
                "",
                [
                    _(
                        "The bill has no recipient bank account: add the supplier's bank "
                        "account (IBAN) to the supplier and choose it on the bill."
                    )
                ],
            )
        problems = []
        if bank.partner_id.commercial_partner_id != partner:
            problems.append(
                _(
                    "Bank account %(account)s is not an account of supplier %(name)s.",
                    account=bank.acc_number,
                    name=partner.name,
                )
            )
        if not payloads.is_valid_iban(bank.acc_number):
            problems.append(
                _(
                    "The supplier's bank account %(account)s is not a valid IBAN (country "
                    "code, check digits and length): Procountor pays purchase invoices to "
                    "IBAN accounts only. Correct it from the supplier's bill.",
                    account=bank.acc_number,
                )
            )
        bic = (bank.bank_id.bic or "").strip()
        if bic and not payloads.is_valid_bic(bic):
            problems.append(
                _(
                    "The BIC %(bic)s of bank %(bank)s is not valid.",
                    bic=bic,
                    bank=bank.bank_id.name,
                )
            )
        return payloads.compact_iban(bank.acc_number), bic, problems

    def _procountor_check_bill_attachment(self):
        """Procountor refuses attachments over ``ATTACHMENT_MAX_BYTES`` (api-notes 4.9):
        refused here, before the purchase invoice is created without its document."""
        attachment = self._procountor_bill_attachment()
        size = (attachment.file_size or 0) if attachment else 0
        if size <= api_const.ATTACHMENT_MAX_BYTES:
            return []
        size_text = f"{size:,}"
        max_text = f"{api_const.ATTACHMENT_MAX_BYTES:,}"
        return [
            _(
                "The bill's attachment %(name)s is %(size)s bytes; Procountor accepts "
                "attachments of at most %(max)s bytes. Attach a smaller scan (lower "
                "resolution, PDF instead of images) as the bill's main attachment.",
                name=attachment.name,
                size=size_text,
                max=max_text,
            )
        ]
