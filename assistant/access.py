"""Who may reach the chat server: secure defaults checked before it starts, and a throttle on logins.

* Binding beyond loopback requires a login (username *and* password) or an explicit
  ``--insecure``; half-configured auth refuses to start rather than silently serving
  without one.
* ``LoginThrottle`` is a plain ASGI middleware in front of Gradio's ``POST /login``:
  after ``max_failures`` failed logins from one client address, that client gets
  HTTP 429 for ``lockout_seconds`` (a success clears its count). Gradio's own auth
  callback never sees the client, hence the middleware.

Kept free of Gradio imports so the CLI can refuse quickly, before the UI loads.
"""
from __future__ import annotations

import ipaddress
import json
import threading
import time
from collections.abc import Callable

from assistant.settings import Settings


class ServeRefused(RuntimeError):
    """The server would start in an unsafe configuration; the message says what to set."""


def is_loopback(host: str) -> bool:
    if host.strip().lower() in ("localhost", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False   # a host name or an interface address: reachable from elsewhere


def check_serving(settings: Settings, host: str, insecure: bool = False) -> None:
    """Raise ``ServeRefused`` unless serving ``host`` with these settings is safe (or explicitly allowed)."""
    username = settings.auth_username.strip()
    password = settings.auth_password.get_secret_value() if settings.auth_password else ""
    if bool(username) != bool(password):
        missing, given = ("auth_password", "auth_username") if username else ("auth_username", "auth_password")
        raise ServeRefused(f"{given} is set but {missing} is empty; set both (POLICY_ASSISTANT_AUTH_USERNAME and "
                           "POLICY_ASSISTANT_AUTH_PASSWORD) to require a login, or neither")
    if not is_loopback(host) and not username and not insecure:
        raise ServeRefused(f"serving on {host} makes the assistant reachable from other machines without a login; "
                           "set auth_username and auth_password (POLICY_ASSISTANT_AUTH_USERNAME / _PASSWORD), "
                           "or pass --insecure to do it anyway")


class LoginThrottle:
    """ASGI middleware: lock a client out of ``/login`` after repeated failures."""

    def __init__(self, app, max_failures: int = 5, lockout_seconds: float = 300,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.app = app
        self.max_failures = max_failures
        self.lockout_seconds = lockout_seconds
        self.clock = clock
        self._failures: dict[str, list[float]] = {}     # client -> times of recent failures
        self._locked_until: dict[str, float] = {}
        self._lock = threading.Lock()

    async def __call__(self, scope, receive, send):
        if scope.get("type") != "http" or scope.get("method") != "POST" or \
                scope.get("path", "").rstrip("/").rsplit("/", 1)[-1] != "login":
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("?", 0))[0]
        wait = self.seconds_locked(client)
        if wait > 0:
            await _reply(send, 429, {"detail": f"Too many failed logins; try again in {int(wait // 60) + 1} min."},
                         [(b"retry-after", str(int(wait) + 1).encode())])
            return
        status = {}

        async def watch(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        await self.app(scope, receive, watch)
        self.record(client, ok=status.get("code") == 200)

    def seconds_locked(self, client: str) -> float:
        with self._lock:
            return max(0.0, self._locked_until.get(client, 0.0) - self.clock())

    def record(self, client: str, ok: bool) -> None:
        now = self.clock()
        with self._lock:
            if ok:
                self._failures.pop(client, None)
                return
            recent = [t for t in self._failures.get(client, []) if now - t < self.lockout_seconds] + [now]
            if len(recent) >= self.max_failures:
                self._locked_until[client] = now + self.lockout_seconds
                recent = []
            self._failures[client] = recent


async def _reply(send, status: int, body: dict, headers: list[tuple[bytes, bytes]]) -> None:
    payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
                            *headers]})
    await send({"type": "http.response.body", "body": payload})
