# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""One vendor bill from one mapped Procountor purchase invoice: the move, its supplier bank
account and files, in one savepoint (imported whole or not at all). The run that calls it
is in ``procountor_connection_bill.py``."""

from types import SimpleNamespace

import psycopg2

from odoo import Command, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import mute_logger

from ..procountor_api import bill_files, payloads
from ..procountor_api.exceptions import ProcountorError
from .procountor_connection_bill import BULK_CONTEXT


class ProcountorConnection(models.Model):
    _inherit = "procountor.connection"

    # ------------------------------------------------------------------ one bill

    def _procountor_bill_import_one(self, client, data, supplier, prefetched=None):
        """``(move, "")`` or ``(None, reason)``: the bill, its files and posting in one
        savepoint, so a bill is imported whole or not at all (its payments come from
        Procountor's payment events after the run)."""
        Move = self.env["account.move"].with_context(**BULK_CONTEXT)
        try:
            with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                move = Move.create(self._procountor_bill_vals(data, supplier))
                self._procountor_bill_settle(move, data)
                self._procountor_bill_check_deductible(move)
                self._procountor_bill_files(client, data, move, prefetched)
                if self.bill_import_post:
                    move.action_post()
                self.env.flush_all()
        except _Refused as refused:
            return None, refused.reason
        except psycopg2.errors.UniqueViolation:
            # Another run imported it, or a send stored it as its own, between our search
            # and our insert: a move of the connection carries it already.
            return None, ""
        except ProcountorError as exc:
            return None, self.env._(
                "The files of the purchase invoice could not be read from Procountor: "
                "%(error)s. The next run tries again.",
                error=exc,
            )
        except (UserError, ValidationError) as exc:
            return None, self.env._(
                "Odoo refused the vendor bill: %(error)s", error=exc.args[0] if exc.args else exc
            )
        return move, ""

    def _procountor_bill_settle(self, move, data):
        """Refuse (``_Refused``) a bill whose totals are not Procountor's to the cent; book a
        foreign-currency one at Procountor's rate and accounting amounts."""
        differ = payloads.bill_totals_differ(data, move.amount_untaxed, move.amount_total)
        if differ:
            raise _Refused(
                self.env._(
                    "Odoo's totals differ from Procountor's: total %(remote)s in "
                    "Procountor, %(odoo)s in Odoo; untaxed %(remote_untaxed)s and "
                    "%(odoo_untaxed)s. Check that the VAT mapping gives the same "
                    "percentages and that taxes are rounded per line.",
                    remote=differ[0],
                    odoo=differ[1],
                    remote_untaxed=differ[2],
                    odoo_untaxed=differ[3],
                )
            )
        if data.foreign:
            self._procountor_bill_book_at_rate(move, data)

    def _procountor_bill_book_at_rate(self, move, data):
        """Book a foreign-currency bill with the accounting-currency amounts Procountor
        booked (``payloads.bill_company_balances``): the move carries Procountor's rate, and
        the balances of its lines are Procountor's (Odoo's conversion of each line may be a
        cent off). Refused when Procountor's accounting amounts are not all known."""
        # Procountor's rate first (every line converted again at it), then its exact cents.
        move.invoice_currency_rate = float(data.currency_rate)
        products = move.invoice_line_ids.sorted(lambda line: (line.sequence, line.id))
        taxes = move.line_ids.filtered("tax_repartition_line_id").sorted("id")
        terms = move.line_ids.filtered(lambda line: line.display_type == "payment_term")
        balances = payloads.bill_company_balances(data, taxes.mapped("balance"))
        if balances is None or len(terms) != 1 or len(products) != len(data.lines):
            raise _Refused(
                self.env._(
                    "The purchase invoice is in %(currency)s and Procountor's amounts in the "
                    "accounting currency are not all known (its ledger receipt has no payable "
                    "row, or VAT without a VAT line in Odoo): it is not booked at another "
                    "rate. Check the invoice's accounting page in Procountor.",
                    currency=data.currency,
                )
            )
        product_balances, tax_balances, payable = balances
        pairs = [
            *zip(products, product_balances, strict=True),
            *zip(taxes, tax_balances, strict=True),
            (terms, payable),
        ]
        move.with_context(skip_invoice_sync=True).write(
            {
                "line_ids": [
                    Command.update(line.id, {"balance": float(balance)})
                    for line, balance in pairs
                    if move.company_currency_id.compare_amounts(line.balance, float(balance))
                ]
            }
        )

    def _procountor_bill_check_deductible(self, move):
        """A partly deductible row: Odoo's deductible VAT (its tax-closing lines) must be
        what Procountor deducts, to the cent, or the two VAT returns differ: the bill waits
        with the reason (the same check as the journal entries sent to Procountor)."""
        problems = move._procountor_check_deductible_vat(
            move.invoice_line_ids.filtered(lambda line: line.display_type == "product"),
            move.line_ids.filtered("tax_line_id"),
            SimpleNamespace(taxes={}),
        )
        if problems:
            raise _Refused("\n".join(problems))

    def _procountor_bill_vals(self, data, supplier):
        partner_bank = self._procountor_bill_partner_bank(supplier, data.supplier_iban)
        return {
            "move_type": data.move_type,
            "journal_id": self.bill_import_journal_id.id,
            "company_id": self.company_id.id,
            "partner_id": supplier.id,
            "invoice_date": data.invoice_date,
            "date": data.accounting_date or data.invoice_date,
            "invoice_payment_term_id": False,
            "invoice_date_due": data.due_date or data.invoice_date,
            "ref": data.ref or False,
            "payment_reference": data.payment_reference or False,
            "currency_id": data.currency_id,
            "partner_bank_id": partner_bank.id or False,
            "narration": data.notes or False,
            "procountor_bill_id": data.procountor_id,
            "procountor_bill_connection_id": self.id,
            "procountor_bill_status": data.status,
            "procountor_bill_version": data.version,
            "procountor_bill_fingerprint": payloads.bill_fingerprint(data),
            "invoice_line_ids": [
                (0, 0, self.env["account.move"]._procountor_bill_line_vals(line))
                for line in data.lines
            ],
        }

    def _procountor_bill_partner_bank(self, supplier, iban):
        """The supplier's bank account of the invoice (created when Odoo lacks it)."""
        if not iban:
            return self.env["res.partner.bank"]
        Bank = self.env["res.partner.bank"].sudo()
        bank = Bank.search(
            [("sanitized_acc_number", "=", iban.upper()), ("partner_id", "=", supplier.id)],
            limit=1,
        )
        if not bank:
            try:
                with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                    bank = Bank.create({"acc_number": iban, "partner_id": supplier.id})
            except (ValidationError, UserError, psycopg2.Error):
                # An account number Odoo refuses (or one held by another partner) is not a
                # reason to leave the bill out; it is simply not set.
                bank = Bank
        return bank

    def _procountor_bill_files(self, client, data, move, prefetched=None):
        """Attach the invoice's files (its scan) or, with the option, its page image.
        ``prefetched(data)``: the ``Outcome`` of their read made ahead in a worker thread
        (``_procountor_bill_prefetch_files``), or None: then they are read here."""
        Attachment = self.env["ir.attachment"]
        read = prefetched(data) if prefetched else None
        if read is None:
            files = bill_files.read_bill_files(
                client, data.attachments, data.procountor_id, self.bill_import_attach_image
            )
        elif read.error is not None:
            raise read.error
        else:
            files = read.value
        attachments = Attachment
        for name, content, meta in files:
            attachments |= Attachment.create(
                {
                    "name": name,
                    "raw": content,
                    "res_model": "account.move",
                    "res_id": move.id,
                    "mimetype": meta.get("mimeType") or False,
                    "description": self.env._("From Procountor"),
                }
            )
        if attachments:
            move.message_main_attachment_id = attachments[:1]


class _Refused(Exception):
    """A bill Odoo could build but must not keep (rolled back to its savepoint)."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason
