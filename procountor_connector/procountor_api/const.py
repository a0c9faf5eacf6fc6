"""Literals of the Procountor REST client: hosts, API paths, limits, timeouts and secret
key names.

Plain Python: imported by the Odoo addon and by the pure-Python test suite alike.
"""

import re

#: Host roots per environment (no ``/api``); "custom" connections give their own base
#: URL.
ENVIRONMENT_URLS = {
    "production": "https://api.procountor.com",
    "test": "https://pts-api.procountor.com",
}

#: Fixed API root paths. ``api`` is the bare path, ``latest/api`` the monthly release,
#: ``supported/api`` the quarterly one; a pinned numbered release is ``vYYMM/api``
#: (checked with API_VERSION_PATH_PATTERN).
API_VERSION_PATHS = ("api", "latest/api", "supported/api")
API_VERSION_PATH_PATTERN = re.compile(r"^v\d{2}(0[1-9]|1[0-2])/api$")
DEFAULT_API_VERSION_PATH = "api"

#: Seconds. Every HTTP call carries an explicit (connect, read) timeout.
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 30
#: Uploads of up to 10 MB need a longer read timeout than ordinary calls.
UPLOAD_READ_TIMEOUT = 60

#: Procountor caps ``size`` at 200 rows per page and comma-separated id lists at 200
#: ids.
PAGE_SIZE_MAX = 200
BATCH_IDS_MAX = 200

#: A cached token is treated as expired this many seconds before its real expiry, so
#: that a call started just before expiry does not reach Procountor with a dead token.
TOKEN_EXPIRY_MARGIN = 60
#: Lifetime assumed when the token response carries no usable ``expires_in`` (every
#: source reports 3600).
DEFAULT_TOKEN_LIFETIME = 3600

#: Longest answer body the client reads (bytes). Procountor's largest answers (a page of
#: 200 invoices with their rows) stay far below; a larger body is refused unread.
RESPONSE_BODY_MAX_BYTES = 20_000_000

#: Upper bound of a connection's read timeout (seconds): an Odoo worker waiting longer
#: than this for one answer would be killed by the server's own limits anyway.
READ_TIMEOUT_MAX = 300

#: Longest request or response body text kept in an ``Exchange`` (characters).
EXCHANGE_BODY_CAP = 20000

#: Procountor refuses attachments above this size ("File size too big").
ATTACHMENT_MAX_BYTES = 10_000_000

#: HTTP statuses after which a GET is retried (urllib3 Retry); writes are never retried
#: on a status.
RETRY_STATUSES = (429, 502, 503, 504)

#: Keys whose values are masked in logs and Exchange bodies. Compared case-insensitively
#: with ``_`` and ``-`` removed, so ``clientSecret``, ``client-secret`` and
#: ``CLIENT_SECRET`` all match.
SECRET_KEYS = frozenset(
    {
        "client_secret",
        "api_key",
        "access_token",
        "refresh_token",
        "id_token",
        "Authorization",
        "Proxy-Authorization",
        "password",
        "secret",
        "token",
        "X-Api-Key",
    }
)
#: What a masked value is replaced with.
REDACTED = "***"

#: Default ``User-Agent`` of the client.
USER_AGENT = "procountor-connector (python-requests)"
