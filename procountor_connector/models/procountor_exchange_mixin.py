# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class ProcountorExchangeMixin(models.AbstractModel):
    """Smart button data for any model whose records cause Procountor calls.

    Inherit it, then add to the form's button box::

        <button name="action_procountor_view_exchanges" type="object" class="oe_stat_button"
                icon="fa-exchange" groups="procountor_connector.group_procountor_user"
                invisible="not procountor_exchange_count">
            <field name="procountor_exchange_count" widget="statinfo" string="Procountor"/>
        </button>
    """

    _name = "procountor.exchange.mixin"
    _description = "Procountor Exchange Log Mixin"

    procountor_exchange_count = fields.Integer(
        "Procountor Calls", compute="_compute_procountor_exchange_count", compute_sudo=False
    )

    def _procountor_exchange_domain(self):
        """Exchanges of ``self`` (one record); override when the link is another field."""
        self.ensure_one()
        return [("res_model", "=", self._name), ("res_id", "=", self.id)]

    def _compute_procountor_exchange_count(self):
        Exchange = self.env["procountor.exchange"]
        # Users without the Procountor group may open these records (e.g. invoices): show 0, never
        # raise.
        if not Exchange.has_access("read"):
            self.procountor_exchange_count = 0
            return
        for record in self:
            record.procountor_exchange_count = (
                Exchange.search_count(record._procountor_exchange_domain()) if record.id else 0
            )

    def action_procountor_view_exchanges(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "procountor_connector.procountor_exchange_action"
        )
        action.update(
            {
                "name": self.env._("Procountor Log"),
                "domain": self._procountor_exchange_domain(),
                "context": {"create": False},
            }
        )
        return action
