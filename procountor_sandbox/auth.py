"""Access tokens of the sandbox's M2M (client-credentials) flow.

Tokens look like Procountor's JWTs (header.claims.signature, claims as seen in
public client fixtures) but only the registry decides whether one is valid: tokens
are kept in memory and die with the process, after ``lifetime`` seconds, or when the
control API expires them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class TokenRegistry:
    def __init__(self, lifetime: int, issuer: str = "procountor-sandbox"):
        self.lifetime = lifetime
        self.issuer = issuer
        self._key = secrets.token_bytes(32)
        self._tokens: dict[str, float] = {}
        self._lock = threading.Lock()

    def issue(self, client_id: str, company_id: int, user_id: int) -> str:
        now = int(time.time())
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        claims = {
            "iss": self.issuer,
            "aud": client_id,
            "sub": user_id,
            "cid": company_id,
            "jti": secrets.token_hex(8),
            "iat": now,
            "auth_time": now,
            "exp": now + self.lifetime,
            "scope": "m2m",
        }
        body = _b64(json.dumps(claims, separators=(",", ":")).encode())
        signature = hmac.new(self._key, f"{header}.{body}".encode(), hashlib.sha256)
        token = f"{header}.{body}.{_b64(signature.digest())}"
        with self._lock:
            self._tokens[token] = time.time() + self.lifetime
        return token

    def is_valid(self, token: str | None) -> bool:
        if not token:
            return False
        with self._lock:
            expires_at = self._tokens.get(token)
            if expires_at is None:
                return False
            if expires_at <= time.time():
                del self._tokens[token]
                return False
            return True

    def expire_all(self) -> int:
        """Forget every token (the next API call gets 401); returns how many."""
        with self._lock:
            count = len(self._tokens)
            self._tokens.clear()
            return count

    def count(self) -> int:
        with self._lock:
            return len(self._tokens)
