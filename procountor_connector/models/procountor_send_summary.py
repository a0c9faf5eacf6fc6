# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What a send over many moves did: which were sent, skipped and failed, and why it stopped."""


class ProcountorSendSummary:
    """Outcome of a send over many invoices: which were sent, skipped and failed."""

    def __init__(self, env):
        empty = env["account.move"]
        self.sent = empty
        self.skipped = empty
        self.failed = empty
        #: Why the batch stopped before its end (refused credentials, rate limit), or "".
        self.stopped = ""
        #: Transient faults waited out in the run (``in_run.InRunRetry``), for its log.
        self.retry = None
        #: Most invoices attempted (sent or failed) in this run; None: all of them. The cron
        #: hands over more candidates than that, so a worker whose first candidates another
        #: worker holds takes the next ones instead of ending its run.
        self.limit = None
        #: Invoices handed to Procountor (claimed) in this run, for ``limit``.
        self.attempted = 0

    def room(self):
        """How many more invoices this run may attempt (None: no limit)."""
        return None if self.limit is None else max(0, self.limit - self.attempted)

    def add(self, outcome, move):
        setattr(self, outcome, getattr(self, outcome) | move)
