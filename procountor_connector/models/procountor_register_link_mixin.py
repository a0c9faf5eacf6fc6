# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, fields, models

from ..procountor_api import payloads
from ..procountor_api.exceptions import ProcountorError


class ProcountorRegisterLinkMixin(models.AbstractModel):
    """What partner and product links share: the connection (and so the company), the
    Procountor id and ``version``, and the exactly-once state of a creation.

    ``create_unknown`` is the durable claim of ``payloads.register_create_once``: set and
    committed before a POST, cleared when Procountor answered. A link in state
    ``pending`` has no Procountor id yet: a POST may be on its way or may have been
    applied without an answer; the next attempt looks the record up before POSTing.
    """

    _name = "procountor.register.link.mixin"
    _description = "Procountor Register Link"

    connection_id = fields.Many2one(
        "procountor.connection", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        related="connection_id.company_id", store=True, index=True, readonly=True
    )
    procountor_id = fields.Integer("Procountor ID", index=True, copy=False)
    version = fields.Char(copy=False, help="Procountor's version of the record when last synced.")
    last_sync = fields.Datetime("Last Synchronized", copy=False)
    state = fields.Selection(
        [("pending", "Being Created"), ("linked", "Linked"), ("error", "Error")],
        default="linked",
        required=True,
        copy=False,
    )
    create_unknown = fields.Boolean(
        "Creation Unconfirmed",
        copy=False,
        help="A creation request may have reached Procountor without an answer: the next "
        "attempt looks the record up in Procountor and adopts it instead of creating it again.",
    )
    sync_error = fields.Text("Last Error", copy=False)

    def init(self):
        # One link per Procountor record and connection. A partial unique index, because
        # links still being created have no Procountor id (stored as 0 by the ORM).
        if self._abstract:
            return
        self.env.cr.execute(
            f"CREATE UNIQUE INDEX IF NOT EXISTS {self._table}_procountor_id_uniq "  # noqa: S608
            f"ON {self._table} (connection_id, procountor_id) "
            "WHERE procountor_id IS NOT NULL AND procountor_id != 0"
        )

    def _procountor_commit(self):
        if self.connection_id._can_commit():
            # The claim (or the id Procountor gave) must be durable before the next HTTP
            # call: a crash or a retry then finds it (exactly-once creation).
            self.env.cr.commit()  # pylint: disable=invalid-commit

    def _procountor_push(self, body, ops):
        """Create the Procountor record of this link exactly once, or update it with the
        stored ``version``. ``ops``: ``create(body)``, ``find(body)``, ``get(id)``,
        ``put(id, body)``, ``merge(remote, body)``. Returns ``created``, ``adopted``,
        ``updated`` or ``conflict``; a ``ProcountorError`` is stored and propagates."""
        self.ensure_one()
        if self.procountor_id:
            return self._procountor_push_update(body, ops)

        def claim():
            self.write({"state": "pending", "create_unknown": True})
            self._procountor_commit()

        try:
            remote, adopted = payloads.register_create_once(
                create=lambda: ops["create"](body),
                find=lambda: ops["find"](body),
                claim=claim,
                create_unknown=self.create_unknown,
            )
        except ProcountorError as exc:
            vals = {"sync_error": exc.message}
            if not exc.ambiguous:
                # Procountor answered and created nothing: the next attempt may POST again.
                vals.update(create_unknown=False, state="error")
            self.write(vals)
            self._procountor_commit()
            raise
        self.write(self._procountor_synced_vals(remote))
        self._procountor_commit()
        return "adopted" if adopted else "created"

    def _procountor_push_update(self, body, ops):
        remote = ops["get"](self.procountor_id)
        if self.version and remote.get("version") != self.version:
            self._procountor_conflict(remote.get("version"))
            return "conflict"
        merged = ops["merge"](remote, body)
        merged["version"] = remote.get("version")
        try:
            result = ops["put"](self.procountor_id, merged)
        except ProcountorError as exc:
            if "INVALID_VERSION" in exc.codes:
                self._procountor_conflict(None)
                return "conflict"
            self.write({"sync_error": exc.message, "state": "error"})
            raise
        self.write(self._procountor_synced_vals(result))
        return "updated"

    def _procountor_conflict(self, remote_version):
        self.write(
            {
                "state": "error",
                "sync_error": _(
                    "Changed in Procountor since the last synchronization (version %(ours)s, "
                    "Procountor has %(theirs)s): nothing was overwritten. Fetch from "
                    'Procountor with "Update Matched" or check the differences, then '
                    "export again.",
                    ours=self.version,
                    theirs=remote_version or "?",
                ),
            }
        )

    def _procountor_synced_vals(self, remote):
        return {
            "procountor_id": remote["id"],
            "version": remote.get("version") or False,
            "last_sync": fields.Datetime.now(),
            "state": "linked",
            "create_unknown": False,
            "sync_error": False,
        }
