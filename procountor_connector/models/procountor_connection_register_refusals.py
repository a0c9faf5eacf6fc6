# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Partners and products that Odoo's own validation refuses during a fetch: one record
never stops the others (docs/architecture.md, "Partners and products", "Records Odoo
refuses").

The batch is tried in one savepoint (the fast path keeps one ``create`` per fetch); when
Odoo refuses it, each record is applied in its own savepoint and the refused ones are left
out with a translated reason naming the Procountor record and Odoo's message. A partner
whose VAT number Odoo refuses (base_vat) is applied without it, and the note says so.

A refusal is Odoo's validation (``UserError``) or the database's (a check or not-null
constraint, ``psycopg2.IntegrityError``: a partner without a name, a product without one),
said in Odoo's own words. The scheduled fetch lists them on the connection's
``register_problems``: a data problem of some records, not a broken connection."""

import logging

from psycopg2 import IntegrityError

from odoo import fields, models
from odoo.exceptions import AccessError, UserError
from odoo.service.model import _as_validation_error

_logger = logging.getLogger(__name__)

#: The count of the records Odoo refused in ``{action: count}`` of an apply.
REFUSED = "refused"
#: Problems listed on the connection by the scheduled fetch; the rest are counted.
MAX_LISTED_PROBLEMS = 20


def odoo_message(exc, env=None):
    """Odoo's message of a refusal on one line (base_vat's starts with a line break); a
    database constraint's in the words Odoo gives it (``env`` needed for those)."""
    if isinstance(exc, IntegrityError) and env is not None:
        exc = _as_validation_error(env, exc)
    text = exc.args[0] if exc.args else str(exc)
    return " ".join(part.strip() for part in str(text).splitlines() if part.strip())


class ProcountorConnection(models.Model):
    _inherit = "procountor.connection"

    # Kept apart from ``state``/``last_error``: Odoo refusing some records' values is a data
    # problem of those records, not a connection that fails (the Setup tab and the next
    # successful send read ``state``).
    register_problems = fields.Text(
        "Partners and Products to Check",
        readonly=True,
        copy=False,
        help="Partners and products the last scheduled fetch could not apply as Procountor "
        "has them (Odoo refuses a value, or their tax is not mapped); the other records "
        "were applied.",
    )

    def _procountor_refusable(self, items, apply_batch, apply_one):
        """``(results, refusals)``: ``apply_batch(items)`` (a list of results, one per item)
        in one savepoint, or, when Odoo refuses the batch, ``apply_one(item)`` for each item
        in its own savepoint. ``results`` is aligned with ``items`` (None for a refused
        item), ``refusals`` is ``{index: exception}``. Access errors are no refusal of one
        record: they end the whole fetch, as before."""
        if not items:
            return [], {}
        try:
            with self.env.cr.savepoint():
                return apply_batch(items), {}
        except AccessError:
            raise
        except (UserError, IntegrityError):
            # Which record Odoo refused is known only record by record.
            _logger.info("Procountor: Odoo refused a batch of %s records; one by one", len(items))
        results, refusals = [], {}
        for index, item in enumerate(items):
            try:
                with self.env.cr.savepoint():
                    results.append(apply_one(item))
            except AccessError:
                raise
            except (UserError, IntegrityError) as exc:
                results.append(None)
                refusals[index] = exc
        return results, refusals

    def _procountor_save_without_vat(self, save, vals, remote, notes):
        """``save(vals)``; when Odoo refuses it and ``vals`` has a VAT number, ``save`` again
        without it and note why on ``notes[remote id]``. A VAT number Odoo refuses is never
        stored (nor replaced by a guess): the partner is usable, the user corrects it."""
        try:
            with self.env.cr.savepoint():
                return save(vals)
        except AccessError:
            raise
        except UserError as exc:
            if not vals.get("vat"):
                raise
            refusal = exc
        with self.env.cr.savepoint():
            result = save({key: value for key, value in vals.items() if key != "vat"})
        notes[remote["id"]] = self.env._(
            "%(name)s (Procountor ID %(id)s): its VAT number %(vat)s was not copied to Odoo, "
            "which refuses it: %(error)s Check the number with the partner (for example in "
            "the EU's VIES service) and enter it on the partner in Odoo.",
            name=remote.get("name") or "-",
            id=remote["id"],
            vat=vals["vat"],
            error=odoo_message(refusal),
        )
        return result

    def _procountor_refused_note(self, remote, exc, created):
        name, remote_id = remote.get("name") or "-", remote["id"]
        _logger.warning(
            "Procountor: Odoo refused record %s (%s) of the fetch: %s", remote_id, name, exc
        )
        if created:
            return self.env._(
                "%(name)s (Procountor ID %(id)s) was not created in Odoo, which refuses it: "
                "%(error)s",
                name=name,
                id=remote_id,
                error=odoo_message(exc, self.env),
            )
        return self.env._(
            "%(name)s (Procountor ID %(id)s) was not linked or updated in Odoo, which refuses "
            "the change: %(error)s The next fetch tries again.",
            name=name,
            id=remote_id,
            error=odoo_message(exc, self.env),
        )

    def _procountor_write_refusable(self, records, writes, record_vals, notes, drop_vat):
        """Write Procountor's values on ``writes`` (``[(odoo id, remote)]``); returns the
        Procountor ids of the records Odoo refused (their reason in ``notes``)."""

        def write(item, vals):
            records.browse(item[0]).write(vals)

        def write_batch(items):
            return [write(item, record_vals(item[1], update=True)) for item in items]

        def write_one(item):
            vals = record_vals(item[1], update=True)
            if drop_vat:
                return self._procountor_save_without_vat(
                    lambda v: write(item, v), vals, item[1], notes
                )
            return write(item, vals)

        _results, refusals = self._procountor_refusable(writes, write_batch, write_one)
        for index, exc in refusals.items():
            remote = writes[index][1]
            notes[remote["id"]] = self._procountor_refused_note(remote, exc, created=False)
        return {writes[index][1]["id"] for index in refusals}

    def _procountor_create_refusable(self, records, creates, prepare, notes, drop_vat):
        """Create the records of ``creates`` (``[(remote, vals)]``) in one batch (``prepare``
        fills the defaults of a list of values); returns ``[(remote, record id)]`` of those
        created and the Procountor ids Odoo refused (their reason in ``notes``)."""

        def create_batch(items):
            return records.create(prepare([vals for _remote, vals in items])).ids

        def create_one(item):
            remote, vals = item
            vals = prepare([vals])[0]
            if drop_vat:
                return self._procountor_save_without_vat(
                    lambda v: records.create(v).id, vals, remote, notes
                )
            return records.create(vals).id

        ids, refusals = self._procountor_refusable(creates, create_batch, create_one)
        for index, exc in refusals.items():
            remote = creates[index][0]
            notes[remote["id"]] = self._procountor_refused_note(remote, exc, created=True)
        created = [
            (remote, record_id)
            for (remote, _vals), record_id in zip(creates, ids, strict=True)
            if record_id
        ]
        return created, {creates[index][0]["id"] for index in refusals}

    def _procountor_store_register_problems(self, problems):
        """The scheduled fetch's records left out or changed by Odoo's validation, on
        ``register_problems`` (replacing the last run's; none clears it). The connection's
        state and last error stay as they are: its calls worked."""
        self.ensure_one()
        if not problems:
            if self.register_problems:
                self.sudo().write({"register_problems": False})
            return
        listed = problems[:MAX_LISTED_PROBLEMS]
        lines = [
            self.env._(
                "Fetching partners and products from Procountor: these records need a look "
                "(Odoo refused a value, or a tax is not mapped); the other records were applied."
            ),
            *listed,
        ]
        if len(problems) > len(listed):
            lines.append(
                self.env._(
                    "… and %(count)s more: run Fetch Partners or Fetch Products to see them all.",
                    count=len(problems) - len(listed),
                )
            )
        self.sudo().write({"register_problems": "\n".join(lines)})
