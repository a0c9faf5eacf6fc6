"""Procountor REST client: plain Python on ``requests``, never imports Odoo.

Every endpoint method goes through one funnel, ``ProcountorClient.request``, which adds
the bearer token, the timeout and the retry policy, times and logs the call, reports it
to ``on_exchange`` and turns failures into the exceptions of
``procountor_api.exceptions``. Contract: docs/architecture.md ("Client").
"""

import dataclasses
import json as jsonlib
import logging
import time
from contextlib import nullcontext

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import (
    ConnectTimeoutError,
    ReadTimeoutError,
)

from . import const
from .client_support import (
    _PRE_SEND_ERRORS,
    _TEXT_CONTENT,
    CREDENTIALS_REFUSED,
    MESSAGE_CAP,
    MESSAGE_ITEMS,
    SAFE_METHODS,
    TOKEN_OPERATION,
    TOKEN_PATH,
    TOKEN_REJECTED_TWICE,
    _check_api_version_path,
    _check_base_url,
    _check_page_size,
    _check_shape,
    _check_timeout,
    _chunks,
    _clean_ids,
    _is_last_page,
    _lifetime,
    _parse_error_body,
    _query,
    _read_capped,
    _retry_after_seconds,
    _root_reason,
    _short_reason,
    _unpack_page,
)
from .endpoints import ProcountorEndpoints
from .exceptions import (
    ProcountorAuthError,
    ProcountorConnectionError,
    ProcountorError,
    ProcountorNotFoundError,
    ProcountorPermissionError,
    ProcountorRateLimitError,
    ProcountorServerError,
    ProcountorTimeoutError,
    ProcountorValidationError,
)
from .redact import Redactor, cap
from .transport import (  # noqa: F401 - Exchange and MemoryTokenStore are part of the client's interface
    Exchange,
    MemoryTokenStore,
    build_retry,
)

_logger = logging.getLogger(__name__)


class ProcountorClient(ProcountorEndpoints):
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
        throttle=None,
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
        #: A ``throttle.ConnectionThrottle`` shared by every client of the connection in this
        #: process (None: no limit, one request at a time as the caller makes them).
        self.throttle = throttle
        self.timeout = _check_timeout(timeout)
        if max_retries < 0 or backoff_factor < 0 or backoff_max < 0:
            raise ValueError("max_retries, backoff_factor and backoff_max must not be negative")
        #: Longest answer body read (bytes); a longer one is refused unread.
        self.max_response_bytes = const.RESPONSE_BODY_MAX_BYTES
        #: Seconds since the epoch; an attribute so that tests can move time forward.
        self.clock = time.time
        # The token request is a POST, which the transport never retries; asking again
        # changes no data in the company, so ``fetch_token`` retries it with the same bounds.
        self._token_retries = (max_retries, backoff_factor, backoff_max)
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
        raw=False,
    ):
        """Send one API call and return its decoded JSON body (``None`` when empty).

        ``raw``: return the ``requests.Response`` of a success instead of decoding it (the
        multipart/mixed answers of attachments and invoice images).

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
            "raw": raw,
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
        raw=False,
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
        response = None
        result = None
        error = None
        complete = True
        # The slot is held for the whole call, body included; waiting for it (the
        # connection's rate, a 429's pause) is not counted in the call's duration.
        with self.throttle.slot() if self.throttle is not None else nullcontext():
            started = time.monotonic()
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
        elif response is not None and error is None and raw and response.status_code in expected:
            result = response
        elif response is not None and error is None:
            try:
                result = self._result(response, method, path, operation, expected, writes)
                _check_shape(result, shape, writes, status=response.status_code, **context)
            except ProcountorError as exc:
                error = exc
        if isinstance(error, ProcountorRateLimitError) and self.throttle is not None:
            # The limit is the connection's, not this thread's: every request waits.
            self.throttle.pause(error.retry_after)
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
        touched."""
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
            body = self._send_token_request(form)
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

    def _send_token_request(self, form):
        """POST the token form; a 5xx, a timeout, a connection lost after sending or a 429 with
        a short ``Retry-After`` is tried again (as the transport does for GETs): a batch must not
        end because the token endpoint hiccupped once."""
        retries, factor, cap = self._token_retries
        attempt = 0
        while True:
            try:
                return self._send(
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
            # Not a connection that could not be opened: the transport retries those already,
            # for every method (``build_retry``: ``connect``).
            except (
                ProcountorServerError,
                ProcountorTimeoutError,
                ProcountorRateLimitError,
            ) as exc:
                wait = min(cap, factor * 2**attempt)
                if isinstance(exc, ProcountorRateLimitError) and exc.retry_after is not None:
                    wait = exc.retry_after
                # An unreadable 200 (a login page) is no passing fault: only 5xx, 429 and
                # lost connections are.
                answered_oddly = isinstance(exc, ProcountorServerError) and (exc.status or 0) < 500
                if attempt == retries or answered_oddly or not exc.retryable or wait > cap:
                    raise
                if wait > 0:
                    time.sleep(wait)
                attempt += 1

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
