# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Partners in Procountor's register: links, export, creation on send.

Only commercial entities are linked and exported: a child contact exports (and links)
its company, whose invoice and delivery contacts become Procountor's billing and
delivery addresses."""

from odoo import _, fields, models

from ..procountor_api import payloads
from .account_move_send_checks import _address

PARTNER_TYPE_REMOTE = {"customer": "CUSTOMER", "supplier": "SUPPLIER"}


class ResPartner(models.Model):
    _inherit = "res.partner"

    procountor_link_ids = fields.One2many(
        "procountor.partner.link", "partner_id", "Procountor Links", copy=False
    )
    procountor_link_count = fields.Integer(compute="_compute_procountor_link_count")

    def _compute_procountor_link_count(self):
        counts = dict(
            self.env["procountor.partner.link"]._read_group(
                [("partner_id", "in", self.commercial_partner_id.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.procountor_link_count = counts.get(partner.commercial_partner_id, 0)

    def action_procountor_view_links(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Procountor Links"),
            "res_model": "procountor.partner.link",
            "view_mode": "list,form",
            "domain": [("partner_id", "=", self.commercial_partner_id.id)],
            "context": {"default_partner_id": self.commercial_partner_id.id},
        }

    # ------------------------------------------------------------------ links

    def _procountor_link(self, connection, partner_type="customer"):
        """The link of this partner's commercial entity (may be empty or pending)."""
        self.ensure_one()
        return self.env["procountor.partner.link"].search(
            [
                ("connection_id", "=", connection.id),
                ("partner_id", "=", self.commercial_partner_id.id),
                ("partner_type", "=", partner_type),
            ],
            limit=1,
        )

    # ------------------------------------------------------------------ export

    def action_procountor_export(self):
        """Create the selected partners in Procountor, or update the linked ones."""
        self.env["procountor.connection"]._procountor_check_register_access()
        partners = self.commercial_partner_id
        connection = self.env["procountor.connection"]._procountor_register_connection(partners)
        return connection._procountor_export_checked(partners)

    def _procountor_default_type(self):
        """A partner that is only a vendor goes to Procountor as a supplier."""
        self.ensure_one()
        partner = self.commercial_partner_id
        return "supplier" if partner.supplier_rank and not partner.customer_rank else "customer"

    def _procountor_export_problems(self, connection):
        """Translated problems that stop the export before any HTTP call."""
        self.ensure_one()
        problems = []
        if not (self.name or "").strip():
            problems.append(_("The partner has no name."))
        for partner in self | self.child_ids.filtered(lambda c: c.type in ("invoice", "delivery")):
            if partner.country_id and not payloads.procountor_country(partner.country_id.code):
                problems.append(
                    _("Procountor has no country %(country)s.", country=partner.country_id.name)
                )
        if (
            self.company_registry
            and (not self.country_id or self.country_id.code == "FI")
            and not payloads.finnish_business_id(self.company_registry)
        ):
            problems.append(
                _("%(number)s is not a valid Finnish business ID.", number=self.company_registry)
            )
        if self.company_id and self.company_id != connection.company_id:
            problems.append(_("The partner belongs to another company than the connection."))
        return problems

    def _procountor_partner_data(self, connection, partner_type="customer"):
        """``payloads.PartnerData`` of the commercial entity."""
        self.ensure_one()
        partner = self.commercial_partner_id
        children = partner.child_ids
        invoice = children.filtered(lambda c: c.type == "invoice")[:1]
        delivery = children.filtered(lambda c: c.type == "delivery")[:1]
        contact = children.filtered(lambda c: c.type == "contact")[:1]
        term = partner.property_payment_term_id
        days = max(term.line_ids.mapped("nb_days") or [0]) if term else None
        return payloads.PartnerData(
            name=partner.name or "",
            partner_type=PARTNER_TYPE_REMOTE[partner_type],
            is_company=partner.is_company,
            address=_address(partner),
            invoice_address=_address(invoice, partner) if invoice else None,
            delivery_address=_address(delivery, partner) if delivery else None,
            business_id=partner.company_registry or "",
            vat=partner.vat or "",
            customer_number=partner.ref or "",
            email=invoice.email or partner.email or "",
            phone=partner.phone or "",
            mobile=partner.mobile or "",
            contact_person=contact.name or "",
            lang=partner.lang or "",
            einvoice_address=partner.procountor_einvoice_address or "",
            einvoice_operator=partner.procountor_einvoice_operator or "",
            invoice_channel=partner.procountor_invoice_channel or "",
            payment_term_days=days,
            currency=connection.company_id.currency_id.name or "",
            active=partner.active,
        )

    def _procountor_push(self, connection, client, partner_type="customer", create_only=False):
        """Create (exactly once) or update this commercial partner in Procountor; returns
        ``(link, outcome)``."""
        self.ensure_one()
        link = self._procountor_link(connection, partner_type)
        if not link:
            link = self.env["procountor.partner.link"]._procountor_create_pending(
                {
                    "connection_id": connection.id,
                    "partner_id": self.id,
                    "partner_type": partner_type,
                }
            )
        # The link code sets what the link joins; users may not (see TARGET_FIELDS).
        link = link.sudo()
        body = payloads.build_business_partner(
            self._procountor_partner_data(connection, partner_type)
        )
        outcome = link._procountor_push(
            body,
            {
                "create": client.create_business_partner,
                "find": lambda b: payloads.find_business_partner(client, b),
                "get": client.get_business_partner,
                "put": client.update_business_partner,
                "merge": payloads.merge_business_partner,
            },
            create_only=create_only,
        )
        return link, outcome
