"""What makes the fake LMS hostile on purpose: faults, rate limits, expiring tokens, and the logs that prove outcomes.

- :class:`Fault`: a scheduled misbehaviour for matching requests — an HTTP status (500/502/503/429 with
  ``Retry-After``), a stall past the client's timeout, a connection reset, or a ``hold`` that applies a write,
  signals the test and waits (to kill a client between a write and its journal entry). ``phase="after"``
  applies the request first and then misbehaves, as a proxy that drops a response does.
- :class:`RateLimiter`: a sliding-window limit on accepted requests; over it, 429 with ``Retry-After``.
- :class:`TokenStore`: OAuth2 client-credentials tokens (JWT or opaque Bearer) that expire after N seconds or
  N uses, or when revoked.
- :class:`Traffic`: every request (arrival time, method, path, status) and every mutating request with its
  body and effects, so tests can count writes and find duplicates, and benchmarks the peak request rate.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import re
import secrets
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(eq=False)
class Fault:
    """A misbehaviour for requests matching ``method`` and ``path`` (a regex searched in the path).

    It lets ``skip`` matching requests through, then fires on the next ``times`` ones (``None``: forever).
    ``fired`` counts how often it fired, so a test can prove the fault really happened.
    """

    kind: Literal["status", "timeout", "reset", "hold"] = "status"
    status: int = 503
    method: str | None = None
    path: str | None = None
    times: int | None = 1
    skip: int = 0
    phase: Literal["before", "after"] = "before"
    retry_after: float | None = None
    seconds: float = 10.0
    body: Any = None
    fired: int = 0
    seen: int = 0
    reached: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        if self.kind == "hold":
            self.phase = "after"

    def matches(self, method: str, path: str, phase: str) -> bool:
        return (self.phase == phase and (self.method is None or self.method.upper() == method)
                and (self.path is None or re.search(self.path, path) is not None))

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times


class FaultSchedule:
    """The faults in force, first added first matched."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            for fault in self.faults:
                fault.release.set()
            self.faults.clear()

    def take(self, method: str, path: str, phase: str) -> Fault | None:
        """The fault that fires for this request in this phase, counted; ``None`` when none does."""
        with self._lock:
            for fault in self.faults:
                if fault.exhausted or not fault.matches(method, path, phase):
                    continue
                fault.seen += 1
                if fault.seen <= fault.skip:
                    continue
                fault.fired += 1
                return fault
        return None


class RateLimiter:
    """At most ``limit`` accepted requests in any ``per`` seconds; the rest get 429 and a ``Retry-After``."""

    def __init__(self, limit: int, per: float = 1.0, retry_after: float | None = None):
        self.limit, self.per, self.retry_after = limit, per, retry_after
        self._times: deque[float] = deque()
        self._lock = threading.Lock()
        self.rejected = 0

    def check(self, now: float) -> float | None:
        """Record and allow the request (``None``), or return the seconds the client must wait."""
        with self._lock:
            while self._times and now - self._times[0] >= self.per:
                self._times.popleft()
            if len(self._times) < self.limit:
                self._times.append(now)
                return None
            self.rejected += 1
            wait = self.per - (now - self._times[0])
            return self.retry_after if self.retry_after is not None else max(wait, 0.0)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@dataclass
class Token:
    value: str
    kind: str
    client_id: str
    username: str
    issued: float
    expires: float
    uses: int = 0
    revoked: bool = False


class TokenStore:
    """Client-credentials tokens: JWTs (``Authorization: JWT …``) or opaque ones (``Authorization: Bearer …``)."""

    def __init__(self, clients: dict[str, str], ttl: float = 3600.0, max_uses: int | None = None,
                 service_user: str = "sync_service"):
        self.clients, self.ttl, self.max_uses, self.service_user = clients, ttl, max_uses, service_user
        self._secret = secrets.token_bytes(32)
        self._tokens: dict[str, Token] = {}
        self._lock = threading.Lock()
        self.issued = 0

    def issue(self, client_id: str, client_secret: str, token_type: str) -> Token | None:
        if self.clients.get(client_id) != client_secret:
            return None
        now = time.time()
        if token_type.lower() == "jwt":
            header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
            claims = {"iss": "http://127.0.0.1/oauth2", "aud": "openedx", "sub": client_id, "jti": secrets.token_hex(8),
                      "preferred_username": self.service_user, "administrator": True, "iat": int(now),
                      "exp": int(now + self.ttl), "scopes": ["read", "write", "email", "profile"]}
            payload = _b64(json.dumps(claims).encode())
            signature = _b64(hmac.new(self._secret, f"{header}.{payload}".encode(), hashlib.sha256).digest())
            token = Token(f"{header}.{payload}.{signature}", "JWT", client_id, self.service_user, now, now + self.ttl)
        else:
            token = Token(secrets.token_urlsafe(24), "Bearer", client_id, self.service_user, now, now + self.ttl)
        with self._lock:
            self._tokens[token.value] = token
            self.issued += 1
        return token

    def authenticate(self, header: str | None) -> tuple[str | None, str]:
        """The caller's username, or ``None`` and the 401 detail a DRF view would give."""
        if not header or " " not in header:
            return None, "Authentication credentials were not provided."
        scheme, _, value = header.partition(" ")
        with self._lock:
            token = self._tokens.get(value.strip())
            if token is None or token.kind.lower() != scheme.lower():
                return None, "Invalid token." if scheme in ("JWT", "Bearer") else \
                    "Authentication credentials were not provided."
            token.uses += 1
            if token.revoked or time.time() >= token.expires or (self.max_uses and token.uses > self.max_uses):
                return None, "Signature has expired." if token.kind == "JWT" else "The access token has expired."
            return token.username, ""

    def revoke_all(self) -> None:
        with self._lock:
            for token in self._tokens.values():
                token.revoked = True


@dataclass
class RequestRecord:
    t: float
    method: str
    path: str
    status: int = 0
    note: str = ""


@dataclass
class WriteRecord:
    """A mutating request: its body, the response status, and what it changed (``effects``, when ``applied``)."""

    seq: int
    t: float
    method: str
    path: str
    body: Any
    status: int = 0
    applied: bool = False
    effects: list[tuple] = field(default_factory=list)
    note: str = ""


class Traffic:
    """The request log and the write log."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: list[RequestRecord] = []
        self.writes: list[WriteRecord] = []

    def request(self, method: str, path: str) -> RequestRecord:
        record = RequestRecord(time.monotonic(), method, path)
        with self._lock:
            self.requests.append(record)
        return record

    def write(self, method: str, path: str, body: Any) -> WriteRecord:
        with self._lock:
            record = WriteRecord(len(self.writes) + 1, time.monotonic(), method, path, body)
            self.writes.append(record)
        return record

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.writes.clear()

    def effects(self) -> list[tuple]:
        """Every change applied, in order, one tuple per item: ``("override", course, user_id, usage, 80, 100)``."""
        with self._lock:
            return [effect for w in self.writes if w.applied for effect in w.effects]

    def duplicates(self) -> dict[tuple, int]:
        """Changes applied more than once, with their counts (empty when no write was repeated)."""
        return {effect: n for effect, n in Counter(self.effects()).items() if n > 1}

    def max_in_window(self, window: float = 1.0, path: str | None = None) -> int:
        """The most requests that arrived within any ``window`` seconds (sliding), optionally for paths matching."""
        with self._lock:
            times = sorted(r.t for r in self.requests if path is None or re.search(path, r.path))
        best, start = 0, 0
        for end, t in enumerate(times):
            while t - times[start] >= window:
                start += 1
            best = max(best, end - start + 1)
        return best

    def per_second(self, path: str | None = None) -> dict[int, int]:
        """Requests per whole second since the first one (fixed windows)."""
        with self._lock:
            times = [r.t for r in self.requests if path is None or re.search(path, r.path)]
        if not times:
            return {}
        first = min(times)
        return dict(sorted(Counter(math.floor(t - first) for t in times).items()))

    def count(self, method: str | None = None, path: str | None = None, status: int | None = None) -> int:
        with self._lock:
            return sum(1 for r in self.requests if (method is None or r.method == method)
                       and (path is None or re.search(path, r.path)) and (status is None or r.status == status))
