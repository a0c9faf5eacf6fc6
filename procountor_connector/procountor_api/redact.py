"""Masking of secrets in bodies, URLs and free text before they are logged or stored in
an Exchange.

Two layers, because either alone can miss something:
- key-based: values under a key named in ``SECRET_KEYS`` (at any depth of a JSON body or
  in a form body) are masked;
- value-based: the literal secrets the client knows (client secret, API key, current
  token) are scrubbed from any text, in case a server echoes them somewhere unexpected
  (an error page, a message string).
"""

import json
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .const import EXCHANGE_BODY_CAP, REDACTED, SECRET_KEYS
from .endpoint import hide_userinfo

#: Literal secrets shorter than this are scrubbed from free text only where they stand
#: alone (not inside a longer word or number): replacing every "ab" would mangle
#: unrelated text, but a short secret must not be shown either.
MIN_SCRUB_LENGTH = 6
#: Keys whose values are masked in text that is not JSON (a form body, a broken JSON
#: text, an error page): ``access_token=...``, ``"refresh_token": "..."``.
_TOKEN_PAIR = re.compile(
    r"""(?ix)
    (["']?(?:access|refresh|id)[_-]?token["']?\s*[:=]\s*["']?)
    ([^"'&,;\s}\]]+)
    """
)


def _normalise_key(key):
    return str(key).lower().replace("_", "").replace("-", "")


_SECRET_KEYS_NORMALISED = frozenset(_normalise_key(key) for key in SECRET_KEYS)


def is_secret_key(key):
    """True when a value stored under ``key`` must never be shown."""
    return _normalise_key(key) in _SECRET_KEYS_NORMALISED


class Redactor:
    """Masks secrets by key and scrubs known literal secret values from text."""

    def __init__(self, secrets=()):
        self._secrets = set()
        for secret in secrets:
            self.add_secret(secret)

    def add_secret(self, secret):
        """Remember a literal value (e.g. a freshly fetched access token) to scrub from
        text.
        """
        if secret and isinstance(secret, str) and secret.strip():
            self._secrets.add(secret)

    def text(self, value):
        """``value`` with every known secret replaced (longest first: nested secrets
        stay whole) and the user info of any URL in it masked.

        Short secrets are replaced only where they stand alone, between characters
        that are not letters or digits.
        """
        if not value:
            return value
        for secret in sorted(self._secrets, key=len, reverse=True):
            if len(secret) >= MIN_SCRUB_LENGTH:
                value = value.replace(secret, REDACTED)
            else:
                pattern = rf"(?<![0-9A-Za-z]){re.escape(secret)}(?![0-9A-Za-z])"
                value = re.sub(pattern, REDACTED, value)
        return hide_userinfo(value)

    def data(self, value):
        """A deep copy of a JSON-like value with secret keys masked and secret strings
        scrubbed.
        """
        if isinstance(value, dict):
            return {
                key: (REDACTED if is_secret_key(key) and item is not None else self.data(item))
                for key, item in value.items()
            }
        if isinstance(value, (list, tuple)):
            return [self.data(item) for item in value]
        if isinstance(value, str):
            return self.text(value)
        return value

    def form(self, pairs):
        """A form body (dict or list of pairs) as URL-encoded text with secret fields
        masked.
        """
        items = pairs.items() if isinstance(pairs, dict) else pairs
        masked = [
            (key, REDACTED if is_secret_key(key) else self.text(str(val))) for key, val in items
        ]
        return urlencode(masked, safe="*")

    def form_text(self, body):
        """An already encoded form body, parsed and masked."""
        return self.form(parse_qsl(body, keep_blank_values=True))

    def json_text(self, text):
        """A JSON text re-serialised with secrets masked; non-JSON text is only
        scrubbed.
        """
        try:
            parsed = json.loads(text)
        except ValueError:
            return self.text(text)
        return json.dumps(self.data(parsed), ensure_ascii=False, default=str)

    def body(self, text, secret_answer=False):
        """A response or request body of any content type, with secrets masked.

        JSON (whatever the content type says) is masked by key at any depth; any other
        text gets token ``key=value`` / ``"key": "value"`` pairs masked and known
        secrets scrubbed. ``secret_answer`` (the token endpoint's answer): a body that
        is neither JSON nor a form is not shown at all, since its token could be
        anywhere in it.
        """
        if not text:
            return text
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        else:
            return json.dumps(self.data(parsed), ensure_ascii=False, default=str)
        if secret_answer:
            pairs = parse_qsl(text.strip(), keep_blank_values=True)
            if pairs and any(is_secret_key(key) for key, _value in pairs):
                return self.form(pairs)
        masked = _TOKEN_PAIR.sub(lambda match: match.group(1) + REDACTED, text)
        if secret_answer and masked == text and re.search("token", text, re.IGNORECASE):
            # Speaks of a token in a shape we cannot take apart: show nothing of it.
            return f"<{len(text)} characters of a token answer, not shown>"
        return self.text(masked)

    def url(self, url):
        """A URL with secret query parameters masked and known secrets scrubbed."""
        parts = urlsplit(url)
        if not parts.query:
            return self.text(url)
        query = self.form(parse_qsl(parts.query, keep_blank_values=True))
        return self.text(urlunsplit(parts._replace(query=query)))

    def headers(self, headers):
        """Headers as a plain dict with secret headers (Authorization...) masked."""
        return {
            key: (REDACTED if is_secret_key(key) else self.text(str(val)))
            for key, val in headers.items()
        }


def cap(text, limit=EXCHANGE_BODY_CAP):
    """``text`` cut to at most ``limit`` characters, saying how much was cut."""
    if text is None or len(text) <= limit:
        return text
    # The marker's own length depends on the number it prints; a 12-digit allowance
    # keeps the total within limit.
    keep = max(0, limit - len("... [truncated 000000000000 characters]"))
    return f"{text[:keep]}... [truncated {len(text) - keep} characters]"
