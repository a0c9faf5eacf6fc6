# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Reference data of a connection (VAT, accounts, dimensions, bank accounts) fetched from
Procountor, its daily cron, the mappings actions and the lookups senders use."""

import logging

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..const import FINNISH_VAT_RATE_HISTORY
from ..procountor_api.exceptions import ProcountorError
from .procountor_cron_guard import procountor_isolated

_logger = logging.getLogger(__name__)


class ProcountorConnection(models.Model):
    _inherit = "procountor.connection"

    # ------------------------------------------------------------------ reference data

    def action_fetch_settings(self):
        """Fetch VAT settings, chart of accounts, dimensions and bank accounts; notify."""
        self.ensure_one()
        self.check_access("read")
        self._procountor_check_configuration()
        try:
            counts = self._procountor_fetch_settings()
        except ProcountorError as exc:
            message = self._procountor_store_error(exc)
            return self._procountor_notification(
                self.env._("Fetching from Procountor failed"), message, "danger"
            )
        return self._procountor_notification(
            self.env._("Procountor settings fetched"),
            self.env._(
                "%(vat)s VAT percentages, %(statuses)s VAT statuses, %(accounts)s ledger accounts, "
                "%(dimensions)s dimensions and %(banks)s bank accounts.",
                vat=counts["vat_percents"],
                statuses=counts["vat_statuses"],
                accounts=counts["ledger_accounts"],
                dimensions=counts["dimensions"],
                banks=counts["bank_accounts"],
            ),
        )

    def _procountor_fetch_settings(self):
        """Fetch and store all reference data; returns the rows per kind. Raises ProcountorError."""
        self.ensure_one()
        with self._procountor_client(record=self) as client:
            try:
                vat = client.get_vat_defaults() or {}
                counts = {
                    "vat_percents": self._procountor_store_vat_percents(vat),
                    "vat_statuses": self._procountor_store_vat_statuses(vat),
                    "ledger_accounts": self._procountor_store_ledger_accounts(
                        client.get_chart_of_accounts() or {}
                    ),
                    "dimensions": self._procountor_store_dimensions(client.get_dimensions() or []),
                    "bank_accounts": self._procountor_store_bank_accounts(
                        client.get_bank_accounts() or []
                    ),
                }
            except (AttributeError, KeyError, TypeError, ValueError) as exc:
                # The client checked the shape of each answer; these come from rows inside
                # it that are not what Procountor documents (an entry that is no object, an
                # id that is no number). Stored and shown like any Procountor error.
                _logger.exception("Procountor connection %s: unreadable reference data", self.id)
                raise ProcountorError(
                    "Unexpected answer from Procountor: the reference data could not be read "
                    f"({type(exc).__name__}: {exc})"
                ) from exc
        self.sudo().write(
            {"last_fetch_date": fields.Datetime.now(), "state": "connected", "last_error": False}
        )
        return counts

    def _procountor_sync(self, model, key, rows, domain=None, create_defaults=None):
        """Make the records of ``model`` for this connection match ``rows`` ({key value: vals}).

        Existing records are updated in place (matched on ``key``), new keys are created, and
        records whose key Procountor no longer returns are archived. Written as superuser:
        Procountor users may fetch, but only code writes reference data. Returns the records now
        matching ``rows``.
        """
        Model = self.env[model].sudo().with_context(active_test=False)
        existing = Model.search([("connection_id", "=", self.id), *(domain or [])])
        by_key = {record[key]: record for record in existing}
        kept = Model
        for value, vals in rows.items():
            vals = {"active": True, **vals}
            record = by_key.pop(value, None)
            if record:
                changed = {
                    name: new
                    for name, new in vals.items()
                    if self._procountor_plain(record[name]) != new
                }
                if changed:
                    record.write(changed)
            else:
                extra = create_defaults(value) if create_defaults else {}
                record = Model.create({**extra, **vals, key: value, "connection_id": self.id})
            kept |= record
        gone = Model.browse([record.id for record in by_key.values() if record.active])
        gone.write({"active": False})
        return kept

    @staticmethod
    def _procountor_plain(value):
        """A field value as it is written (a record becomes its id), for comparisons."""
        return value.id if isinstance(value, models.BaseModel) else value

    def _procountor_vat_country_info(self, vat):
        """The ``vatInformation`` entry of the company's country (named in English)."""
        infos = [info for info in vat.get("vatInformation") or [] if isinstance(info, dict)]
        country = self.company_id.country_id.with_context(lang="en_US").name or ""
        for info in infos:
            if (info.get("country") or "").strip().lower() == country.lower():
                return info
        return infos[0] if infos else {}

    def _procountor_store_vat_percents(self, vat):
        rows = {}
        for entry in self._procountor_vat_country_info(vat).get("percentages") or []:
            percent = round(float(entry.get("vatPercent") or 0.0), 2)
            rows[percent] = {
                "sales": bool(entry.get("sales")),
                "purchase": bool(entry.get("purchase")),
            }
        history = {percent: (start, end) for percent, start, end in FINNISH_VAT_RATE_HISTORY}

        def validity(percent):
            start, end = history.get(percent, (None, None))
            return {"date_from": start, "date_to": end}

        return len(
            self._procountor_sync(
                "procountor.vat.percent", "percent", rows, create_defaults=validity
            )
        )

    def _procountor_store_vat_statuses(self, vat):
        rows = {
            int(entry["vatStatus"]): {
                "description": entry.get("description") or False,
                "sales": bool(entry.get("sales")),
                "purchase": bool(entry.get("purchase")),
            }
            for entry in vat.get("vatStatuses") or []
            if entry.get("vatStatus") is not None
        }
        return len(self._procountor_sync("procountor.vat.status", "code", rows))

    def _procountor_store_ledger_accounts(self, coa):
        rows = {
            str(entry["ledgerAccountCode"]): {
                "name": entry.get("name") or False,
                "active": entry.get("active", True) is not False,
            }
            for entry in coa.get("ledgerAccounts") or []
            if entry.get("ledgerAccountCode")
        }
        return len(self._procountor_sync("procountor.ledger.account", "code", rows))

    def _procountor_store_dimensions(self, dimensions):
        rows = {
            int(entry["id"]): {"name": entry.get("name") or False}
            for entry in dimensions
            if entry.get("id") is not None
        }
        stored = self._procountor_sync("procountor.dimension", "procountor_id", rows)
        items_by_dimension = {
            int(entry["id"]): entry.get("items") or [] for entry in dimensions if entry.get("id")
        }
        Item = self.env["procountor.dimension.item"].sudo().with_context(active_test=False)
        for dimension in stored:
            item_rows = {
                int(item["id"]): {
                    "dimension_id": dimension.id,
                    "code_name": item.get("codeName") or False,
                    "description": item.get("description") or False,
                    # Procountor omits status on active items and sends "P" for inactive ones.
                    "active": not item.get("status"),
                }
                for item in items_by_dimension.get(dimension.procountor_id, [])
                if item.get("id") is not None
            }
            self._procountor_sync(
                "procountor.dimension.item",
                "procountor_id",
                item_rows,
                domain=[("dimension_id", "=", dimension.id)],
            )
        # Items of dimensions Procountor no longer has go with them.
        Item.search(
            [
                ("connection_id", "=", self.id),
                ("active", "=", True),
                ("dimension_id.active", "=", False),
            ]
        ).write({"active": False})
        return len(stored)

    def _procountor_store_bank_accounts(self, accounts):
        rows = {
            int(entry["id"]): {
                "iban": entry.get("iban") or False,
                "account_number": entry.get("accountNumber") or False,
                "bic": entry.get("bic") or False,
                "bank_name": entry.get("bankName") or False,
                "currency": entry.get("currency") or False,
                "default_for_invoice": bool(entry.get("defaultForInvoice")),
                "sequence": int(entry.get("orderNo") or 0),
                "active": (entry.get("status") or "ACTIVE") == "ACTIVE",
            }
            for entry in accounts
            if entry.get("id") is not None
        }
        return len(self._procountor_sync("procountor.bank.account", "procountor_id", rows))

    @api.model
    def _cron_procountor_fetch_settings(self):
        """Daily: refresh the reference data of every active, connected connection.

        A failing connection is logged and marked in error; the others go on. Commits between
        connections (outside tests) so that one slow failure does not roll back the work done for
        the others.
        """
        connections = self.search([("state", "=", "connected")])
        for index, connection in enumerate(connections):
            # Anything unexpected (a malformed answer giving a KeyError ...) stays with this
            # connection: logged with its traceback, stored on it, and the next one goes on.
            with procountor_isolated(
                connection, connection._procountor_store_unexpected, f"fetching {connection.name}"
            ):
                try:
                    connection._procountor_fetch_settings()
                except ProcountorError as exc:
                    connection._procountor_store_error(exc)
                except UserError as exc:
                    _logger.error(
                        "Procountor connection %s is misconfigured: %s", connection.id, exc
                    )
            if self._can_commit():
                self.env.cr.commit()  # pylint: disable=invalid-commit
            self.env["ir.cron"]._notify_progress(
                done=index + 1, remaining=len(connections) - index - 1
            )

    # ------------------------------------------------------------------ mappings

    def action_suggest_mappings(self):
        """Fill the obvious mappings (existing ones are kept) and notify what is still missing."""
        self.ensure_one()
        self.check_access("write")
        created = self.env["procountor.mapping.suggester"]._suggest_all(self)
        unmapped = self._procountor_unmapped()
        message = self.env._("%(count)s mappings suggested.", count=created)
        if unmapped:
            message += " " + self.env._("%(count)s items are still unmapped.", count=len(unmapped))
        return self._procountor_notification(
            self.env._("Procountor mappings"), message, "warning" if unmapped else "success"
        )

    def action_check_mappings(self):
        """Notify the list of what still lacks a mapping."""
        self.ensure_one()
        self.check_access("read")
        unmapped = self._procountor_unmapped()
        if not unmapped:
            return self._procountor_notification(
                self.env._("Procountor mappings"), self.env._("Everything is mapped.")
            )
        shown = unmapped[:30]
        lines = "\n".join(f"• {line}" for line in shown)
        if len(unmapped) > len(shown):
            lines += "\n" + self.env._("… and %(count)s more.", count=len(unmapped) - len(shown))
        return self._procountor_notification(
            self.env._("Procountor: still unmapped"), lines, "warning"
        )

    def _procountor_unmapped(self):
        """Readable list of what still lacks a Procountor mapping; empty when complete."""
        self.ensure_one()
        return self.env["procountor.mapping.suggester"]._unmapped(self)

    # ------------------------------------------------------------------ lookups for senders

    def _procountor_tax_mapping(self, tax):
        """The mapping of ``tax`` (empty recordset when none)."""
        self.ensure_one()
        return self.tax_mapping_ids.filtered(lambda mapping: mapping.tax_id == tax)[:1]

    def _procountor_fiscal_position_status(self, fiscal_position, purchase=False):
        """Procountor VAT status (``procountor.vat.status``) of invoices with ``fiscal_position``"""
        self.ensure_one()
        mapping = self.fiscal_position_mapping_ids.filtered(
            lambda line: line.fiscal_position_id == fiscal_position
        )[:1]
        return mapping.purchase_vat_status_id if purchase else mapping.vat_status_id

    def _procountor_ledger_account_code(self, account):
        """Procountor ledger account code for ``account``.

        Its mapping, else the same code when Procountor has it, else False.
        """
        self.ensure_one()
        mapping = self.account_mapping_ids.filtered(lambda line: line.account_id == account)[:1]
        if mapping:
            return mapping.ledger_account_id.code
        # An account's code is per company (Odoo 18 reads it for env.company): a cron runs in
        # its user's company, which need not be the connection's.
        code = account.with_company(self.company_id).code
        same = self.ledger_account_ids.filtered(lambda ledger: ledger.code == code)[:1]
        return same.code or False

    def _procountor_unit(self, uom):
        """Procountor unit (selection value) of ``uom``, or False."""
        self.ensure_one()
        return self.uom_mapping_ids.filtered(lambda line: line.uom_id == uom)[:1].unit or False

    def _procountor_dimension_item(self, analytic_account):
        """``procountor.dimension.item`` of an analytic account (empty when unmapped)."""
        self.ensure_one()
        return self.analytic_mapping_ids.filtered(
            lambda line: line.analytic_account_id == analytic_account
        )[:1].dimension_item_id

    def _procountor_bank_account_for_journal(self, journal):
        self.ensure_one()
        return self.journal_mapping_ids.filtered(lambda line: line.journal_id == journal)[
            :1
        ].bank_account_id

    def _procountor_incoming_payment_journal(self, bank_account=None):
        """Journal where payments recorded by Procountor are registered.

        The journal flagged for incoming payments and mapped to ``bank_account`` if any, else the
        first flagged one.
        """
        self.ensure_one()
        flagged = self.journal_mapping_ids.filtered("use_for_incoming_payments").sorted("sequence")
        if bank_account:
            exact = flagged.filtered(lambda line: line.bank_account_id == bank_account)[:1]
            if exact:
                return exact.journal_id
        return flagged[:1].journal_id
