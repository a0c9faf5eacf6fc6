# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What a bill import needs from Odoo besides the run itself: the "not imported" rows and
their reasons, the reverse lookups of the mappings (Procountor account, VAT, dimension item →
Odoo), and the suppliers (partner links, matching, creation). The run is in
``procountor_connection_bill.py``."""

from odoo import fields, models

from ..procountor_api import payloads
from .procountor_connection_bill import BULK_CONTEXT


def _dict(value):
    return value if isinstance(value, dict) else {}


def _list(value):
    return value if isinstance(value, list) else []


def _text(value):
    return value if isinstance(value, str) and value else False


def _int(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _float(value):
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _date(value):
    """The date of an ISO text as Procountor sends it, else nothing (never a failed write)."""
    if not isinstance(value, str):
        return False
    try:
        return fields.Date.to_date(value[:10])
    except ValueError:
        return False


class ProcountorConnection(models.Model):
    _inherit = "procountor.connection"

    # ------------------------------------------------------------------ pending rows

    def _procountor_bill_pending(self, invoice, reason):
        """List (or update) the waiting row of ``invoice`` with ``reason``; what Procountor
        sent is shown only where it has the expected type (the row of a malformed answer
        is listed all the same)."""
        Pending = self.env["procountor.bill.pending"].sudo()
        payment = _dict(invoice.get("paymentInfo"))
        currency = _text(payment.get("currency"))
        totals = (
            _dict(payloads.bill_sum_info(invoice, currency or ""))
            if _list(invoice.get("invoiceSumInfo"))
            else {}
        )
        address = _dict(_dict(invoice.get("counterParty")).get("counterPartyAddress"))
        vals = {
            "invoice_number": _int(invoice.get("invoiceNumber")),
            "supplier_name": _text(address.get("name")),
            "original_number": _text(invoice.get("originalInvoiceNumber")),
            "invoice_date": _date(invoice.get("date")),
            "amount_total": _float(totals.get("invoiceSumTotal")),
            "currency": currency,
            "procountor_status": _text(invoice.get("status")),
            "reason": reason,
            "last_attempt": fields.Datetime.now(),
        }
        row = Pending.search(
            [("connection_id", "=", self.id), ("procountor_id", "=", invoice["id"])]
        )
        if row:
            row.write(vals)
        else:
            Pending.create({"connection_id": self.id, "procountor_id": invoice["id"], **vals})

    def _procountor_bill_reasons(self, problems):
        """Every problem of a purchase invoice as one translated text, each with its fix."""
        _ = self.env._
        lines = []
        for problem in problems:
            values = problem.values
            if problem.code == payloads.BILL_UNMAPPED_ACCOUNT:
                lines.append(
                    _(
                        "Procountor ledger account %(code)s has no Odoo account: add an "
                        "account mapping to it (Procountor > Mappings > Accounts) or an Odoo "
                        "account with that code.",
                        code=values[0],
                    )
                )
            elif problem.code == payloads.BILL_UNMAPPED_VAT:
                lines.append(
                    _(
                        "VAT %(percent)s %% with Procountor VAT status %(status)s has no Odoo "
                        "purchase tax: add a tax mapping (Procountor > Mappings > Taxes).",
                        percent=values[0],
                        status=values[1] if values[1] is not None else "-",
                    )
                )
            elif problem.code == payloads.BILL_UNMAPPED_DEDUCTION:
                lines.append(
                    _(
                        "Row %(row)s: %(share)s %% of its VAT %(percent)s %% (status %(status)s) "
                        "is deductible in Procountor, and no Odoo purchase tax mapped to that VAT "
                        "has that deductible share: map a tax whose repartition has it "
                        "(Procountor > Mappings > Taxes).",
                        row=values[0],
                        percent=values[1],
                        status=values[2] if values[2] is not None else "-",
                        share=values[3],
                    )
                )
            elif problem.code == payloads.BILL_AMBIGUOUS_DEDUCTION:
                lines.append(
                    _(
                        "Row %(row)s: several Odoo purchase taxes mapped to VAT %(percent)s %% "
                        "(status %(status)s) have its deductible share of %(share)s %%: keep "
                        "one mapping, or make it the company's default purchase tax.",
                        row=values[0],
                        percent=values[1],
                        status=values[2] if values[2] is not None else "-",
                        share=values[3],
                    )
                )
            elif problem.code == payloads.BILL_UNMAPPED_DIMENSION:
                lines.append(
                    _(
                        "Item %(item)s of Procountor dimension %(dimension)s has no analytic "
                        "account: add an analytic mapping (Procountor > Mappings).",
                        dimension=values[0],
                        item=values[1],
                    )
                )
            elif problem.code == payloads.BILL_UNKNOWN_CURRENCY:
                lines.append(_("Currency %(currency)s is not active in Odoo.", currency=values[0]))
            elif problem.code == payloads.BILL_NO_RECEIPT:
                lines.append(
                    _(
                        "Procountor did not return the invoice's ledger receipt %(id)s.",
                        id=values[0],
                    )
                )
            elif problem.code == payloads.BILL_MALFORMED:
                lines.append(
                    _(
                        "Unexpected answer from Procountor: %(field)s is %(value)s. The next "
                        "run reads it again; if it stays, correct the invoice in Procountor.",
                        field=values[0],
                        value=values[1],
                    )
                )
            elif problem.code == payloads.BILL_NO_ENTRIES:
                lines.append(
                    _(
                        "Ledger receipt %(id)s has no ENTRY rows to import: book the invoice "
                        "in Procountor first.",
                        id=values[0],
                    )
                )
            else:
                lines.append(_("Not importable (%(code)s).", code=problem.code))
        return "\n".join(lines)

    # ------------------------------------------------------------------ bills Odoo sent

    def _procountor_bill_sent_ids(self, ids):
        """The ids among ``ids`` that a move of this connection holds as sent to Procountor."""
        moves = (
            self.env["account.move"]
            .sudo()
            .search(
                [("procountor_connection_id", "=", self.id), ("procountor_invoice_id", "in", ids)]
            )
        )
        return set(moves.mapped("procountor_invoice_id"))

    def _procountor_bill_in_flight(self):
        """``{supplier invoice number: move}`` of the vendor bills of this connection whose
        creation in Procountor is claimed but not confirmed: the invoice may be in Procountor
        already while its id is not yet stored in Odoo."""
        moves = (
            self.env["account.move"]
            .sudo()
            .search(
                [
                    ("procountor_connection_id", "=", self.id),
                    ("procountor_create_unknown", "=", True),
                    ("move_type", "in", ("in_invoice", "in_refund")),
                ]
            )
        )
        return {(move.ref or "").strip(): move for move in moves if (move.ref or "").strip()}

    def _procountor_bill_sending_reason(self, move):
        return self.env._(
            "Vendor bill %(bill)s of Odoo, with the same supplier invoice number, is being "
            "sent to Procountor and its answer is not confirmed yet: this may be that very "
            "bill. It is not imported; once the sending completes (Send to Procountor on the "
            "bill), the next run recognises it.",
            bill=move.display_name,
        )

    # ------------------------------------------------------------------ mappings

    def _procountor_bill_mappings(self):
        """``payloads.BillMappings``: the connection's mappings read backwards.

        Accounts: the account mappings to each Procountor code, else the company's Odoo
        account with the same code. Several Odoo accounts mapped to one code: the one with
        that very code if it is among them, else the lowest code. Taxes: purchase tax
        mappings by (VAT %, VAT status), every candidate with its deductible share (the row's
        ``vatDeductionPercent`` picks; several with that share: the company's default
        purchase tax, else the first by sequence for an ordinary tax). Dimensions: the analytic
        mappings by (dimension id, item id)."""
        self.ensure_one()
        company = self.company_id
        # An account's code is per company (Odoo 18 reads it for env.company): a cron runs
        # in its user's company, which need not be the connection's.
        self = self.with_company(company)  # noqa: PLW0642
        accounts = {}
        for mapping in self.account_mapping_ids.sorted(lambda m: (m.account_id.code or "", m.id)):
            code = mapping.ledger_account_id.code
            if code not in accounts or mapping.account_id.code == code:
                accounts[code] = mapping.account_id.id
        codes = self.ledger_account_ids.mapped("code")
        missing = [code for code in codes if code not in accounts]
        if missing:
            for account in self.env["account.account"].search(
                [("code", "in", missing), ("company_ids", "in", company.id)]
            ):
                accounts.setdefault(account.code, account.id)
        taxes, deductions = {}, {}
        default_tax = company.account_purchase_tax_id
        purchase = self.tax_mapping_ids.filtered(
            lambda m: m.type_tax_use == "purchase" and m.vat_percent_id and m.tax_id.active
        ).sorted(lambda m: (m.tax_id.sequence, m.tax_id.id))
        for mapping in purchase:
            key = payloads.bill_vat_key(
                mapping.vat_percent_id.percent, mapping.vat_status_id.code or None
            )
            # Every candidate of the key: the row's deductible share picks among them.
            if mapping.tax_id.id not in taxes.setdefault(key, ()):
                taxes[key] += (mapping.tax_id.id,)
            deductions[mapping.tax_id.id] = mapping.tax_id._procountor_vat_deduction_percent()
        items = {
            (m.dimension_item_id.dimension_id.procountor_id, m.dimension_item_id.procountor_id): (
                m.analytic_account_id.id
            )
            for m in self.analytic_mapping_ids
        }
        currencies = {
            currency.name: currency.id
            for currency in self.env["res.currency"].search([("active", "=", True)])
        }
        return payloads.BillMappings(
            accounts=accounts,
            taxes=taxes,
            dimension_items=items,
            currencies=currencies,
            company_currency=company.currency_id.name,
            tax_deductions=deductions,
            preferred_tax=default_tax.id or None,
        )

    # ------------------------------------------------------------------ suppliers

    def _procountor_bill_suppliers(self, client, bills):
        """``({procountor invoice id: res.partner}, {procountor invoice id: reason})``.

        Through the partner links first; business partners not linked yet are read in
        batches (``GET /businesspartners/{ids}``) and matched as the partner fetch does
        (business ID, VAT, customer number, name): a match is linked, no match is created
        and linked, an ambiguous match is a reason. Invoices without ``partnerId`` are
        matched by their counterparty the same way, without a link."""
        Partner = self.env["res.partner"].with_context(active_test=False)
        Link = self.env["procountor.partner.link"].sudo()
        remote_ids = {b.partner_procountor_id for b in bills if b.partner_procountor_id}
        by_remote = {
            link.procountor_id: link.partner_id
            for link in Link.search(
                [("connection_id", "=", self.id), ("procountor_id", "in", list(remote_ids))]
            )
        }
        unlinked = sorted(remote_ids - set(by_remote))
        conflicts, refused, odoo_refused = {}, {}, {}
        if unlinked:
            remotes = client.get_business_partners(unlinked)
            index = self._procountor_partner_index()
            matches = payloads.match_records(
                remotes, index, payloads.PARTNER_KEYS, payloads.partner_keys
            )
            remote_by_id = {row["id"]: row for row in remotes}
            lines = []
            # Suppliers are created with the rights of whoever runs the import (the cron's
            # user, or the user of the button or re-try): never on someone's behalf.
            may_create = self.env["res.partner"].has_access("create")
            for match in matches:
                remote = dict(remote_by_id[match.remote_id])
                # Linked as a supplier whatever Procountor's register type says: it sold
                # us something.
                remote["type"] = "SUPPLIER"
                if match.status == payloads.MATCHED:
                    lines.append(("link", match.remote_id, match.odoo_id, remote))
                elif match.status == payloads.NEW and not may_create:
                    refused[match.remote_id] = remote.get("name") or match.remote_id
                elif match.status == payloads.NEW:
                    lines.append(("create", match.remote_id, False, remote))
                else:
                    conflicts[match.remote_id] = match
            if lines:
                # A supplier Odoo refuses is left out with Odoo's reason, its bills wait.
                self._procountor_apply_partners(lines, odoo_refused)
                by_remote.update(
                    {
                        link.procountor_id: link.partner_id
                        for link in Link.search(
                            [
                                ("connection_id", "=", self.id),
                                ("procountor_id", "in", [line[1] for line in lines]),
                            ]
                        )
                    }
                )
        result, reasons = {}, {}
        index = None
        for bill in bills:
            partner = by_remote.get(bill.partner_procountor_id)
            if partner:
                result[bill.procountor_id] = Partner.browse(partner.id)
                continue
            conflict = conflicts.get(bill.partner_procountor_id)
            if conflict:
                reasons[bill.procountor_id] = self._procountor_bill_conflict_reason(conflict)
                continue
            if bill.partner_procountor_id in refused:
                reasons[bill.procountor_id] = self._procountor_bill_no_create_reason(
                    refused[bill.partner_procountor_id]
                )
                continue
            if bill.partner_procountor_id in odoo_refused:
                reasons[bill.procountor_id] = odoo_refused[bill.partner_procountor_id]
                continue
            index = index or self._procountor_partner_index()
            partner, reason = self._procountor_bill_counterparty(bill, index)
            if reason:
                reasons[bill.procountor_id] = reason
            else:
                result[bill.procountor_id] = partner
        return result, reasons

    def _procountor_bill_conflict_reason(self, match):
        names = ", ".join(
            self.env["res.partner"].browse(list(match.odoo_ids)).exists().mapped("display_name")
        )
        return self.env._(
            "Supplier %(id)s of Procountor matches several Odoo partners or one already "
            "linked to another Procountor partner (%(key)s: %(names)s). Link the right "
            "partner (Fetch Partners) and try again.",
            id=match.remote_id,
            key=match.key,
            names=names or "-",
        )

    def _procountor_bill_no_create_reason(self, name):
        return self.env._(
            "The supplier %(name)s is not in Odoo yet and you may not create contacts: ask "
            "someone who may (or the scheduled import) to run the import, or create the "
            "supplier first.",
            name=name,
        )

    def _procountor_bill_counterparty(self, bill, index):
        """Supplier of an invoice without ``partnerId`` (no register entry to link)."""
        business_id = payloads.finnish_business_id(bill.supplier_identifier, bill.supplier_vat)
        keys = {
            "business_id": business_id,
            "vat": ""
            if business_id
            else payloads.compact_vat(bill.supplier_vat or bill.supplier_identifier),
            "name": bill.supplier_name,
        }
        for key in ("business_id", "vat", "name"):
            ids = index.keys.get(key, {}).get(keys[key]) if keys[key] else None
            if not ids:
                continue
            if len(ids) > 1:
                return None, self.env._(
                    "The supplier %(name)s matches several Odoo partners by %(key)s; keep "
                    "one (merge or archive the others) and try again.",
                    name=bill.supplier_name,
                    key=key,
                )
            return self.env["res.partner"].browse(ids[0]), ""
        if not self.env["res.partner"].has_access("create"):
            return None, self._procountor_bill_no_create_reason(bill.supplier_name)
        partner = (
            self.env["res.partner"]
            .with_context(**BULK_CONTEXT)
            .create(
                {
                    "name": bill.supplier_name or self.env._("Procountor supplier"),
                    "is_company": True,
                    "company_id": self.company_id.id,
                    "company_registry": business_id or False,
                    "vat": keys["vat"] if keys["vat"][:2].isalpha() else False,
                    "supplier_rank": 1,
                }
            )
        )
        for key, value in keys.items():
            index.add(key, value, partner.id)
        return partner, ""
