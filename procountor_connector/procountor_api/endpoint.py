"""The one check of a Procountor base URL, shared by the client and the Odoo connection.

Plain Python. The client refuses a bad URL with ``ValueError``; the connection model refuses
it at save time with a translated message chosen by the problem code, so a connection that
could be saved can always build a client.

A base URL is the host root: scheme, host and optional port, nothing else.
- no user info (``user:password@``): it would be sent to the host and shown in logs;
- no query or fragment, no path: the API version path (``api``, ``latest/api``,
  ``vYYMM/api``) is a setting of its own, and a path repeating it would double it;
- ``https`` only, except for loopback hosts (``localhost``, ``127.0.0.0/8``, ``::1``):
  the local sandbox speaks plain HTTP, anything that leaves the machine carries secrets.
"""

import ipaddress
import re
from urllib.parse import urlsplit

#: Problem codes of ``base_url_problem`` (the model maps each to a translated message).
EMPTY = "empty"
SCHEME = "scheme"
HOST = "host"
PORT = "port"
USERINFO = "userinfo"
QUERY = "query"
API_PATH = "api_path"
PATH = "path"
HTTPS = "https"

MESSAGES = {
    EMPTY: "the base URL is empty",
    SCHEME: "the base URL must start with https:// (or http:// for a loopback host)",
    HOST: "the base URL has no valid host name",
    PORT: "the base URL has an invalid port",
    USERINFO: "the base URL must not contain a user name or password",
    QUERY: "the base URL must not contain a query (?...) or a fragment (#...)",
    API_PATH: "the base URL is the host root: choose the API version separately, without /api",
    PATH: "the base URL is the host root: scheme, host and port only, without a path",
    HTTPS: "the base URL must use https:// unless the host is this machine (loopback)",
}

#: A DNS name (``hostname`` is lower case): labels of letters, digits, ``-`` and ``_``.
_LABEL = r"[a-z0-9_][a-z0-9_-]{0,62}"
_HOST_NAME = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*\.?$")
_API_PATH_END = re.compile(r"(^|/)(api|v\d{4}/api|latest/api|supported/api)/?$", re.IGNORECASE)
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s?#@]*@")


def is_loopback_host(host):
    """True for ``localhost`` and loopback addresses (IPv4 127.0.0.0/8, IPv6 ::1)."""
    host = (host or "").strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def base_url_problem(url):
    """The code of the first problem of ``url`` as a Procountor base URL, or None if it is fine."""
    if not isinstance(url, str) or not url.strip():
        return EMPTY
    url = url.strip()
    if any(char.isspace() or ord(char) < 32 for char in url):
        return HOST
    try:
        parts = urlsplit(url)
    except ValueError:
        return HOST
    if parts.scheme.lower() not in ("http", "https") or not url.lower().startswith(
        parts.scheme.lower() + "://"
    ):
        return SCHEME
    if "@" in parts.netloc:
        return USERINFO
    if parts.query or parts.fragment or "?" in url or "#" in url:
        return QUERY
    if parts.path not in ("", "/"):
        return API_PATH if _API_PATH_END.search(parts.path) else PATH
    host = parts.hostname
    if not host:
        return HOST
    try:
        parts.port  # noqa: B018  (urlsplit checks the port only when it is read)
    except ValueError:
        return PORT
    if ":" in host:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return HOST
    elif not _HOST_NAME.match(host):
        return HOST
    if parts.scheme.lower() == "http" and not is_loopback_host(host):
        return HTTPS
    return None


def normalize_base_url(url):
    """``url`` as the client uses it (no trailing slash); ``ValueError`` when it is not valid.

    The message never repeats a URL that carries user info.
    """
    problem = base_url_problem(url)
    if problem:
        shown = "" if problem == USERINFO else f": {hide_userinfo(str(url).strip())!r}"
        raise ValueError(f"Procountor {MESSAGES[problem]}{shown}")
    parts = urlsplit(url.strip())
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def hide_userinfo(text):
    """``text`` with the user info of every URL in it (``//user:password@``) masked."""
    if not text or "@" not in text:
        return text
    return _USERINFO.sub(r"\1***@", text)
