"""Domain exceptions of the Procountor client.

The client raises only these (plus ``ValueError`` for programming mistakes such as a GET
with a body). Odoo code turns them into user errors or stored error states; it decides
on retries from two flags:

- ``retryable``: the same request may succeed later without any change (rate limit,
  outage, network trouble);
- ``ambiguous``: the request may have been applied by Procountor although no success was
  seen (a write that timed out, lost its connection after sending, or met a 5xx). Before
  repeating such a write, look the object up (e.g. ``find_invoices_by_original_number``)
  so that nothing is created twice.
"""

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class ProcountorErrorItem:
    """One entry of Procountor's error body ``{"errors": [{"status", "field",
    "message"}]}``.
    """

    status: int | None = None
    field: str | None = None
    message: str | None = None

    def __str__(self):
        if self.field:
            return f"{self.field}: {self.message or '?'}"
        return self.message or "?"


class ProcountorError(Exception):
    """Base class of every error the client raises about Procountor or the way to it."""

    #: Class defaults; an instance may override them through the constructor.
    default_retryable = False
    default_ambiguous = False

    def __init__(
        self,
        message,
        *,
        status=None,
        errors=(),
        operation=None,
        method=None,
        path=None,
        retryable=None,
        ambiguous=None,
    ):
        super().__init__(message)
        self.message = message
        self.status = status
        self.errors = [_as_item(item) for item in errors or ()]
        self.operation = operation
        self.method = method
        self.path = path
        self.retryable = self.default_retryable if retryable is None else bool(retryable)
        self.ambiguous = self.default_ambiguous if ambiguous is None else bool(ambiguous)

    @property
    def codes(self):
        """The ``message`` of each error item: codes such as
        ``ERROR_VATSTATUS_VATPERC``.
        """
        return [item.message for item in self.errors if item.message]

    def __str__(self):
        return self.message

    def __repr__(self):
        name = type(self).__name__
        return f"{name}({self.message!r}, status={self.status!r}, codes={self.codes!r})"

    def as_dict(self):
        """A JSON-serialisable summary, e.g. for an error field on an Odoo record."""
        return {
            "type": type(self).__name__,
            "message": self.message,
            "status": self.status,
            "errors": [asdict(item) for item in self.errors],
            "operation": self.operation,
            "method": self.method,
            "path": self.path,
            "retryable": self.retryable,
            "ambiguous": self.ambiguous,
        }


class ProcountorAuthError(ProcountorError):
    """401 on an API call after one token renewal, or the token endpoint refused the
    credentials.
    """


class ProcountorPermissionError(ProcountorError):
    """403: insufficient user rights, or an action not allowed in the object's current
    status.
    """


class ProcountorNotFoundError(ProcountorError):
    """404: the object does not exist (some POSTs also use 404 for "could not be
    saved").
    """


class ProcountorValidationError(ProcountorError):
    """400 and other 4xx: Procountor rejected the data; see ``errors``/``codes`` for the
    fields.
    """


class ProcountorRateLimitError(ProcountorError):
    """429: too many requests. ``retry_after``: the pause (seconds) the server asked
    for, if any.
    """

    default_retryable = True

    def __init__(self, message, *, retry_after=None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after

    def as_dict(self):
        return {**super().as_dict(), "retry_after": self.retry_after}


class ProcountorServerError(ProcountorError):
    """5xx (or an unusable success answer). ``ambiguous`` is set for writes."""

    default_retryable = True


class ProcountorConnectionError(ProcountorError):
    """Procountor could not be reached (connection refused, DNS, TLS handshake, connect
    timeout).

    Raised as such only when nothing was sent, so never ambiguous.
    """

    default_retryable = True


class ProcountorTimeoutError(ProcountorConnectionError):
    """The request was sent but no complete answer came back. ``ambiguous`` for writes.

    Mostly a read timeout; also a connection lost after sending (server closed it,
    broken chunked body), which leaves a write in the same unknown state as a timeout.
    """


def _as_item(item):
    if isinstance(item, ProcountorErrorItem):
        return item
    if isinstance(item, dict):
        return ProcountorErrorItem(
            status=item.get("status"),
            field=item.get("field"),
            message=item.get("message"),
        )
    return ProcountorErrorItem(message=str(item))
