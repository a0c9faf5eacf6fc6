# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import mute_logger

from ..procountor_api import payloads
from ..procountor_api.exceptions import ProcountorError
from .account_move import CLAIM_LEASE
from .procountor_row_lock import try_lock_row

#: Fields that say which Odoo and Procountor records a link joins, and where its creation
#: stands: only the fetch and link code (as superuser) and Procountor managers set them.
TARGET_FIELDS = (
    "connection_id",
    "procountor_id",
    "version",
    "state",
    "create_unknown",
    "claimed_at",
)


class ProcountorRegisterBusy(Exception):
    """Another worker holds this link (its row, or a live claim of a creation in Procountor):
    nothing was sent; the caller leaves its work for the next run."""

    def __init__(self, link=None):
        super().__init__(link)
        self.link = link


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
    claimed_at = fields.Datetime(
        "Creation Claimed At",
        copy=False,
        readonly=True,
        help="Technical: when a worker claimed the creation of this record in Procountor; "
        "while the claim is recent no other worker POSTs it.",
    )
    target_editable = fields.Boolean(
        compute="_compute_target_editable",
        help="Technical: the current user may change what the link joins.",
    )

    @api.depends_context("uid")
    def _compute_target_editable(self):
        self.target_editable = self._procountor_may_edit_targets()

    @api.model
    def _procountor_may_edit_targets(self):
        return self.env.su or self.env.user.has_group(
            "procountor_connector.group_procountor_manager"
        )

    @api.model
    def _procountor_target_fields(self):
        """Fields only the link code and Procountor managers may set (see ``TARGET_FIELDS``)."""
        return TARGET_FIELDS

    def _procountor_check_targets(self, vals_list):
        """A link joins an Odoo record to a Procountor record: re-pointing it by hand (RPC)
        would send invoices to another customer or skip a creation; refused to ordinary
        users, who change links through the fetch and the export."""
        if self._procountor_may_edit_targets():
            return
        protected = self._procountor_target_fields()
        touched = sorted({name for vals in vals_list for name in vals if name in protected})
        if touched:
            raise AccessError(
                _(
                    "Only Procountor managers may set these fields of a Procountor link: "
                    "%(fields)s. Fetch from Procountor or export the record instead.",
                    fields=", ".join(touched),
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        self._procountor_check_targets(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._procountor_check_targets([vals])
        return super().write(vals)

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

    @api.model
    def _procountor_create_pending(self, vals):
        """A new link, still to be created in Procountor. Two workers may create it at
        once: the second waits for the first one's commit and meets the unique constraint;
        it then leaves the record to the first (``ProcountorRegisterBusy``)."""
        try:
            with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                return self.sudo().create({**vals, "state": "pending"})
        except (psycopg2.errors.UniqueViolation, psycopg2.errors.SerializationFailure):
            raise ProcountorRegisterBusy() from None

    def _procountor_try_lock(self):
        """Lock the link row for this transaction; False when another worker has it (or
        changed it since this transaction began)."""
        if not try_lock_row(self):
            return False
        # What other workers committed before we got the lock is what we look at.
        self.invalidate_recordset()
        return True

    def _procountor_claim_is_active(self):
        self.ensure_one()
        claimed = self.claimed_at
        return bool(claimed) and fields.Datetime.now() - claimed < CLAIM_LEASE

    def _procountor_push(self, body, ops, create_only=False):
        """Create the Procountor record of this link exactly once, or update it with the
        stored ``version``. ``ops``: ``create(body)``, ``find(body)``, ``get(id)``,
        ``put(id, body)``, ``merge(remote, body)``. Returns ``created``, ``adopted``,
        ``updated``, ``conflict`` or, with ``create_only``, ``linked`` (nothing to do); a
        ``ProcountorError`` is stored and propagates.

        As the invoice pipeline does: the row is locked, then a durable claim (``pending``,
        ``create_unknown``, ``claimed_at``) is committed before the POST; a worker that finds
        the row locked or a live claim raises ``ProcountorRegisterBusy`` and POSTs nothing.
        """
        self.ensure_one()
        if not self._procountor_try_lock():
            raise ProcountorRegisterBusy(self)
        if self.procountor_id:
            if create_only:
                return "linked"
            return self._procountor_push_update(body, ops)
        if self._procountor_claim_is_active():
            # Another worker's POST may be on its way: its answer, or after its lease a
            # look-up, gives the record; a second POST would create it twice.
            raise ProcountorRegisterBusy(self)

        def claim():
            self.sudo().write(
                {
                    "state": "pending",
                    "create_unknown": True,
                    "claimed_at": fields.Datetime.now(),
                }
            )
            self._procountor_commit()

        try:
            remote, adopted = payloads.register_create_once(
                create=lambda: ops["create"](body),
                find=lambda: ops["find"](body),
                claim=claim,
                create_unknown=self.create_unknown,
            )
        except ProcountorError as exc:
            # The attempt is over (its answer lost or a refusal): the claim ends; an
            # unconfirmed POST keeps ``create_unknown``, so the next attempt looks it up.
            vals = {"sync_error": exc.message, "claimed_at": False}
            if not exc.ambiguous:
                # Procountor answered and created nothing: the next attempt may POST again.
                vals.update(create_unknown=False, state="error")
            self.sudo().write(vals)
            self._procountor_commit()
            raise
        self.sudo().write(self._procountor_synced_vals(remote))
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
            self.sudo().write({"sync_error": exc.message, "state": "error"})
            raise
        self.sudo().write(self._procountor_synced_vals(result))
        return "updated"

    def _procountor_conflict(self, remote_version):
        self.sudo().write(
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
            "claimed_at": False,
            "sync_error": False,
        }
