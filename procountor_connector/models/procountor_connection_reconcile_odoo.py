# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The Odoo side of a reconciliation: a connection's documents of a period as
``payloads.reconcile.OdooDocument`` rows, read in a fixed number of queries whatever
their count (``search_read`` of moves, of their lines, of partners and links).

Which Odoo documents are expected in Procountor:
- sales invoices and credit notes, vendor bills and refunds, journal entries the
  connection sent (they carry its Procountor id), in any state (a sent one that is now
  draft or cancelled names the Procountor document left behind);
- posted ones not sent yet, where the connection sends them on its own: sales documents
  when it is the company's connection with *Send Automatically*, bills with *Send Vendor
  Bills* (not imported ones), entries of its *Journals Sent as Ledger Receipts*.
"""

from collections import defaultdict
from decimal import Decimal

from odoo import models
from odoo.osv import expression

from ..procountor_api.payloads import reconcile as rec

SALE_MOVES = ("out_invoice", "out_refund")
PURCHASE_MOVES = ("in_invoice", "in_refund")
REFUNDS = ("out_refund", "in_refund")
PAID_STATES = ("paid", "in_payment", "reversed")
MOVE_FIELDS = [
    "name",
    "ref",
    "move_type",
    "state",
    "invoice_date",
    "date",
    "currency_id",
    "amount_total",
    "amount_residual",
    "payment_state",
    "commercial_partner_id",
    "procountor_invoice_id",
    "procountor_bill_id",
    "procountor_ledger_receipt_id",
]


def _dec(value):
    return Decimal(str(value or 0)).quantize(rec.CENT)


def _doc_type(move_type):
    if move_type in SALE_MOVES:
        return "sale"
    if move_type in PURCHASE_MOVES:
        return "purchase"
    return "entry"


def _procountor_id(row):
    if row["move_type"] == "entry":
        return row["procountor_ledger_receipt_id"] or None
    return row["procountor_bill_id"] or row["procountor_invoice_id"] or None


class ReconcileOdooSide:
    """What a run needs to know about Odoo, gathered up front (no query per document)."""

    def __init__(self, connection, date_from, date_to):
        self.connection = connection
        self.env = connection.env
        self.date_from = date_from
        self.date_to = date_to
        self.imports_bills = bool(connection.bill_import_enabled)
        self.documents = {"sale": [], "purchase": [], "entry": []}
        self._not_posted = {}
        self._lines_compared = set()
        self._paid_ids = set()
        self.number_prefixes = ()

    # ------------------------------------------------------------------ questions of the run

    def linked_invoice_ids(self):
        return [
            doc.procountor_id
            for doc_type in ("sale", "purchase")
            for doc in self.documents[doc_type]
            if doc.procountor_id
        ]

    def linked_receipt_ids(self):
        return [doc.procountor_id for doc in self.documents["entry"] if doc.procountor_id]

    def has_payments(self, invoice_id):
        return invoice_id in self._paid_ids

    def compares_lines(self, invoice_id):
        return invoice_id in self._lines_compared

    def move_of(self, remote):
        """The Odoo move (not posted) that names a Procountor document Odoo lacks."""
        return self._not_posted.get((remote.doc_type, remote.procountor_id))

    def describe_missing(self, findings):
        """Name the Odoo side of ``missing_in_odoo``: the draft or cancelled move that was
        sent, else a move with the number Procountor carries (one query for all)."""
        Move = self.env["account.move"].sudo()
        unnamed = [f for f in findings if f.kind == "missing_in_odoo" and not f.move_id]
        references = {f.procountor_value.split(" ")[0] for f in unnamed}
        by_name = {}
        if references:
            for row in Move.search_read(
                [
                    ("company_id", "=", self.connection.company_id.id),
                    ("name", "in", list(references)),
                ],
                ["name"],
                load=None,
            ):
                by_name[row["name"]] = row["id"]
        for finding in unnamed:
            finding.move_id = by_name.get(finding.procountor_value.split(" ")[0])
        named = [f for f in findings if f.kind == "missing_in_odoo" and f.move_id]
        if named:
            moves = Move.browse([f.move_id for f in named])
            states = dict(moves._fields["state"]._description_selection(self.env))
            info = {m.id: (m.name, states.get(m.state, m.state)) for m in moves}
            for finding in named:
                name, state = info[finding.move_id]
                finding.odoo_value = f"{name} ({state})"

    # ------------------------------------------------------------------ balances

    def open_items(self):
        """Odoo's open documents of the connection up to the period end."""
        connection = self.connection
        domain = [
            ("company_id", "=", connection.company_id.id),
            ("state", "=", "posted"),
            ("move_type", "in", SALE_MOVES + PURCHASE_MOVES),
            ("invoice_date", "<=", self.date_to),
            ("amount_residual", "!=", 0),
        ]
        domain += _linked_invoices_domain(connection)
        items = []
        currencies = _currency_names(self.env)
        for row in self.env["account.move"].sudo().search_read(domain, MOVE_FIELDS, load=None):
            sign = -1 if row["move_type"] in REFUNDS else 1
            doc_type = _doc_type(row["move_type"])
            items.append(
                rec.OpenItem(
                    partner_id=row["commercial_partner_id"],
                    side="receivable" if doc_type == "sale" else "payable",
                    currency=currencies.get(row["currency_id"], ""),
                    amount=sign * _dec(row["amount_residual"]),
                    document=(doc_type, "p", _procountor_id(row)),
                )
            )
        return items

    def remote_open_items(self, rows, paid):
        """Procountor's open invoices up to the period end, each on the Odoo partner of its
        Odoo document, else of its business partner link (others are left out)."""
        connection = self.connection
        ids = [row["id"] for row in rows]
        partner_of = {}
        if ids:
            domain = [("company_id", "=", connection.company_id.id)]
            domain += expression.OR(
                [
                    [("procountor_invoice_id", "in", ids)],
                    [("procountor_bill_id", "in", ids)],
                ]
            )
            for row in self.env["account.move"].sudo().search_read(domain, MOVE_FIELDS, load=None):
                partner_of[_procountor_id(row)] = row["commercial_partner_id"]
        partner_ids = [row["partnerId"] for row in rows if isinstance(row.get("partnerId"), int)]
        links = {}
        if partner_ids:
            for link in (
                self.env["procountor.partner.link"]
                .sudo()
                .search_read(
                    [("connection_id", "=", connection.id), ("procountor_id", "in", partner_ids)],
                    ["partner_id", "partner_type", "procountor_id"],
                    load=None,
                )
            ):
                links[(link["procountor_id"], link["partner_type"])] = link["partner_id"]
        items = []
        for row in rows:
            sale = row.get("type") in rec.SALES_TYPES
            partner = partner_of.get(row["id"]) or links.get(
                (row.get("partnerId"), "customer" if sale else "supplier")
            )
            if not partner:
                continue
            currency, total = rec.invoice_sum(row)
            items.append(
                rec.OpenItem(
                    partner_id=partner,
                    side="receivable" if sale else "payable",
                    currency=currency,
                    amount=total - paid.get(row["id"], Decimal(0)),
                    document=("sale" if sale else "purchase", "p", row["id"]),
                )
            )
        return items


def _currency_names(env):
    return {c["id"]: c["name"] for c in env["res.currency"].sudo().search_read([], ["name"])}


def _linked_invoices_domain(connection):
    return expression.OR(
        [
            [("procountor_connection_id", "=", connection.id), ("procountor_invoice_id", "!=", 0)],
            [
                ("procountor_bill_connection_id", "=", connection.id),
                ("procountor_bill_id", "!=", 0),
            ],
        ]
    )


class ProcountorConnection(models.Model):
    _inherit = "procountor.connection"

    def _procountor_reconcile_scope(self, date_from, date_to):
        """Domain of the Odoo moves a run compares (module docstring)."""
        self.ensure_one()
        invoice_period = [("invoice_date", ">=", date_from), ("invoice_date", "<=", date_to)]
        linked = expression.AND(
            [
                [("move_type", "in", SALE_MOVES + PURCHASE_MOVES)],
                invoice_period,
                _linked_invoices_domain(self),
            ]
        )
        entries = [
            ("move_type", "=", "entry"),
            ("date", ">=", date_from),
            ("date", "<=", date_to),
            ("procountor_connection_id", "=", self.id),
            ("procountor_ledger_receipt_id", "!=", 0),
        ]
        parts = [linked, entries]
        unsent = [("state", "=", "posted"), ("procountor_invoice_id", "=", 0)]
        if self.invoice_cron_enabled and self.company_id.procountor_connection_id == self:
            sales = [("move_type", "in", SALE_MOVES), *invoice_period, *unsent]
            if self.invoice_cron_date_from:
                sales.append(("invoice_date", ">=", self.invoice_cron_date_from))
            parts.append(sales)
        if self.purchase_send_enabled:
            parts.append(
                [
                    ("move_type", "in", PURCHASE_MOVES),
                    *invoice_period,
                    *unsent,
                    ("procountor_bill_id", "=", 0),
                ]
            )
        if self.journal_send_journal_ids:
            parts.append(
                [
                    ("move_type", "=", "entry"),
                    ("date", ">=", date_from),
                    ("date", "<=", date_to),
                    ("state", "=", "posted"),
                    ("journal_id", "in", self.journal_send_journal_ids.ids),
                    ("procountor_ledger_receipt_id", "=", 0),
                ]
            )
        return expression.AND([[("company_id", "=", self.company_id.id)], expression.OR(parts)])

    def _procountor_reconcile_odoo_side(self, date_from, date_to):
        """``ReconcileOdooSide`` of the period: every document, its lines and partner."""
        self.ensure_one()
        side = ReconcileOdooSide(self, date_from, date_to)
        Move = self.env["account.move"].sudo()
        rows = Move.search_read(
            self._procountor_reconcile_scope(date_from, date_to), MOVE_FIELDS, load=None
        )
        posted = [row for row in rows if row["state"] == "posted"]
        for row in rows:
            if row["state"] != "posted" and _procountor_id(row):
                side._not_posted[(_doc_type(row["move_type"]), _procountor_id(row))] = row["id"]
        lines = self._procountor_reconcile_lines(
            [
                row["id"]
                for row in posted
                if row["move_type"] == "entry"
                or (
                    row["move_type"] in PURCHASE_MOVES
                    and (row["procountor_bill_id"] or self.invoice_accounting_rows)
                )
            ]
        )
        partners = self._procountor_reconcile_partners(
            {row["commercial_partner_id"] for row in posted if row["commercial_partner_id"]}
        )
        currencies = _currency_names(self.env)
        for row in posted:
            doc = self._procountor_reconcile_document(row, lines, partners, currencies)
            side.documents[doc.doc_type].append(doc)
            if doc.lines is not None and doc.procountor_id:
                side._lines_compared.add(doc.procountor_id)
            if doc.paid and doc.procountor_id:
                side._paid_ids.add(doc.procountor_id)
        side.number_prefixes = self._procountor_reconcile_prefixes()
        return side

    def _procountor_reconcile_document(self, row, lines, partners, currencies):
        doc_type = _doc_type(row["move_type"])
        sign = -1 if row["move_type"] in REFUNDS else 1
        common = {
            "move_id": row["id"],
            "doc_type": doc_type,
            "procountor_id": _procountor_id(row),
            "number": row["name"] or "",
            "partner_id": row["commercial_partner_id"] or None,
            "lines": lines.get(row["id"]) if row["id"] in lines else None,
        }
        if doc_type == "entry":
            entry_lines = lines.get(row["id"], ())
            return rec.OdooDocument(
                **common,
                reference=row["name"] or "",
                date=str(row["date"]),
                total=sum((net for _a, _p, net in entry_lines if net > 0), Decimal(0)),
            )
        total = sign * _dec(row["amount_total"])
        partner = partners.get(row["commercial_partner_id"], {})
        link_type = "customer" if doc_type == "sale" else "supplier"
        return rec.OdooDocument(
            **common,
            reference=(row["name"] if doc_type == "sale" else row["ref"]) or "",
            date=str(row["invoice_date"] or row["date"]),
            currency=currencies.get(row["currency_id"], ""),
            total=total,
            paid=total - sign * _dec(row["amount_residual"]),
            fully_paid=row["payment_state"] in PAID_STATES,
            counterparty=rec.expected_counterparty(
                partner.get("links", {}).get(link_type),
                partner.get("company_registry"),
                partner.get("vat"),
                partner.get("country_code"),
                partner.get("name"),
            )
            if partner
            else {},
        )

    def _procountor_reconcile_lines(self, move_ids):
        """``{move id: ((account, VAT %, net), ...)}``: the lines a ledger receipt books
        (not taxes, notes, sections or the payable), with the account as Procountor knows
        it (its mapping, else the Odoo code) and the VAT percent of its tax mapping."""
        if not move_ids:
            return {}
        rows = (
            self.env["account.move.line"]
            .sudo()
            .search_read(
                [
                    ("move_id", "in", move_ids),
                    ("display_type", "=", "product"),
                    ("tax_line_id", "=", False),
                ],
                ["move_id", "account_id", "balance", "tax_ids"],
                load=None,
            )
        )
        accounts = {
            a["id"]: a["code"]
            for a in self.env["account.account"]
            .sudo()
            .with_company(self.company_id)
            .browse({row["account_id"] for row in rows})
            .read(["code"])
        }
        for mapping in self.account_mapping_ids:
            accounts[mapping.account_id.id] = mapping.ledger_account_id.code
        percents = {m.tax_id.id: m.vat_percent for m in self.tax_mapping_ids}
        tax_ids = {tax for row in rows for tax in row["tax_ids"]} - set(percents)
        for tax in self.env["account.tax"].sudo().browse(tax_ids).read(["amount"]):
            percents[tax["id"]] = tax["amount"]
        grouped = defaultdict(list)
        for row in rows:
            percent = percents.get(row["tax_ids"][0], 0) if row["tax_ids"] else 0
            key = (accounts.get(row["account_id"], ""), Decimal(str(percent)))
            grouped[row["move_id"]].append((key, _dec(row["balance"])))
        return {move_id: rec.group_lines(values) for move_id, values in grouped.items()} | {
            move_id: () for move_id in move_ids if move_id not in grouped
        }

    def _procountor_reconcile_partners(self, partner_ids):
        """``{partner id: {name, vat, company_registry, country_code, links}}``."""
        if not partner_ids:
            return {}
        Partner = self.env["res.partner"].sudo().with_context(active_test=False)
        rows = Partner.browse(partner_ids).read(
            ["name", "vat", "company_registry", "country_id"], load=None
        )
        countries = {
            c["id"]: c["code"]
            for c in self.env["res.country"]
            .sudo()
            .browse({r["country_id"] for r in rows if r["country_id"]})
            .read(["code"])
        }
        partners = {
            row["id"]: {
                "name": row["name"],
                "vat": row["vat"] or "",
                "company_registry": row["company_registry"] or "",
                "country_code": countries.get(row["country_id"], ""),
                "links": {},
            }
            for row in rows
        }
        for link in (
            self.env["procountor.partner.link"]
            .sudo()
            .search_read(
                [
                    ("connection_id", "=", self.id),
                    ("partner_id", "in", list(partner_ids)),
                    ("procountor_id", "!=", 0),
                ],
                ["partner_id", "partner_type", "procountor_id"],
                load=None,
            )
        ):
            partners[link["partner_id"]]["links"][link["partner_type"]] = link["procountor_id"]
        return partners

    def _procountor_reconcile_prefixes(self):
        """Sequence prefixes of the company's sales documents and of the entries the
        connection sends: a Procountor document whose original number (or receipt name)
        starts with one, then digits, carries an Odoo number."""
        domain = [
            ("company_id", "=", self.company_id.id),
            ("sequence_prefix", "!=", False),
            "|",
            ("journal_id.type", "=", "sale"),
            ("journal_id", "in", self.journal_send_journal_ids.ids),
        ]
        groups = self.env["account.move"].sudo()._read_group(domain, ["sequence_prefix"])
        return tuple(prefix for (prefix,) in groups if prefix)
