# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Partners and products: fetching Procountor's registers into a preview,
applying it, and the connection's options. See docs/architecture.md, "Partners and
products"."""

import json
import logging
from functools import partial

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..procountor_api import payloads
from ..procountor_api.exceptions import ProcountorError
from .procountor_connection_register_refusals import REFUSED
from .procountor_cron_guard import procountor_isolated
from .procountor_register_link_mixin import ProcountorRegisterBusy

_logger = logging.getLogger(__name__)

#: What a preview line will do on confirm.
LINE_ACTIONS = [
    ("none", "Nothing (unchanged)"),
    ("link", "Link"),
    ("link_update", "Link and update Odoo"),
    ("update", "Update Odoo"),
    ("create", "Create in Odoo"),
    ("skip", "Skip"),
]
BULK_CONTEXT = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
}
ISO_BY_COUNTRY = {value: key for key, value in payloads.COUNTRY_BY_ISO.items()}


def _with_defaults(model, vals_list):
    """``vals_list`` with the model's defaults filled in once for the whole batch.

    ``create`` evaluates the defaults of missing fields per record, and some are queries
    (account's ``display_invoice_template_pdf_report_id`` counts reports): one
    ``default_get`` for the batch gives the same values (they depend on the context, not
    on the record) without a query per created partner."""
    if not vals_list:
        return vals_list
    missing = {name for vals in vals_list for name in model._fields if name not in vals}
    defaults = model.default_get(sorted(missing))
    return [{**defaults, **vals} for vals in vals_list]


def line_action(status, create_missing, update_matched):
    """The action of a preview line (the preview shows exactly what confirm does)."""
    if status == payloads.UNCHANGED:
        return "none"
    if status == payloads.LINKED:
        return "update" if update_matched else "skip"
    if status == payloads.MATCHED:
        return "link_update" if update_matched else "link"
    if status == payloads.NEW:
        return "create" if create_missing else "skip"
    return "skip"


class ProcountorConnection(models.Model):
    _inherit = "procountor.connection"

    partner_create_on_send = fields.Boolean(
        "Create Missing Partners on Send",
        help="When an invoice is sent for a customer not yet linked to a Procountor business "
        "partner, create the partner in Procountor first (exactly once) and link it.",
    )
    product_create_on_send = fields.Boolean(
        "Create Missing Products on Send",
        help="When an invoice is sent with products not yet linked to Procountor products, "
        "create them in Procountor first (exactly once) and link them.",
    )
    register_cron_enabled = fields.Boolean(
        "Fetch Partners and Products Automatically",
        help="A scheduled action fetches the partners and products changed in Procountor "
        "since the last fetch: linked records are updated, new ones created in Odoo, "
        "conflicts left for a person (run the fetch wizard to see them).",
    )
    partner_fetch_version = fields.Char(
        "Partners Fetched Up To",
        copy=False,
        readonly=True,
        help="Latest Procountor version seen by the last partner fetch (incremental fetches "
        "ask only for changes from then on).",
    )
    product_fetch_version = fields.Char("Products Fetched Up To", copy=False, readonly=True)
    partner_link_ids = fields.One2many("procountor.partner.link", "connection_id", "Partner Links")
    product_link_ids = fields.One2many("procountor.product.link", "connection_id", "Product Links")
    partner_link_count = fields.Integer(compute="_compute_register_link_counts")
    product_link_count = fields.Integer(compute="_compute_register_link_counts")

    def _compute_register_link_counts(self):
        for kind, field in (("partner", "partner_link_count"), ("product", "product_link_count")):
            counts = dict(
                self.env[f"procountor.{kind}.link"]._read_group(
                    [("connection_id", "in", self.ids)], ["connection_id"], ["__count"]
                )
            )
            for connection in self:
                connection[field] = counts.get(connection, 0)

    # ------------------------------------------------------------------ entry points

    def action_procountor_fetch_partners(self):
        """Open the preview of fetching Procountor's customers and suppliers."""
        return self._procountor_open_fetch_wizard("partner")

    def action_procountor_fetch_products(self):
        """Open the preview of fetching Procountor's products."""
        return self._procountor_open_fetch_wizard("product")

    @api.model
    def _procountor_check_register_access(self):
        if not self.env.user.has_group("procountor_connector.group_procountor_user"):
            raise AccessError(_("Only Procountor users may exchange partners and products."))

    def _procountor_open_fetch_wizard(self, kind, incremental=False):
        self.ensure_one()
        self._procountor_check_register_access()
        wizard = self.env["procountor.register.fetch"].create(
            {"connection_id": self.id, "kind": kind, "incremental": incremental}
        )
        wizard._procountor_load()
        return wizard._procountor_reopen()

    def action_view_partner_links(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Partner Links"),
            "res_model": "procountor.partner.link",
            "view_mode": "list,form",
            "domain": [("connection_id", "=", self.id)],
            "context": {"default_connection_id": self.id},
        }

    def action_view_product_links(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Product Links"),
            "res_model": "procountor.product.link",
            "view_mode": "list,form",
            "domain": [("connection_id", "=", self.id)],
            "context": {"default_connection_id": self.id},
        }

    # ------------------------------------------------------------------ export

    @api.model
    def _procountor_register_connection(self, records):
        """The connection to export ``records`` through: the default connection of their
        company (records shared by all companies use the current company's)."""
        companies = records.company_id or self.env.company
        if len(companies) > 1:
            raise UserError(_("Export the records of one company at a time."))
        connection = companies.procountor_connection_id
        if not connection:
            raise UserError(
                _("Company %(company)s has no Procountor connection.", company=companies.name)
            )
        return connection

    def _procountor_export_checked(self, records):
        """Export partners or products once every one of them passed its checks: all problems
        are listed at once, before any HTTP call."""
        problems = [
            f"{record.display_name}: {problem}"
            for record in records
            for problem in record._procountor_export_problems(self)
        ]
        if problems:
            raise UserError("\n".join(problems))
        return self._procountor_export_records(records)

    def _procountor_export_records(self, records):
        """Push partners or products one by one; a notification sums up. A failure is
        stored on the record's link and never stops the others."""
        self.ensure_one()
        outcomes = {"created": 0, "adopted": 0, "updated": 0, "conflict": 0, "failed": 0}
        errors = []
        with self._procountor_client(record=self) as client:
            for record in records:
                try:
                    link, outcome = record._procountor_push(
                        self, client, record._procountor_default_type()
                    )
                except ProcountorError as exc:
                    outcomes["failed"] += 1
                    errors.append(f"{record.display_name}: {exc.message}")
                    continue
                except ProcountorRegisterBusy:
                    outcomes["failed"] += 1
                    errors.append(
                        _(
                            "%(record)s: being created in Procountor by another user or the "
                            "scheduled send right now; export it again in a few minutes.",
                            record=record.display_name,
                        )
                    )
                    continue
                outcomes[outcome] += 1
                if outcome == "conflict":
                    errors.append(f"{record.display_name}: {link.sync_error}")
        message = _(
            "%(created)s created, %(updated)s updated, %(conflict)s in conflict, "
            "%(failed)s failed.",
            created=outcomes["created"] + outcomes["adopted"],
            updated=outcomes["updated"],
            conflict=outcomes["conflict"],
            failed=outcomes["failed"],
        )
        kind = "danger" if errors else "success"
        return self._procountor_notification(
            _("Procountor"), "\n".join([message, *errors[:10]]), kind
        )

    @api.model
    def _cron_procountor_fetch_registers(self):
        """Incremental fetch of every connection with the option: what the wizard would do
        with "create missing" and "update matched", conflicts skipped. Records Odoo refuses
        are left out (or a partner without its VAT number) and listed on the connection's
        ``register_problems``."""
        for connection in self.search([("register_cron_enabled", "=", True)]):
            problems, failed = [], False
            for kind in ("partner", "product"):
                # A malformed answer (KeyError ...) stays with this connection and kind: logged,
                # stored on the connection, and the cron goes on (procountor_cron_guard).
                with procountor_isolated(
                    connection,
                    connection._procountor_store_unexpected,
                    f"fetching {kind}s of {connection.name}",
                ):
                    try:
                        preview = connection._procountor_register_preview(kind, incremental=True)
                        notes = {}
                        connection._procountor_register_apply(kind, preview, True, True, notes)
                        problems += notes.values()
                    except (ProcountorError, UserError) as exc:
                        failed = True
                        connection._procountor_store_error(exc)
                if connection._can_commit():
                    self.env.cr.commit()  # pylint: disable=invalid-commit
            # A run that failed part-way keeps the last list unless it found new problems.
            if problems or not failed:
                connection._procountor_store_register_problems(problems)
                if connection._can_commit():
                    self.env.cr.commit()  # pylint: disable=invalid-commit

    # ------------------------------------------------------------------ preview

    def _procountor_register_preview(self, kind, incremental=False):
        """``{"rows": [...], "max_version": str}``: one row per Procountor record with its
        match (``payloads.Match``) and, when confirm may need it, the full remote object."""
        self.ensure_one()
        since = self.partner_fetch_version if kind == "partner" else self.product_fetch_version
        # An overlap behind the bookmark: a change committed late is read on the next run
        # (re-reading an unchanged record changes nothing: its line is "unchanged").
        start = payloads.fetch_window_start(since) if incremental and since else None
        filters = {"versionStartDate": start} if start else {}
        with self._procountor_client(record=self) as client:
            if kind == "partner":
                basics = list(client.search_business_partners(**filters))
                basics = [row for row in basics if row.get("type") in payloads.PARTNER_TYPES]
                matches = payloads.match_records(
                    basics,
                    self._procountor_partner_index(),
                    payloads.PARTNER_KEYS,
                    payloads.partner_keys,
                )
                wanted = [m.remote_id for m in matches if m.status not in ("unchanged", "conflict")]
                details = {row["id"]: row for row in client.get_business_partners(wanted)}
            else:
                basics = list(client.search_products(**filters))
                basics = [row for row in basics if row.get("type") in payloads.PRODUCT_TYPES]
                matches = payloads.match_records(
                    basics,
                    self._procountor_product_index(),
                    payloads.PRODUCT_KEYS,
                    payloads.product_keys,
                )
                details = {row["id"]: row for row in basics}
        by_id = {row["id"]: row for row in basics}
        versions = [row["version"] for row in basics if row.get("version")]
        return {
            "rows": [
                {
                    "match": match,
                    "basic": by_id[match.remote_id],
                    "remote": details.get(match.remote_id),
                }
                for match in matches
            ],
            "max_version": max(versions) if versions else False,
        }

    def _procountor_partner_index(self):
        """Links and matching keys of the company's partners, in two queries. Only
        commercial entities (no child contacts) and archived ones too: an archived
        customer is linked rather than duplicated."""
        index = self._procountor_linked_index("partner")
        partners = (
            self.env["res.partner"]
            .with_context(active_test=False)
            .search_read(
                [
                    ("company_id", "in", [False, self.company_id.id]),
                    ("parent_id", "=", False),
                ],
                ["company_registry", "vat", "ref", "name"],
            )
        )
        for partner in partners:
            business_id = payloads.finnish_business_id(
                partner["company_registry"] or "", partner["vat"] or ""
            )
            index.add("business_id", business_id, partner["id"])
            if not business_id:
                index.add("vat", payloads.compact_vat(partner["vat"] or ""), partner["id"])
            index.add("customer_number", (partner["ref"] or "").strip(), partner["id"])
            index.add("name", (partner["name"] or "").strip(), partner["id"])
        return index

    def _procountor_product_index(self):
        index = self._procountor_linked_index("product")
        products = (
            self.env["product.product"]
            .with_context(active_test=False)
            .search_read(
                [("company_id", "in", [False, self.company_id.id])],
                ["default_code", "barcode", "name"],
            )
        )
        for product in products:
            index.add("default_code", (product["default_code"] or "").strip(), product["id"])
            index.add("barcode", (product["barcode"] or "").strip(), product["id"])
            index.add("name", (product["name"] or "").strip(), product["id"])
        return index

    def _procountor_linked_index(self, kind):
        """A matching index holding the connection's links of ``kind`` (partner, product)."""
        index = payloads.OdooIndex()
        field = f"{kind}_id"
        for link in self.env[f"procountor.{kind}.link"].search_read(
            [("connection_id", "=", self.id), ("procountor_id", "!=", 0)],
            ["procountor_id", field, "version"],
        ):
            index.links[link["procountor_id"]] = (link[field][0], link["version"])
            index.linked[link[field][0]] = link["procountor_id"]
        return index

    # ------------------------------------------------------------------ apply

    def _procountor_register_apply(
        self, kind, preview_or_lines, create_missing, update_matched, notes=None
    ):
        """Do what the preview says; returns ``{action: count}`` (``refused``: the records
        Odoo refused, left out). ``preview_or_lines`` is a preview (the cron) or a list of
        ``(action, procountor_id, odoo_id, remote)``. ``notes``, when given, receives
        ``{procountor id: translated text}`` for the records Odoo refused or changed."""
        self.ensure_one()
        if isinstance(preview_or_lines, dict):
            lines = [
                (
                    line_action(row["match"].status, create_missing, update_matched),
                    row["match"].remote_id,
                    row["match"].odoo_id,
                    row["remote"] or row["basic"],
                )
                for row in preview_or_lines["rows"]
            ]
            max_version = preview_or_lines["max_version"]
        else:
            lines, max_version = preview_or_lines
        if kind == "partner":
            counts = self._procountor_apply_partners(lines, notes)
        else:
            counts = self._procountor_apply_products(lines, notes)
        if max_version:
            # sudo: Procountor users may fetch; only the bookmark is written.
            bookmark = f"{kind}_fetch_version"
            self.sudo()[bookmark] = max(max_version, self[bookmark] or "")
        return counts

    def _procountor_apply_partners(self, lines, notes=None):
        countries = self._procountor_country_ids()
        return self._procountor_apply_lines(
            "partner",
            lines,
            self.env["res.partner"].with_context(active_test=False),
            partial(self._procountor_partner_vals, countries=countries),
            self.env["procountor.partner.link"]._procountor_type,
            fill_defaults=True,
            notes=notes,
        )

    def _procountor_apply_lines(
        self, kind, lines, records, record_vals, link_type, fill_defaults, after=None, notes=None
    ):
        """Apply preview lines to partners or products (``records``, an empty recordset):
        writes, one batch create, then the links; returns ``{action: count}``.
        ``record_vals(remote, update=False)`` gives a record's Odoo values,
        ``link_type(remote type)`` the link's type; ``after([(action, remote, record id)])``
        (optional) runs once the links exist, on the created and updated records.

        A record Odoo's validation refuses is left out (counted ``refused``, no link, its
        reason in ``notes``); a partner's VAT number Odoo refuses is left out of the partner
        only (noted, and kept on its link's last error). See
        ``procountor_connection_register_refusals``."""
        notes = {} if notes is None else notes
        Link = self.env[f"procountor.{kind}.link"]
        now = fields.Datetime.now()
        counts = dict.fromkeys([*dict(LINE_ACTIONS), REFUSED], 0)
        for action, *_rest in lines:
            counts[action] += 1
        refused = self._procountor_write_refusable(
            records,
            [
                (odoo_id, remote)
                for action, _rid, odoo_id, remote in lines
                if action in ("update", "link_update")
            ],
            record_vals,
            notes,
            drop_vat=kind == "partner",
        )
        # Bulk import: no chatter message nor follower per created record.
        created, refused_creates = self._procountor_create_refusable(
            records.with_context(**BULK_CONTEXT),
            [
                (remote, record_vals(remote))
                for action, *_ids, remote in lines
                if action == "create"
            ],
            partial(_with_defaults, records) if fill_defaults else list,
            notes,
            drop_vat=kind == "partner",
        )
        refused |= refused_creates
        applied = [line for line in lines if line[1] not in refused]
        for action, remote_id, *_rest in lines:
            if remote_id in refused:
                counts[action] -= 1
                counts[REFUSED] += 1
        pairs = created + [
            (remote, odoo_id)
            for action, _rid, odoo_id, remote in applied
            if action in ("link", "link_update")
        ]
        if pairs:
            # sudo: only the link code sets what a link joins (TARGET_FIELDS); the records
            # come from the preview of this connection. A value Odoo refused stays visible
            # on the link (``sync_error``) until a later fetch writes the partner whole.
            Link.sudo().create(
                [
                    {
                        "connection_id": self.id,
                        f"{kind}_id": record_id,
                        f"{kind}_type": link_type(remote.get("type")),
                        **self._procountor_link_vals(remote, now),
                        "sync_error": notes.get(remote["id"]) or False,
                    }
                    for remote, record_id in pairs
                ]
            )
        updated = {
            remote_id: remote for action, remote_id, _o, remote in applied if action == "update"
        }
        if updated:
            for link in Link.search(
                [("connection_id", "=", self.id), ("procountor_id", "in", list(updated))]
            ):
                link.sudo().write(
                    {
                        **self._procountor_link_vals(updated[link.procountor_id], now),
                        "sync_error": notes.get(link.procountor_id) or False,
                    }
                )
        if after:
            after(
                [("create", remote, record_id) for remote, record_id in created]
                + [
                    (action, remote, odoo_id)
                    for action, _rid, odoo_id, remote in applied
                    if action in ("update", "link_update")
                ]
            )
        return counts

    @api.model
    def _procountor_link_vals(self, remote, now):
        vals = {
            "procountor_id": remote["id"],
            "version": remote.get("version") or False,
            "last_sync": now,
            "state": "linked",
            "sync_error": False,
        }
        if remote.get("type") in payloads.PARTNER_TYPES:
            number = (remote.get("invoicingInfo") or {}).get("customerNumber")
            vals["customer_number"] = number or False
        return vals

    def _procountor_country_ids(self):
        return {
            country.code: country.id
            for country in self.env["res.country"].search(
                [("code", "in", list(ISO_BY_COUNTRY.values()))]
            )
        }

    def _procountor_partner_vals(self, remote, countries, update=False):
        """Odoo values of a Procountor business partner. An update writes only what
        Procountor has (an empty field there never blanks Odoo's)."""
        keys = payloads.partner_keys(remote)
        invoicing = remote.get("invoicingInfo") or {}
        registry = remote.get("registryInfo") or {}
        address = remote.get("address") or remote.get("billingAddress") or {}
        country = ISO_BY_COUNTRY.get(address.get("country") or "")
        vals = {
            "name": remote.get("name"),
            "street": address.get("street"),
            "zip": address.get("zip"),
            "city": address.get("city"),
            "country_id": countries.get(country) if country else False,
            "email": invoicing.get("email"),
            "phone": registry.get("phone"),
            "ref": keys["customer_number"],
            "company_registry": keys["business_id"],
            "vat": keys["vat"] if keys["vat"][:2].isalpha() else False,
            "procountor_einvoice_address": invoicing.get("einvoiceAddress"),
            "procountor_einvoice_operator": invoicing.get("einvoiceOperator"),
        }
        vals = {key: value for key, value in vals.items() if value}
        if update:
            return vals
        rank = "supplier_rank" if remote.get("type") == "SUPPLIER" else "customer_rank"
        return {
            **vals,
            "is_company": True,
            "company_id": self.company_id.id,
            rank: 1,
            "active": registry.get("active", True),
        }

    def _procountor_apply_products(self, lines, notes=None):
        notes = {} if notes is None else notes
        units = {mapping.unit: mapping.uom_id.id for mapping in self.uom_mapping_ids}
        return self._procountor_apply_lines(
            "product",
            lines,
            self.env["product.product"].with_context(active_test=False),
            partial(self._procountor_product_vals, units=units, notes=notes),
            lambda remote_type: "purchase" if remote_type == "PURCHASE" else "sales",
            fill_defaults=False,
            after=partial(self._procountor_after_products, notes=notes),
            notes=notes,
        )

    def _procountor_product_vals(self, remote, units, update=False, notes=None):
        """Odoo values of a Procountor product, without its price: prices are a step of
        their own (``_procountor_apply_product_prices``), written only when their meaning
        is certain. A created product gets the tax of Procountor's VAT (or none, noted in
        ``notes``: ``procountor_connection_product_tax``)."""
        vals = {
            "name": remote.get("name"),
            "default_code": (remote.get("code") or "").strip() or False,
        }
        uom = units.get(remote.get("unit"))
        if uom and not update:
            vals.update(uom_id=uom, uom_po_id=uom)
        if update:
            return {key: value for key, value in vals.items() if value}
        tax_vals, note = self._procountor_product_tax_vals(remote)
        if note and notes is not None:
            notes[remote["id"]] = note
        return {
            **vals,
            **tax_vals,
            "company_id": self.company_id.id,
            "sale_ok": remote.get("type") != "PURCHASE",
            "purchase_ok": remote.get("type") == "PURCHASE",
            "active": remote.get("active", True),
        }

    @api.model
    def _procountor_remote_json(self, remote):
        return json.dumps(remote, sort_keys=True) if remote else False
