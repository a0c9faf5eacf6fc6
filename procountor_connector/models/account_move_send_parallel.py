# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Sending many new sales invoices with bounded parallel HTTP (docs/architecture.md,
"Parallel HTTP").

The batch's thread does everything that touches the database: it locks a wave of
invoices (``SKIP LOCKED``: what another worker holds is left to it), checks and prepares
each, claims the whole wave durably in one commit, hands each invoice's HTTP to a worker
thread as plain data (``procountor_api.invoice_chain``), and stores what comes back. While
the workers of one wave are busy the next wave is prepared and claimed, and finished
invoices are stored, so the database work overlaps the HTTP.

Only new sales invoices and credit notes go this way; a changed invoice, one whose
Procountor invoice exists already (steps to resume), vendor bills and journal entries are
sent one at a time by ``_procountor_send_guarded``, as before.
"""

import logging
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

import psycopg2

from odoo import _, fields, models
from odoo.tools import OrderedSet, mute_logger, split_every

from ..procountor_api import invoice_chain, payloads
from ..procountor_api.exceptions import (
    ProcountorAuthError,
    ProcountorError,
    ProcountorRateLimitError,
)
from .account_move import CLAIM_LEASE
from .account_move_procountor_identity import ProcountorInvoiceIdTaken
from .procountor_cron_guard import procountor_isolated

_logger = logging.getLogger(__name__)

#: Invoices locked, prepared and claimed (one commit) together.
WAVE_SIZE = 50
#: Seconds of the connection's rate that claimed invoices may wait for the workers. Well
#: within the claim's lease (``CLAIM_LEASE``, 15 minutes): a chain that still has not
#: started after ``CLAIM_STALE`` gives its invoice back unsent (``ChainJob.deadline``).
CLAIM_AHEAD = 120
CLAIM_STALE = CLAIM_LEASE / 2
#: Claims still waiting for their worker are renewed when they are this old.
CLAIM_RENEW = CLAIM_LEASE / 5


@contextmanager
def _stop_on_error(stop_event):
    """An error in the batch's thread stops the chains not yet started: nobody would store
    what they did (they would only be found again by their look-up)."""
    try:
        yield
    except BaseException:
        stop_event.set()
        raise


@dataclass
class _Job:
    """An invoice handed to a worker thread, with what its storing needs afterwards."""

    move: object
    data: object
    chain: invoice_chain.ChainJob
    #: Steps the batch's thread runs after the chain (the accounting page needs the database).
    later_steps: bool
    state_before: str
    #: This run's claim (``procountor_claimed_at``) and the move's
    #: ``_procountor_send_signature`` right after it: at storing, another claim means another
    #: worker has the move, another signature that someone changed it meanwhile.
    claimed_at: object = None
    signature: tuple = ()


class AccountMove(models.Model):
    _inherit = "account.move"

    def _procountor_parallel_eligible(self):
        """Can this move's HTTP run in a worker thread? New sales invoices and credit notes
        (an unconfirmed creation included: the chain looks it up first)."""
        self.ensure_one()
        return (
            self._procountor_send_kind() == "sales"
            and not self.procountor_invoice_id
            and not self.procountor_outdated
        )

    def _procountor_parallel_needs_registers(self, connection, data):
        """Must a partner or product be created in Procountor first? That happens just
        before the invoice, in the batch's thread (one at a time): none by default."""
        return False

    def _procountor_send_parallel(self, connection, client, pdf_by_move, lookup, summary):
        """Send the eligible moves of ``self`` with parallel HTTP; returns the moves left for
        sending one at a time, and why the batch stopped ("" when it did not)."""
        eligible = self.browse(OrderedSet(self.ids)).filtered(
            lambda move: move._procountor_parallel_eligible()
        )
        left = self - eligible
        if not eligible:
            return left, ""
        stop_event = threading.Event()
        jobs = {}
        stop = ""
        with connection._procountor_parallel(client) as calls, _stop_on_error(stop_event):
            todo = eligible
            ahead = self._procountor_parallel_ahead(connection, calls)
            for wave in split_every(WAVE_SIZE, eligible.ids, self.browse):
                if summary.room() == 0:
                    # The run's limit is reached: the rest is left as it is (not skipped).
                    todo = self.browse()
                    break
                # Claim no further ahead of the HTTP than a few minutes of the connection's
                # rate: a claim must be worked on well within its lease, or another worker
                # would take the invoice as abandoned.
                while calls.pending >= ahead:
                    stop = (
                        self._procountor_parallel_store(
                            connection, client, summary, calls, jobs, block=True
                        )
                        or stop
                    )
                if stop or stop_event.is_set():
                    break
                todo -= wave
                stop, serial = self._procountor_parallel_wave(
                    wave, connection, client, pdf_by_move, lookup, summary, calls, jobs, stop_event
                )
                left |= serial
                stop = (
                    self._procountor_parallel_store(
                        connection, client, summary, calls, jobs, block=False
                    )
                    or stop
                )
                if stop or stop_event.is_set():
                    break
            while calls.pending:
                stop = (
                    self._procountor_parallel_store(
                        connection, client, summary, calls, jobs, block=True
                    )
                    or stop
                )
        if stop_event.is_set() and not stop:
            # A chain ended the run but storing its reason failed (logged on its invoice).
            stop = _("Sending stopped: Procountor refused the credentials or asked to slow down.")
        if stop:
            todo._procountor_stop(summary, stop)
            left._procountor_stop(summary, stop)
            return self.browse(), stop
        return left, ""

    def _procountor_parallel_ahead(self, connection, calls):
        """How many invoices may be claimed and waiting for the workers at once: what the
        connection's rate sends in ``CLAIM_AHEAD`` (at least one wave)."""
        steps = 1 + len(connection._procountor_invoice_steps())
        return max(WAVE_SIZE, int(connection._procountor_per_second() * CLAIM_AHEAD / steps))

    def _procountor_parallel_wave(
        self, wave, connection, client, pdf_by_move, lookup, summary, calls, jobs, stop_event
    ):
        """Lock, check, prepare and claim one wave, then hand it to the workers; returns why
        the batch must stop before any HTTP ("" normally) and the moves of the wave to send
        one at a time after all."""
        pdfs = dict(pdf_by_move)
        if connection.invoice_attach_pdf:
            pdfs.update(wave._procountor_render_missing_pdfs(pdf_by_move))
        locked = wave._procountor_lock_skipping()
        for move in wave - locked:
            summary.add("skipped", move)
        prepared = []
        serial = self.browse()
        for move in locked:
            if summary.room() == 0:
                break
            job = "failed"  # what an unexpected error in the checks makes of it
            with procountor_isolated(
                move, move._procountor_fail_unexpected, f"sending {move.name}", commit=False
            ):
                job = move._procountor_parallel_job(connection, lookup, pdfs.get(move))
            if isinstance(job, _Job):
                prepared.append(job)
                summary.attempted += 1
            elif job == "serial":
                serial |= move
            else:
                summary.add(job, move)
                summary.attempted += job == "failed"
        if not prepared:
            self._procountor_commit()
            return "", serial
        # The token request is the connection's, not an invoice's.
        client.on_exchange = connection._procountor_log_exchange
        try:
            # Before the first claim (later waves find it cached): refused credentials stop
            # the batch while nothing is claimed.
            client.ensure_token()
            if not calls.token_store.get():
                # The workers start with this token instead of each asking for one.
                calls.token_store.set(*client.token_store.get())
        except ProcountorError as exc:
            self._procountor_commit()
            stop = connection._procountor_store_error(exc)
            self.browse([job.move.id for job in prepared])._procountor_stop(summary, stop)
            return stop, serial
        claimed = self.browse([job.move.id for job in prepared])
        claimed_at = fields.Datetime.now()
        claimed._procountor_write(
            {
                "procountor_state": "sending",
                "procountor_create_unknown": True,
                "procountor_claimed_at": claimed_at,
                "procountor_connection_id": connection.id,
            }
        )
        self._procountor_commit()
        claimed.invalidate_recordset(["write_date"])
        for job in prepared:
            job.claimed_at = claimed_at
            job.signature = job.move._procountor_send_signature()
        for job in prepared:
            jobs[job.move.id] = job
            calls.submit(
                job.move.id,
                lambda http, chain=job.chain: invoice_chain.run_chain(
                    http, chain, retry=summary.retry, stop=stop_event
                ),
            )
        return "", serial

    def _procountor_lock_skipping(self):
        """Lock the rows of ``self`` that no other transaction holds (``SKIP LOCKED``), in one
        query; returns the locked moves, re-read."""
        if not self:
            return self
        # A fresh snapshot: a row another worker changed after this transaction began would
        # fail the lock with a serialization error.
        self._procountor_commit()
        try:
            with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                self.env.cr.execute(
                    "SELECT id FROM account_move WHERE id = ANY(%s) FOR NO KEY UPDATE SKIP LOCKED",
                    [list(self.ids)],
                )
                locked_ids = {row[0] for row in self.env.cr.fetchall()}
        except psycopg2.errors.SerializationFailure:
            # Changed meanwhile: row by row, as one at a time does.
            locked_ids = {move.id for move in self if move._procountor_try_lock()}
        locked = self.filtered(lambda move: move.id in locked_ids)
        locked.invalidate_recordset()
        return locked

    def _procountor_parallel_job(self, connection, lookup, pdf):
        """A ``_Job`` for this locked move, its outcome without HTTP (``skipped``,
        ``failed``), or ``serial`` (sent one at a time after the waves); the checks are
        those of ``_procountor_send_one``."""
        self.ensure_one()
        if not self._procountor_is_candidate():
            return "skipped"
        if self.procountor_state == "sent" and not self.procountor_outdated:
            return "skipped"
        if self.procountor_state == "sending" and self._procountor_claim_is_active():
            return "skipped"
        if not self._procountor_parallel_eligible():
            return "skipped"
        data, problems = self._procountor_prepare(connection, lookup)
        if not problems:
            problems = self._procountor_check_pdf_size(connection, pdf)
        if problems:
            self._procountor_fail_before_http(problems)
            return "failed"
        if self._procountor_parallel_needs_registers(connection, data):
            return "serial"
        steps = tuple(self._procountor_steps(connection))
        # The accounting page is built from the invoice's lines and the mappings: after it,
        # every step runs in this thread (one at a time).
        chain_steps = () if "accounting" in steps else steps
        if "attached" in chain_steps and not pdf:
            try:
                with self.env.cr.savepoint():
                    pdf = self._procountor_invoice_pdf()
            except Exception as exc:  # noqa: BLE001 - reports fail in many ways (wkhtmltopdf)
                _logger.exception("Rendering the PDF of %s failed", self.name)
                self._procountor_fail_before_http(
                    [_("The invoice PDF could not be rendered: %(error)s", error=exc)]
                )
                return "failed"
        return _Job(
            move=self,
            data=data,
            chain=invoice_chain.ChainJob(
                body=self._procountor_build_body(data),
                create_unknown=self.procountor_create_unknown,
                steps=chain_steps,
                pdf=pdf,
                deadline=time.monotonic() + CLAIM_STALE.total_seconds(),
            ),
            later_steps=bool(steps) and not chain_steps,
            state_before=self.procountor_state,
        )

    def _procountor_parallel_store(self, connection, client, summary, calls, jobs, block):
        """Store the outcomes the workers finished (``block``: wait for at least one);
        returns why the batch must stop, or ""."""
        outcomes = calls.done(block=block)
        self._procountor_renew_claims(jobs)
        if not outcomes:
            return ""
        connection._procountor_log_parallel_exchanges(
            calls, {move_id: job.move for move_id, job in jobs.items()}
        )
        stop = ""
        for outcome in outcomes:
            job = jobs.pop(outcome.key)
            move = job.move
            result, why = "failed", ""
            # What this thread still sends for it (the accounting page) is logged against it.
            client.on_exchange = move._procountor_exchange_logger(connection)
            with procountor_isolated(
                move, move._procountor_fail_unexpected, f"sending {move.name}", commit=False
            ):
                if outcome.error is not None:
                    # Not a ProcountorError (those are in the chain's result): a bug.
                    raise outcome.error
                result, why = move._procountor_store_chain(connection, client, job, outcome.value)
            stop = stop or why
            summary.add(result, move)
            if result == "sent" and connection.state == "error":
                # Procountor answers again (a refused key was fixed): the connection works.
                # Not worth failing the stored invoices for when another worker wrote it.
                try:
                    with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                        connection.sudo().write({"state": "connected", "last_error": False})
                except psycopg2.errors.SerializationFailure:
                    _logger.info("Procountor connection %s: state written elsewhere", connection.id)
        # One commit for every invoice stored here: each one's Procountor id is durable
        # before the next wave is claimed (a crash before it: the claims are looked up).
        self._procountor_commit()
        return stop

    def _procountor_store_chain(self, connection, client, job, result):
        """Store one chain's ``ChainResult``; returns (outcome, why the batch must stop)."""
        self.ensure_one()
        if not self._procountor_try_lock() or self.procountor_claimed_at != job.claimed_at:
            # Another worker has the move now (this run's claim ran out, or it is being
            # written right now): what it does wins. An invoice this run created is found
            # by its look-up (``procountor_create_unknown`` stays set), never made twice.
            _logger.warning(
                "Procountor: %s is no longer claimed by this run; its outcome is left to the "
                "worker that has it",
                self.name,
            )
            return "skipped", ""
        # Compared before this run writes anything on the move (which changes write_date).
        changed = self._procountor_send_signature() != job.signature
        if result.not_started:
            # Claimed but never tried (the run stopped): as it was before the claim.
            self._procountor_write(
                {
                    "procountor_state": job.state_before,
                    "procountor_create_unknown": job.chain.create_unknown,
                    "procountor_claimed_at": False,
                }
            )
            if result.error is None:
                return "skipped", ""
            return "skipped", self._procountor_parallel_stop_reason(connection, result.error)
        error = result.error
        if result.remote is None:
            self._procountor_write({"procountor_create_unknown": result.create_unknown})
            if isinstance(error, payloads.AdoptionConflict):
                self._procountor_fail_conflict(error)
                return "failed", ""
            self._procountor_fail_remote(error)
            return "failed", self._procountor_parallel_stop_reason(connection, error)
        try:
            self._procountor_store_created(
                connection, result.remote, job.chain.body, result.adopted, commit=False
            )
        except ProcountorInvoiceIdTaken as exc:
            self._procountor_store_conflict(exc.message)
            return "failed", ""
        self._procountor_note_cuts(job.data)
        if changed:
            self._procountor_flag_changed_while_sending()
        if job.later_steps and error is None:
            # The Procountor id is durable before more calls are made for it; the steps
            # read the invoice first, as a resumed attempt does.
            self._procountor_commit()
            try:
                self._procountor_run_steps(connection, client, job.chain.pdf, resumed=True)
            except ProcountorError as exc:
                self._procountor_fail_remote(exc)
                return "failed", self._procountor_parallel_stop_reason(connection, exc)
            return "sent", ""
        if not job.chain.steps:
            return "sent", ""
        vals = {"procountor_step": result.reached, "procountor_status": result.status or False}
        if error is not None:
            self._procountor_write(vals)
            self._procountor_fail_remote(error)
            return "failed", self._procountor_parallel_stop_reason(connection, error)
        self._procountor_write(
            {
                **vals,
                "procountor_state": "sent",
                "procountor_error": False,
                "procountor_error_retryable": False,
                "procountor_claimed_at": False,
                "procountor_attempt_date": fields.Datetime.now(),
            }
        )
        return "sent", ""

    def _procountor_parallel_stop_reason(self, connection, error):
        """Why the batch stops after ``error`` (as one at a time does), or ""."""
        if isinstance(error, ProcountorAuthError):
            return self._procountor_on_connection(
                lambda: connection._procountor_store_error(error), error.message
            )
        if isinstance(error, ProcountorRateLimitError):
            seconds = error.retry_after if error.retry_after is not None else 60
            until = self._procountor_on_connection(
                lambda: connection._procountor_pause(error),
                fields.Datetime.now() + timedelta(seconds=max(1, int(seconds))),
            )
            return _(
                "Procountor asked to slow down (HTTP 429): sending is paused until "
                "%(until)s (UTC); the remaining invoices wait for the next run.",
                until=until,
            )
        return ""

    def _procountor_on_connection(self, write, fallback):
        """``write()`` on the connection's row, or ``fallback`` when another worker wrote the
        same row meanwhile (its pause or error is as good as ours)."""
        try:
            with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                return write()
        except (psycopg2.errors.SerializationFailure, psycopg2.errors.LockNotAvailable):
            _logger.info("Procountor: the connection's state was written by another worker")
            return fallback

    def _procountor_send_signature(self):
        """What tells cheaply that the move changed (reset, cancelled, posted with other
        amounts or another customer): compared between the claim and the stored answer,
        where a change costs the full comparison of ``_procountor_flag_if_changed``."""
        self.ensure_one()
        return (
            self.write_date,
            self.state,
            self.partner_id.id,
            self.invoice_date,
            self.currency_id.id,
            self.amount_untaxed,
            self.amount_tax,
        )

    def _procountor_flag_changed_while_sending(self):
        """Someone changed the move while this run was sending it: Procountor has it as it
        was claimed. Marked out of date (with the usual note) where it differs."""
        self.ensure_one()
        if self.state == "posted":
            self._procountor_flag_if_changed()
            return
        if self.procountor_outdated:
            return
        self._procountor_write({"procountor_outdated": True})
        self._message_log(
            body=_(
                "This invoice was reset to draft or cancelled in Odoo while it was being sent "
                "to Procountor: Procountor has it (invoice %(number)s) as it was when sending "
                "began. Post it again and send it to update Procountor, or invalidate it there.",
                number=self.procountor_invoice_number or self.procountor_invoice_id,
            )
        )

    def _procountor_renew_claims(self, jobs):
        """Renew this run's claims of the moves still waiting for their worker, so that no
        other worker takes them as abandoned however long the queue is (one query per wave,
        only rows that still carry this run's claim)."""
        now = fields.Datetime.now()
        by_claim = {}
        for job in jobs.values():
            if job.claimed_at and now - job.claimed_at >= CLAIM_RENEW:
                by_claim.setdefault(job.claimed_at, []).append(job)
        if not by_claim:
            return
        renewed = False
        for claimed_at, stale in by_claim.items():
            try:
                with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                    self.env.cr.execute(
                        "UPDATE account_move SET procountor_claimed_at = %s "
                        "WHERE id = ANY(%s) AND procountor_claimed_at = %s RETURNING id",
                        [now, [job.move.id for job in stale], claimed_at],
                    )
                    ids = {row[0] for row in self.env.cr.fetchall()}
            except psycopg2.errors.SerializationFailure:
                # One of them changed meanwhile: tried again at the next store.
                continue
            for job in stale:
                if job.move.id in ids:
                    job.claimed_at = now
                    renewed = True
        if renewed:
            self.browse([job.move.id for job in jobs.values()]).invalidate_recordset(
                ["procountor_claimed_at"]
            )
            self._procountor_commit()
