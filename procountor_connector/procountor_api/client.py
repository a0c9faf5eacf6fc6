"""Procountor REST client: plain Python on ``requests``, never imports Odoo.

Every endpoint method goes through one funnel, ``ProcountorClient.request``, which adds
the bearer token, the timeout and the retry policy, times and logs the call, reports it
to ``on_exchange`` and turns failures into the exceptions of
``procountor_api.exceptions``. Contract: docs/architecture.md ("Client").
"""

import dataclasses
import datetime
import html
import json as jsonlib
import logging
import re
import threading
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import (
    ConnectTimeoutError,
    MaxRetryError,
    ReadTimeoutError,
    ResponseError,
)
from urllib3.util.retry import Retry

from . import const
from .endpoint import normalize_base_url
from .exceptions import (
    ProcountorAuthError,
    ProcountorConnectionError,
    ProcountorError,
    ProcountorErrorItem,
    ProcountorNotFoundError,
    ProcountorPermissionError,
    ProcountorRateLimitError,
    ProcountorServerError,
    ProcountorTimeoutError,
    ProcountorValidationError,
)
from .redact import Redactor, cap

_logger = logging.getLogger(__name__)

#: The only method that is retried and the only one that may be repeated without
#: changing anything remotely. Every other method counts as a write: never retried by
#: the transport, "ambiguous" when its outcome is unknown.
SAFE_METHODS = frozenset({"GET"})

TOKEN_PATH = "/oauth/token"
TOKEN_OPERATION = "fetch_token"
CREDENTIALS_REFUSED = (
    "Procountor refused the credentials: check client id, client secret, redirect URI and API key"
)
TOKEN_REJECTED_TWICE = (
    "Procountor rejected a freshly issued access token (HTTP 401): the API key may "
    "have been revoked or its user may no longer have access to the company"
)
#: Longest ``ProcountorError.message``; the full error list stays available in
#: ``errors``.
MESSAGE_CAP = 500
#: How many error items are spelled out in a message.
MESSAGE_ITEMS = 5
_TEXT_CONTENT = re.compile(r"json|text/|xml|x-www-form-urlencoded|javascript", re.IGNORECASE)
_ID = re.compile(r"[0-9]+")


@dataclass
class Exchange:
    """One HTTP call as seen by ``on_exchange``; bodies redacted and capped
    (EXCHANGE_BODY_CAP).
    """

    operation: str
    method: str
    url: str
    path: str
    status: int | None
    duration_ms: int
    request_body: str | None = None
    response_body: str | None = None
    error_codes: list[str] = field(default_factory=list)
    error_message: str | None = None
    ok: bool = False


class MemoryTokenStore:
    """Default token store: the token lives as long as the client (one process, no
    sharing).
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._refresh = threading.Lock()
        self._value = None

    def get(self):
        with self._lock:
            return self._value

    def set(self, token, expires_at):
        with self._lock:
            self._value = (token, expires_at)

    def refresh_lock(self):
        """Threads sharing this client refresh one at a time (see ``_refreshed_token``)."""
        return self._refresh


class _ProcountorRetry(Retry):
    """urllib3 ``Retry`` with a back-off cap that works on urllib3 1.26 and 2.x alike.

    urllib3 1.26 caps the back-off with a class attribute (``BACKOFF_MAX``, later
    ``DEFAULT_BACKOFF_MAX``) and 2.x with a ``backoff_max`` argument; overriding
    ``get_backoff_time`` caps it per client on both, without changing a class attribute
    shared by every Retry in the process (Odoo's own HTTP calls included). A
    ``Retry-After`` longer than the cap is not slept through: the 429/503 goes back to
    the caller at once (``ProcountorRateLimitError.retry_after`` says how long to wait)
    instead of blocking an Odoo worker.
    """

    def __init__(self, *args, backoff_cap=10.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.backoff_cap = backoff_cap

    def new(self, **kw):
        # urllib3 copies a Retry through new() after each attempt; carry the cap along.
        kw.setdefault("backoff_cap", self.backoff_cap)
        return super().new(**kw)

    def get_backoff_time(self):
        return min(self.backoff_cap, super().get_backoff_time())

    def increment(
        self,
        method=None,
        url=None,
        response=None,
        error=None,
        _pool=None,
        _stacktrace=None,
    ):
        if response is not None and self.respect_retry_after_header:
            wait = self.get_retry_after(response)
            if wait is not None and wait > self.backoff_cap:
                # raise_on_status=False makes urllib3 hand this response back instead of
                # raising.
                raise MaxRetryError(
                    _pool, url, ResponseError("Retry-After exceeds the back-off cap")
                )
        return super().increment(method, url, response, error, _pool, _stacktrace)


def build_retry(max_retries, backoff_factor, backoff_max):
    """The transport retry policy: GETs only, bounded, with capped exponential back-off.

    - ``allowed_methods={"GET"}``: urllib3 retries a status (429/502/503/504) and a read
      error (read timeout, connection dropped after sending) only for allowed methods,
      so a POST/PUT/PATCH/DELETE that may have reached Procountor is never sent twice.
    - ``connect``: a connection that could not be opened carried no request, so opening
      it again is safe for any method (nothing can be applied twice).
    - ``other=0``: errors urllib3 cannot classify (e.g. TLS trouble mid-request) are not
      retried for any method.
    """
    return _ProcountorRetry(
        total=max_retries,
        connect=max_retries,
        read=max_retries,
        status=max_retries,
        other=0,
        allowed_methods=SAFE_METHODS,
        status_forcelist=const.RETRY_STATUSES,
        backoff_factor=backoff_factor,
        respect_retry_after_header=True,
        raise_on_status=False,
        backoff_cap=backoff_max,
    )


class ProcountorClient:
    """Client of one Procountor company (environment), authenticated with an M2M API
    key.
    """

    def __init__(
        self,
        base_url,
        client_id,
        client_secret,
        api_key,
        redirect_uri="",
        api_version_path=const.DEFAULT_API_VERSION_PATH,
        token_store=None,
        on_exchange=None,
        timeout=(const.CONNECT_TIMEOUT, const.READ_TIMEOUT),
        max_retries=3,
        backoff_factor=0.5,
        backoff_max=10,
    ):
        self.base_url = _check_base_url(base_url)
        self.api_version_path = _check_api_version_path(api_version_path)
        self.api_root = f"{self.base_url}/{self.api_version_path}"
        self.client_id = client_id
        self._client_secret = client_secret
        self._api_key = api_key
        self.redirect_uri = redirect_uri or ""
        self.token_store = token_store if token_store is not None else MemoryTokenStore()
        self.on_exchange = on_exchange
        self.timeout = _check_timeout(timeout)
        if max_retries < 0 or backoff_factor < 0 or backoff_max < 0:
            raise ValueError("max_retries, backoff_factor and backoff_max must not be negative")
        #: Longest answer body read (bytes); a longer one is refused unread.
        self.max_response_bytes = const.RESPONSE_BODY_MAX_BYTES
        #: Seconds since the epoch; an attribute so that tests can move time forward.
        self.clock = time.time
        self._redactor = Redactor((client_secret, api_key))
        self._session = requests.Session()
        self._session.headers.update({"Accept": "application/json", "User-Agent": const.USER_AGENT})
        adapter = HTTPAdapter(max_retries=build_retry(max_retries, backoff_factor, backoff_max))
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)

    @classmethod
    def for_environment(cls, environment, base_url=None, **kwargs):
        """A client for ``production``/``test`` (ENVIRONMENT_URLS) or ``custom``
        (``base_url``).

        ``base_url`` is used only for ``custom``, so a connection record may always pass
        its URL field.
        """
        if environment == "custom":
            if not base_url:
                raise ValueError("a custom Procountor environment needs a base_url")
            return cls(base_url=base_url, **kwargs)
        if environment not in const.ENVIRONMENT_URLS:
            raise ValueError(f"unknown Procountor environment {environment!r}")
        return cls(base_url=const.ENVIRONMENT_URLS[environment], **kwargs)

    def __repr__(self):
        return f"<ProcountorClient {self.api_root} client_id={self.client_id!r}>"

    def close(self):
        self._session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    # --- funnel ---

    def request(
        self,
        method,
        path,
        *,
        params=None,
        json=None,
        data=None,
        files=None,
        headers=None,
        operation,
        expected=(200,),
        auth=True,
        timeout=None,
        shape=None,
    ):
        """Send one API call and return its decoded JSON body (``None`` when empty).

        ``shape`` says what a success must look like: ``object`` (a JSON object),
        ``created`` (an object with an integer ``id``), ``list`` (a JSON array), or None
        (anything, empty included). Any other answer becomes a ``ProcountorServerError``
        "unexpected answer from Procountor" (ambiguous for writes), never a ``KeyError``
        or ``AttributeError`` in the caller.

        ``path`` is relative to the API root (``/invoices/12``). List values in
        ``params`` are comma-joined. With ``auth``, a 401 drops the token, a new one is
        fetched and the call is repeated once; that is safe for writes too, since a 401
        means Procountor did not process the request.
        """
        method = method.upper()
        if method in SAFE_METHODS and (json is not None or data is not None or files is not None):
            # Procountor's test gateway rejects a GET with a body (api-notes section 3).
            raise ValueError(f"{method} {path}: a {method} request never carries a body")
        call = {
            "method": method,
            "path": path,
            "params": _query(params),
            "json": json,
            "data": data,
            "files": files,
            "headers": headers,
            "operation": operation,
            "expected": tuple(expected),
            "timeout": _check_timeout(timeout) if timeout is not None else self.timeout,
            "shape": shape,
        }
        if not auth:
            return self._send(token=None, writes=method not in SAFE_METHODS, **call)
        token = self._valid_token()
        try:
            return self._send(token=token, writes=method not in SAFE_METHODS, **call)
        except ProcountorAuthError as exc:
            if exc.status != 401:
                raise
            _logger.info("Procountor %s %s: access token refused, renewing it once", method, path)
        token = self._renewed_token(rejected=token)
        try:
            return self._send(token=token, writes=method not in SAFE_METHODS, **call)
        except ProcountorAuthError as exc:
            if exc.status != 401:
                raise
            raise ProcountorAuthError(
                TOKEN_REJECTED_TWICE,
                status=401,
                errors=exc.errors,
                operation=operation,
                method=method,
                path=path,
            ) from exc

    def _send(
        self,
        *,
        method,
        path,
        params,
        json,
        data,
        files,
        headers,
        operation,
        expected,
        timeout,
        token,
        writes,
        shape=None,
    ):
        """One HTTP call: send, classify, record (log line + Exchange), then return or
        raise.

        ``writes``: the call may change data in Procountor, so an unknown outcome makes
        its error ambiguous.
        """
        url = self.api_root + path
        context = {"operation": operation, "method": method, "path": path}
        request_headers = dict(headers or {})
        if token:
            request_headers["Authorization"] = f"Bearer {token}"
        started = time.monotonic()
        response = None
        result = None
        error = None
        complete = True
        try:
            response = self._session.request(
                method,
                url,
                params=params,
                json=json,
                data=data,
                files=files,
                headers=request_headers,
                timeout=timeout,
                # Procountor does not redirect API calls; following one would turn a
                # POST into a GET or carry the token to another host.
                allow_redirects=False,
                # The body is read by _read_capped, never more than the cap.
                stream=True,
            )
            complete = _read_capped(response, self.max_response_bytes)
        except requests.RequestException as exc:
            error = self._transport_error(exc, method, path, operation, writes, timeout)
            error.__cause__ = exc
        duration_ms = int((time.monotonic() - started) * 1000)
        if response is not None and error is None and not complete:
            error = ProcountorServerError(
                f"Procountor's answer (HTTP {response.status_code}) is larger than "
                f"{self.max_response_bytes // 1_000_000} MB: it was not read"
                + ("; the change may or may not have been applied" if writes else ""),
                status=response.status_code,
                ambiguous=writes,
                retryable=False,
                operation=operation,
                method=method,
                path=path,
            )
        elif response is not None and error is None:
            try:
                result = self._result(response, method, path, operation, expected, writes)
                _check_shape(result, shape, writes, status=response.status_code, **context)
            except ProcountorError as exc:
                error = exc
        self._record(
            operation=operation,
            method=method,
            path=path,
            params=params,
            body=(json, data, files),
            response=response,
            error=error,
            duration_ms=duration_ms,
        )
        if error is not None:
            raise error
        return result

    def _result(self, response, method, path, operation, expected, writes):
        status = response.status_code
        context = {
            "status": status,
            "operation": operation,
            "method": method,
            "path": path,
        }
        if status in expected:
            if not response.content:
                return None
            try:
                return response.json()
            except ValueError:
                # Procountor said yes but the answer is unreadable: a write was applied,
                # its result is lost.
                raise ProcountorServerError(
                    f"Procountor answered HTTP {status} with a body that is not JSON",
                    ambiguous=writes,
                    **context,
                ) from None
        if status < 400:
            # A 2xx we did not ask for (e.g. 202 "waiting for 2-factor confirmation")
            # may mean a write was accepted; a 3xx means it was not processed here.
            raise ProcountorError(
                f"Procountor answered with unexpected HTTP {status}",
                ambiguous=writes and status < 300,
                **context,
            )
        raise self._error_from_response(response, writes, context)

    def _error_from_response(self, response, writes, context):
        status = context["status"]
        items, text = _parse_error_body(response)
        # A server may echo what it was sent; error items end up in logs and Odoo records.
        items = [
            dataclasses.replace(item, message=self._redactor.text(item.message)) for item in items
        ]
        kwargs = {"errors": items, **context}
        if status == 401:
            cls, summary = (
                ProcountorAuthError,
                "Procountor did not accept the access token (HTTP 401)",
            )
        elif status == 403:
            cls = ProcountorPermissionError
            summary = (
                "Procountor refused the action: insufficient user rights, or not "
                "allowed in the object's current status (HTTP 403)"
            )
        elif status == 404:
            cls, summary = (
                ProcountorNotFoundError,
                "Procountor could not find the object (HTTP 404)",
            )
        elif status == 429:
            retry_after = _retry_after_seconds(response.headers.get("Retry-After"))
            cls, summary = (
                ProcountorRateLimitError,
                "Procountor rate limit reached (HTTP 429)",
            )
            if retry_after is not None:
                summary += f"; retry after {retry_after:g} s"
            kwargs["retry_after"] = retry_after
        elif status < 500:
            cls, summary = (
                ProcountorValidationError,
                f"Procountor rejected the data (HTTP {status})",
            )
        else:
            cls, summary = (
                ProcountorServerError,
                f"Procountor server error (HTTP {status})",
            )
            if writes:
                summary += "; the change may or may not have been applied"
            kwargs["ambiguous"] = writes
        return cls(self._message(summary, items, text), **kwargs)

    def _message(self, summary, items, text):
        if items:
            details = "; ".join(str(item) for item in items[:MESSAGE_ITEMS])
            if len(items) > MESSAGE_ITEMS:
                details += f" (+{len(items) - MESSAGE_ITEMS} more)"
        else:
            details = text
        message = f"{summary}: {details}" if details else summary
        return cap(self._redactor.text(message), MESSAGE_CAP)

    def _transport_error(self, exc, method, path, operation, writes, timeout):
        """A domain error for a requests exception: "nothing was sent" vs "sent, no
        answer".
        """
        context = {"operation": operation, "method": method, "path": path}
        reason = _root_reason(exc)
        if isinstance(exc, requests.ConnectTimeout):
            return ProcountorConnectionError(
                f"Procountor at {self.base_url} did not accept a connection "
                f"within {timeout[0]:g} s",
                **context,
            )
        if isinstance(reason, ConnectTimeoutError) or isinstance(exc, _PRE_SEND_ERRORS):
            # ConnectTimeoutError covers NewConnectionError (refused, DNS): no byte of
            # the request left.
            return ProcountorConnectionError(
                # The reason may name a proxy URL with its user info: cleaned like any text.
                self._redactor.text(
                    f"Could not connect to Procountor at {self.base_url}: "
                    f"{_short_reason(reason, exc)}"
                ),
                **context,
            )
        if isinstance(exc, requests.ReadTimeout) or isinstance(reason, ReadTimeoutError):
            message = f"Procountor did not answer within {timeout[1]:g} s"
        else:
            # RemoteDisconnected, ProtocolError, ChunkedEncodingError...: the request
            # may have been processed.
            message = (
                "The connection to Procountor was lost during the request: "
                f"{_short_reason(reason, exc)}"
            )
        if writes:
            message += "; the change may or may not have been applied"
        return ProcountorTimeoutError(
            cap(self._redactor.text(message), MESSAGE_CAP), ambiguous=writes, **context
        )

    # --- logging and exchanges ---

    def _record(
        self,
        *,
        operation,
        method,
        path,
        params,
        body,
        response,
        error,
        duration_ms,
    ):
        status = response.status_code if response is not None else None
        query = f"?{self._redactor.form(params)}" if params else ""
        outcome = status if status is not None else type(error).__name__
        _logger.info(
            "Procountor %s %s -> %s in %d ms",
            method,
            path + query,
            outcome,
            duration_ms,
        )
        if self.on_exchange is None:
            return
        exchange = Exchange(
            operation=operation,
            method=method,
            url=self.api_root + path + query,
            path=path,
            status=status,
            duration_ms=duration_ms,
            # Described only here: no work for bodies nobody will look at.
            request_body=cap(self._describe_request(*body)),
            response_body=cap(self._describe_response(response, operation)),
            error_codes=list(error.codes) if error is not None else [],
            error_message=error.message if error is not None else None,
            ok=error is None,
        )
        try:
            self.on_exchange(exchange)
        except Exception:
            # Not swallowed: logged with its traceback. A broken logging callback must
            # not hide the API result (e.g. the id of an invoice Procountor has just
            # created) from the caller.
            _logger.exception("Procountor on_exchange callback failed for %s %s", method, path)

    def _describe_request(self, json, data, files):
        if json is not None:
            return jsonlib.dumps(self._redactor.data(json), ensure_ascii=False, default=str)
        if files:
            return jsonlib.dumps(self._describe_files(files), ensure_ascii=False)
        if data is None:
            return None
        if isinstance(data, bytes):
            data = data.decode("utf-8", errors="replace")
        if isinstance(data, str):
            return self._redactor.form_text(data)
        return self._redactor.form(data)

    def _describe_files(self, files):
        """Multipart parts without file bytes: JSON parts masked, files by name, type
        and size.
        """
        described = {}
        for name, part in files.items():
            filename, content, content_type = (tuple(part) + (None, None))[:3]
            if (
                filename is None
                and isinstance(content, (str, bytes))
                and "json" in (content_type or "")
            ):
                text = (
                    content.decode("utf-8", errors="replace")
                    if isinstance(content, bytes)
                    else content
                )
                try:
                    described[name] = self._redactor.data(jsonlib.loads(text))
                except ValueError:
                    described[name] = self._redactor.text(text)
            else:
                size = len(content) if isinstance(content, (str, bytes, bytearray)) else None
                described[name] = {
                    "filename": filename,
                    "content_type": content_type,
                    "size": size,
                }
        return described

    def _describe_response(self, response, operation=None):
        """The answer as text for the exchange log, secrets masked.

        Masking never trusts the content type: the token endpoint's answer is treated as
        secret by operation, and any body that parses as JSON is masked by key.
        """
        if response is None or not response.content:
            return None
        content_type = response.headers.get("Content-Type", "")
        secret_answer = operation == TOKEN_OPERATION
        if content_type and not _TEXT_CONTENT.search(content_type) and not secret_answer:
            return f"<{len(response.content)} bytes of {content_type}>"
        return self._redactor.body(response.text, secret_answer=secret_answer)

    # --- token ---

    def _valid_token(self):
        """The stored token while valid (minus the safety margin), else a new one."""
        return self._stored_token() or self._refreshed_token()

    def _renewed_token(self, rejected):
        """A token other than the rejected one: a fresher stored one, or a new one."""
        return self._stored_token(rejected) or self._refreshed_token(rejected)

    def _stored_token(self, rejected=None):
        """The stored token if it is valid for a while yet and is not ``rejected``."""
        stored = self.token_store.get()
        if not stored:
            return None
        token, expires_at = stored
        if (
            token
            and token != rejected
            and expires_at
            and expires_at - const.TOKEN_EXPIRY_MARGIN > self.clock()
        ):
            self._redactor.add_secret(token)
            return token
        return None

    def _refreshed_token(self, rejected=None):
        """Fetch a new token, under the store's ``refresh_lock()`` when it has one.

        A store shared by several processes (the Odoo connection record) offers a lock so that
        two workers never refresh at once: whoever waited for it first looks again, because the
        worker that held it has usually stored a fresh token meanwhile.
        """
        refresh_lock = getattr(self.token_store, "refresh_lock", None)
        if refresh_lock is None:
            return self.fetch_token()
        with refresh_lock():
            return self._stored_token(rejected) or self.fetch_token()

    def ensure_token(self):
        """A usable access token: the stored one, else a new one fetched now.

        A batch asks first, so that refused credentials stop it before any record is
        touched (issue 10)."""
        return self._valid_token()

    def fetch_token(self):
        """Exchange the API key for an access token, store it with its expiry and return
        it.

        Credentials go in a form-encoded body, never in the query string, and the call
        carries no Authorization header.
        """
        form = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self._client_secret,
            "redirect_uri": self.redirect_uri,
            "api_key": self._api_key,
        }
        context = {"operation": TOKEN_OPERATION, "method": "POST", "path": TOKEN_PATH}
        try:
            body = self._send(
                method="POST",
                path=TOKEN_PATH,
                params=None,
                json=None,
                data=form,
                files=None,
                headers=None,
                operation=TOKEN_OPERATION,
                expected=(200,),
                timeout=self.timeout,
                token=None,
                # Asking for a token changes no data in the company: its failures are
                # never ambiguous.
                writes=False,
            )
        except (
            ProcountorAuthError,
            ProcountorPermissionError,
            ProcountorValidationError,
        ) as exc:
            details = f" ({', '.join(exc.codes)})" if exc.codes else ""
            raise ProcountorAuthError(
                f"{CREDENTIALS_REFUSED}{details}",
                status=exc.status,
                errors=exc.errors,
                **context,
            ) from exc
        except ProcountorNotFoundError as exc:
            raise ProcountorNotFoundError(
                "Procountor token endpoint not found (HTTP 404): check the base URL "
                "and the API version path",
                status=exc.status,
                errors=exc.errors,
                **context,
            ) from exc
        token = body.get("access_token") if isinstance(body, dict) else None
        if not token or not isinstance(token, str):
            raise ProcountorAuthError(
                "Procountor answered the token request without an access token",
                **context,
            )
        self._redactor.add_secret(token)
        expires_at = self.clock() + _lifetime(body.get("expires_in"))
        self.token_store.set(token, expires_at)
        return token

    # --- pagination ---

    def paginate(
        self,
        path,
        params=None,
        size=const.PAGE_SIZE_MAX,
        operation="paginate",
        headers=None,
    ):
        """Yield every row of a ``{results, meta}`` search, page by page (``page``,
        ``size``).
        """
        _check_page_size(size)
        params = dict(params or {})
        page = params.pop("page", 0)
        seen = 0
        while True:
            query = {**params, "page": page, "size": size}
            body = self.request("GET", path, params=query, headers=headers, operation=operation)
            results, meta, enveloped = _unpack_page(body)
            yield from results
            seen += len(results)
            if not enveloped or _is_last_page(results, meta, size, seen):
                return
            page += 1

    def _paginate_keyset(self, path, params, size, operation):
        """Yield every row of a search without ``page`` (GET /products), by
        ``previousId``.
        """
        _check_page_size(size)
        params = dict(params or {})
        previous_id = params.pop("previousId", None)
        params["orderById"] = "ASC"  # keyset paging walks ids upwards
        while True:
            query = {**params, "size": size}
            if previous_id is not None:
                query["previousId"] = previous_id
            body = self.request("GET", path, params=query, operation=operation)
            results, meta, enveloped = _unpack_page(body)
            yield from results
            # totalCount is not trusted here: whether it counts every match or only those
            # after previousId is not documented, and the latter would end the walk early
            # and drop the last pages. Only an empty or short page ends it.
            meta = {key: value for key, value in meta.items() if key != "totalCount"}
            if not enveloped or _is_last_page(results, meta, size, 0):
                return
            last_id = results[-1].get("id") if isinstance(results[-1], dict) else None
            if not isinstance(last_id, int) or (previous_id is not None and last_id <= previous_id):
                # Without this check a server ignoring previousId would be asked for the
                # same page forever.
                raise ProcountorServerError(
                    f"Procountor keyset paging of {path} did not advance (last id {last_id!r})",
                    operation=operation,
                    method="GET",
                    path=path,
                    retryable=False,
                )
            previous_id = last_id

    def _get_many(self, resource, ids, operation):
        """Objects for ``ids`` by comma-separated GETs of ≤200 ids; unknown ids are left
        out.
        """
        found = []
        for chunk in _chunks(_clean_ids(ids), const.BATCH_IDS_MAX):
            try:
                body = self.request(
                    "GET",
                    f"{resource}/{','.join(map(str, chunk))}",
                    operation=operation,
                )
            except ProcountorNotFoundError:
                continue  # Procountor answers 404 when none of the chunk's ids exists.
            if isinstance(body, list):
                found.extend(body)
            elif body is not None:
                found.append(
                    body
                )  # a single id (or a server that unwraps one result) gives an object
        return found

    # --- reference data ---

    def get_status(self):
        return self.request("GET", "/status", operation="get_status")

    def get_session_info(self):
        return self.request("GET", "/sessioninfo", operation="get_session_info", shape="object")

    def get_company(self):
        return self.request("GET", "/company", operation="get_company", shape="object")

    def get_vat_defaults(self):
        return self.request("GET", "/vats/default", operation="get_vat_defaults", shape="object")

    def get_vat_settings(self):
        return self.request("GET", "/vats/settings", operation="get_vat_settings", shape="object")

    def get_chart_of_accounts(self):
        return self.request("GET", "/coa", operation="get_chart_of_accounts", shape="object")

    def get_dimensions(self):
        return self.request("GET", "/dimensions", operation="get_dimensions", shape="list")

    def get_fiscal_years(self):
        return self.request("GET", "/fiscalyears", operation="get_fiscal_years")

    def get_bank_accounts(self):
        """Every company bank account (all pages), as a list."""
        return list(self.paginate("/bankaccounts", operation="get_bank_accounts"))

    # --- business partners ---

    def search_business_partners(self, **filters):
        """Iterate over BusinessPartnerBasicInfo rows; ``name`` and ``identifier`` go as
        headers.
        """
        size = filters.pop("size", const.PAGE_SIZE_MAX)
        headers = {}
        for key in ("name", "identifier"):
            value = filters.pop(key, None)
            if value is not None:
                headers[key] = _header_value(key, value, "search_business_partners")
        return self.paginate(
            "/businesspartners",
            filters,
            size=size,
            operation="search_business_partners",
            headers=headers or None,
        )

    def get_business_partner(self, partner_id):
        return self.request(
            "GET",
            f"/businesspartners/{_clean_id(partner_id)}",
            operation="get_business_partner",
            shape="object",
        )

    def get_business_partners(self, ids):
        return self._get_many("/businesspartners", ids, "get_business_partners")

    def create_business_partner(self, data):
        return self.request(
            "POST",
            "/businesspartners",
            json=data,
            operation="create_business_partner",
            shape="created",
        )

    def patch_business_partner(self, partner_id, data, version):
        """Partial update; Procountor needs the partner's current ``version`` (sent in
        the body).
        """
        return self.request(
            "PATCH",
            f"/businesspartners/{_clean_id(partner_id)}",
            json={**data, "version": version},
            operation="patch_business_partner",
        )

    def update_business_partner(self, partner_id, data):
        """Replace every detail of a partner (PUT); ``data`` carries the ``version`` read
        last, and Procountor refuses a stale one."""
        return self.request(
            "PUT",
            f"/businesspartners/{_clean_id(partner_id)}",
            json=data,
            operation="update_business_partner",
        )

    # --- products ---

    def search_products(self, **filters):
        """Iterate over Product rows; GET /products has no ``page``: paged by
        ``previousId``.
        """
        size = filters.pop("size", const.PAGE_SIZE_MAX)
        return self._paginate_keyset("/products", filters, size, "search_products")

    def get_product(self, product_id):
        return self.request(
            "GET", f"/products/{_clean_id(product_id)}", operation="get_product", shape="object"
        )

    def get_products(self, ids):
        return self._get_many("/products", ids, "get_products")

    def create_product(self, data):
        return self.request(
            "POST", "/products", json=data, operation="create_product", shape="created"
        )

    def update_product(self, product_id, data):
        return self.request(
            "PUT",
            f"/products/{_clean_id(product_id)}",
            json=data,
            operation="update_product",
        )

    # --- invoices ---

    def create_invoice(self, data, add_collection_penal_costs=False):
        params = {"addCollectionPenalCosts": True} if add_collection_penal_costs else None
        return self.request(
            "POST",
            "/invoices",
            params=params,
            json=data,
            operation="create_invoice",
            shape="created",
        )

    def get_invoice(self, invoice_id):
        return self.request(
            "GET", f"/invoices/{_clean_id(invoice_id)}", operation="get_invoice", shape="object"
        )

    def get_invoices(self, ids):
        return self._get_many("/invoices", ids, "get_invoices")

    def search_invoices(self, **filters):
        """Iterate over InvoiceBasicInfo rows; list filters (``status``, ``types``)
        comma-joined.
        """
        size = filters.pop("size", const.PAGE_SIZE_MAX)
        return self.paginate("/invoices", filters, size=size, operation="search_invoices")

    def find_invoices_by_original_number(self, number, types=("SALES_INVOICE",)):
        """Invoices whose ``originalInvoiceNumber`` is exactly ``number`` (the Odoo
        number).

        The reconciliation step after an ambiguous create: re-checked here because a
        server-side search may match loosely (case, prefix).
        """
        number = str(number)
        params = {"originalInvoiceNumber": number}
        if types:
            params["types"] = types
        rows = self.paginate("/invoices", params, operation="find_invoices_by_original_number")
        return [
            row
            for row in rows
            if isinstance(row, dict) and str(row.get("originalInvoiceNumber")) == number
        ]

    def update_invoice(self, invoice_id, data):
        """Replace an invoice; ``data`` must carry the current ``version``."""
        return self.request(
            "PUT",
            f"/invoices/{_clean_id(invoice_id)}",
            json=data,
            operation="update_invoice",
            shape="created",
        )

    def approve_invoice(self, invoice_id, comment=None):
        body = {"comment": comment} if comment else {}
        return self.request(
            "PUT",
            f"/invoices/{_clean_id(invoice_id)}/approve",
            json=body,
            operation="approve_invoice",
        )

    def send_invoice(self, invoice_id):
        return self.request(
            "PUT", f"/invoices/{_clean_id(invoice_id)}/send", operation="send_invoice"
        )

    def get_invoice_payment_events(self, invoice_id):
        """Every payment event of one invoice (all pages), as a list."""
        path = f"/invoices/{_clean_id(invoice_id)}/paymentevents"
        return list(self.paginate(path, operation="get_invoice_payment_events"))

    def get_payment_events(self, invoice_ids):
        """Payment events of many invoices (≤200 ``invoiceId`` per query, all pages), as
        a list.
        """
        events = []
        for chunk in _chunks(_clean_ids(invoice_ids), const.BATCH_IDS_MAX):
            events.extend(
                self.paginate(
                    "/payments/paymentevents",
                    {"invoiceId": chunk},
                    operation="get_payment_events",
                )
            )
        return events

    def mark_invoice_paid(self, invoice_id, data):
        return self.request(
            "PUT",
            f"/invoices/{_clean_id(invoice_id)}/paymentevents/markpaid",
            json=data,
            operation="mark_invoice_paid",
        )

    def update_invoice_notes(self, invoice_id, notes):
        return self.request(
            "PUT",
            f"/invoices/{_clean_id(invoice_id)}/notes",
            json={"notes": notes},
            operation="update_invoice_notes",
        )

    # --- attachments ---

    def upload_attachment(self, meta, filename, content, mimetype="application/pdf"):
        """POST /attachments as multipart: part ``meta`` (Attachment JSON) and part
        ``file``.

        Content over ATTACHMENT_MAX_BYTES is refused here, before any HTTP call.
        """
        if not isinstance(content, (bytes, bytearray, memoryview)):
            raise TypeError("attachment content must be bytes")
        content = bytes(content)
        if len(content) > const.ATTACHMENT_MAX_BYTES:
            raise ProcountorValidationError(
                f"Attachment {filename!r} is {len(content):,} bytes; Procountor "
                f"accepts at most {const.ATTACHMENT_MAX_BYTES:,} bytes",
                operation="upload_attachment",
                method="POST",
                path="/attachments",
            )
        attachment = {"name": filename, **meta}
        files = {
            "meta": (None, jsonlib.dumps(attachment), "application/json"),
            "file": (filename, content, mimetype),
        }
        connect, read = self.timeout
        return self.request(
            "POST",
            "/attachments",
            files=files,
            operation="upload_attachment",
            shape="created",
            timeout=(connect, max(read, const.UPLOAD_READ_TIMEOUT)),
        )

    # --- ledger receipts ---

    def get_ledger_receipt(self, receipt_id):
        return self.request(
            "GET",
            f"/ledgerreceipts/{_clean_id(receipt_id)}",
            operation="get_ledger_receipt",
            shape="object",
        )

    def update_ledger_receipt(self, receipt_id, data):
        """Replace a ledger receipt (accounts, dimensions, VAT); ``data`` carries
        ``version``.
        """
        return self.request(
            "PUT",
            f"/ledgerreceipts/{_clean_id(receipt_id)}",
            json=data,
            operation="update_ledger_receipt",
        )

    def create_ledger_receipt(self, data, create_reconciliation=False):
        params = {"createReconciliation": True} if create_reconciliation else None
        return self.request(
            "POST",
            "/ledgerreceipts",
            params=params,
            json=data,
            operation="create_ledger_receipt",
            shape="created",
        )


# --- helpers ---

#: requests errors raised before any byte of the request was sent (TLS handshake, proxy,
#: malformed URL).
_PRE_SEND_ERRORS = (
    requests.exceptions.SSLError,
    requests.exceptions.ProxyError,
    requests.exceptions.InvalidURL,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
    requests.exceptions.InvalidHeader,
)


def _check_base_url(base_url):
    # The same check as the connection's constraint (endpoint.py), so a saved
    # connection always makes a client.
    return normalize_base_url(base_url)


def _read_capped(response, limit):
    """Read a streamed answer's body into ``response``, at most ``limit`` bytes.

    True when the whole body was read; False when it is longer (the first bytes are kept
    for the log and the connection is closed without reading the rest).
    """
    try:
        declared = int(response.headers.get("Content-Length") or 0)
    except ValueError:
        declared = 0
    chunks = []
    size = 0
    try:
        if declared <= limit:
            for chunk in response.iter_content(64 * 1024):
                size += len(chunk)
                chunks.append(chunk)
                if size > limit:
                    break
        complete = declared <= limit and size <= limit
        body = b"".join(chunks)
        # requests keeps a read body in _content; Response.content then returns it.
        response._content = body if complete else body[: const.EXCHANGE_BODY_CAP]
        return complete
    finally:
        response.close()


def _check_api_version_path(path):
    path = (path or const.DEFAULT_API_VERSION_PATH).strip("/")
    if path not in const.API_VERSION_PATHS and not const.API_VERSION_PATH_PATTERN.match(path):
        raise ValueError(
            f"unknown Procountor API version path {path!r}: "
            "use api, latest/api, supported/api or vYYMM/api"
        )
    return path


def _check_timeout(timeout):
    pair = (timeout, timeout) if isinstance(timeout, (int, float)) else tuple(timeout)
    if len(pair) != 2 or not all(isinstance(v, (int, float)) and v > 0 for v in pair):
        raise ValueError(
            f"timeout must be a positive number or a (connect, read) pair, got {timeout!r}"
        )
    return pair


def _check_page_size(size):
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= const.PAGE_SIZE_MAX:
        raise ValueError(f"page size must be 1..{const.PAGE_SIZE_MAX}, got {size!r}")


def _clean_id(value):
    """A Procountor id as an int; refuses anything else so no text is spliced into a URL
    path.
    """
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, str))
        or not _ID.fullmatch(str(value).strip())
    ):
        raise ValueError(f"not a Procountor id: {value!r}")
    return int(str(value).strip())


def _clean_ids(ids):
    """Ids as ints without duplicates, in the given order."""
    return list(dict.fromkeys(_clean_id(value) for value in ids))


def _chunks(values, size):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _query_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(_query_value(item) for item in value)
    if isinstance(value, (set, frozenset)):
        return ",".join(sorted(_query_value(item) for item in value))
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S")  # Procountor datetimes carry no zone
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _query(params):
    """Query parameters as strings; ``None`` left out, lists comma-joined (Procountor's
    arrays).
    """
    if not params:
        return None
    return {key: _query_value(value) for key, value in params.items() if value is not None} or None


def _header_value(name, value, operation):
    value = str(value)
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        # HTTP/1.1 headers carry latin-1; refusing here beats a UnicodeEncodeError deep
        # inside http.client.
        raise ProcountorValidationError(
            f"The {name} search value {value!r} has characters that cannot be sent "
            "in an HTTP header",
            operation=operation,
            method="GET",
        ) from None
    return value


#: What ``request(shape=...)`` accepts as a success body.
_SHAPES = {
    "object": ("a JSON object", lambda body: isinstance(body, dict)),
    "created": (
        "an object with an id",
        lambda body: (
            isinstance(body, dict)
            and isinstance(body.get("id"), int)
            and not isinstance(body.get("id"), bool)
        ),
    ),
    "list": ("a JSON array", lambda body: isinstance(body, list)),
}


def _check_shape(body, shape, writes, **context):
    """Raise "unexpected answer" when a success body is not what the endpoint returns.

    A malformed 200 must never reach the caller as data: reading ``body["id"]`` of a list
    or of nothing would be a traceback in an Odoo cron (issue 10). For a write the change
    was probably applied, so the error is ambiguous and the caller looks the object up
    before trying again."""
    if shape is None:
        return
    wanted, accepts = _SHAPES[shape]
    if accepts(body):
        return
    got = "an empty answer" if body is None else f"a JSON {type(body).__name__}"
    if shape == "created" and isinstance(body, dict):
        got = "an object without an id"
    message = f"Unexpected answer from Procountor: {wanted} was expected, it sent {got}"
    if writes:
        message += "; the change may or may not have been applied"
    raise ProcountorServerError(message, ambiguous=writes, **context)


def _unpack_page(body):
    """(rows, meta, enveloped) of a search answer; a bare list is a complete, unpaged
    answer.
    """
    if isinstance(body, list):
        return body, {}, False
    if isinstance(body, dict) and isinstance(body.get("results"), list):
        meta = body.get("meta") if isinstance(body.get("meta"), dict) else {}
        return body["results"], meta, True
    if body is None:
        return [], {}, False
    raise ProcountorServerError(
        "Procountor answered a search without a results list", retryable=False
    )


def _is_last_page(results, meta, size, seen):
    """Stop on an empty or short page, or once ``totalCount`` rows were seen.

    "Short" is measured against the page size Procountor reports when it reports one, so
    a server that serves fewer rows per page than asked is not mistaken for the end of
    the data.
    """
    if not results:
        return True
    total = meta.get("totalCount")
    if isinstance(total, int) and not isinstance(total, bool) and seen >= total:
        return True
    page_size = meta.get("pageSize")
    if not isinstance(page_size, int) or isinstance(page_size, bool) or page_size <= 0:
        page_size = size
    return len(results) < min(size, page_size)


def _lifetime(expires_in):
    try:
        seconds = int(expires_in)
    except (TypeError, ValueError):
        return const.DEFAULT_TOKEN_LIFETIME
    return seconds if seconds > 0 else const.DEFAULT_TOKEN_LIFETIME


def _retry_after_seconds(value):
    """``Retry-After`` in seconds (delta-seconds or HTTP date); None when absent or
    unreadable.
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    return max(0.0, (when - datetime.datetime.now(datetime.UTC)).total_seconds())


def _parse_error_body(response):
    """(error items, short text) of a failed answer: ``errors`` list, OAuth error, or
    text.
    """
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list):
            return [_error_item(entry, response.status_code) for entry in errors], ""
        if isinstance(body.get("error"), str):
            # OAuth style: {"error": "invalid_client", "error_description": "..."}
            description = body.get("error_description")
            item = _error_item({"message": body["error"]}, response.status_code)
            return [item], description if isinstance(description, str) else ""
        if isinstance(body.get("message"), str):
            return [_error_item({"message": body["message"]}, response.status_code)], ""
    return [], _short_text(response.text)


def _error_item(entry, status):
    if not isinstance(entry, dict):
        return ProcountorErrorItem(status=status, message=str(entry))
    message = entry.get("message")
    return ProcountorErrorItem(
        status=entry.get("status", status),
        field=entry.get("field"),
        message=message if message is None or isinstance(message, str) else str(message),
    )


def _short_text(text, limit=200):
    """A one-line gist of a non-JSON body: an HTML page's title (nginx) or its stripped
    text.
    """
    if not text:
        return ""
    title = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
    if title:
        text = title.group(1)
    else:
        text = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", text, flags=re.IGNORECASE | re.DOTALL)
        text = re.sub(r"<[^>]+>", " ", text)
    text = " ".join(html.unescape(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _root_reason(exc):
    """The urllib3 error behind a requests exception (unwrapping MaxRetryError), or
    None.
    """
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return reason


def _short_reason(reason, exc):
    text = str(reason if isinstance(reason, BaseException) else exc) or type(exc).__name__
    # urllib3 prefixes messages with the connection object's repr; keep the human part
    # at the end.
    return text.rsplit(">: ", 1)[-1][:200]
