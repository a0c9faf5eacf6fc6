/** @odoo-module **/
// Copyright 2026 procountor_connector contributors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
//
// The Procountor state of an invoice as a badge that cannot be mistaken for Odoo's own "Sent"
// (e-mailed): "Procountor: Sent", with a tooltip giving Procountor's status and numbers. Numbers
// are Procountor identifiers, shown as they are (no thousands separators).
import {BadgeField, badgeField} from "@web/views/fields/badge/badge_field";
import {_t} from "@web/core/l10n/translation";
import {registry} from "@web/core/registry";

export class ProcountorStateBadgeField extends BadgeField {
    static template = "procountor_connector.ProcountorStateBadgeField";

    get formattedValue() {
        // A move that no longer matches its Procountor document (changed, cancelled) never
        // reads as plainly "Sent".
        if (this.props.record.data.procountor_outdated) {
            return _t("Procountor: %s, out of date", super.formattedValue);
        }
        return _t("Procountor: %s", super.formattedValue);
    }

    get tooltipLines() {
        const data = this.props.record.data;
        const lines = [];
        if (data.procountor_status) {
            lines.push(_t("Status in Procountor: %s", data.procountor_status));
        }
        if (data.procountor_invoice_number) {
            lines.push(
                _t("Procountor invoice number: %s", String(data.procountor_invoice_number))
            );
        }
        if (data.procountor_invoice_id) {
            lines.push(_t("Procountor invoice ID: %s", String(data.procountor_invoice_id)));
        }
        if (data.procountor_not_production) {
            lines.push(_t("Custom URL: not Procountor production"));
        }
        if (!lines.length) {
            lines.push(_t("Not in Procountor yet"));
        }
        return lines;
    }

    get tooltipInfo() {
        return JSON.stringify({lines: this.tooltipLines});
    }
}

export const procountorStateBadgeField = {
    ...badgeField,
    component: ProcountorStateBadgeField,
    supportedTypes: ["selection"],
    fieldDependencies: [
        {name: "procountor_status", type: "char"},
        {name: "procountor_invoice_number", type: "integer"},
        {name: "procountor_invoice_id", type: "integer"},
        {name: "procountor_not_production", type: "boolean"},
        {name: "procountor_outdated", type: "boolean"},
    ],
};

registry.category("fields").add("procountor_state_badge", procountorStateBadgeField);
