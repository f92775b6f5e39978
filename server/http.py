"""The streamable HTTP transport, safe to expose: a bearer token, Host and Origin checks.

- `PGARCHITECT_HTTP_TOKEN` turns on bearer-token auth: every request carries
  `Authorization: Bearer <token>`, compared in constant time; otherwise 401 with
  `WWW-Authenticate`. Binding anything but loopback without a token is refused at start: anyone
  reaching the port would run the tools as the database user (issue #13).
- Host and Origin are checked for every bind address (the SDK turns its check on for loopback
  only): `PGARCHITECT_HTTP_ALLOWED_HOSTS` / `PGARCHITECT_HTTP_ALLOWED_ORIGINS`, by default the
  loopback names (and, off loopback, this machine's names) with the port. A foreign Origin gets
  403, an unknown Host 421 (DNS rebinding).
- `listening on http://HOST:PORT/mcp` goes to stderr once the socket is bound; SIGTERM or SIGINT
  stop the server within about half a second: in-flight calls are cancelled (their statements
  cancelled, their transactions rolled back) and the pool is closed.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import socket
import sys
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from server.config import Settings
from tools.errors import ConfigError

MCP_PATH = "/mcp"
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
GRACEFUL_SHUTDOWN_S = 0.25  # in-flight calls are cancelled anyway; the 2 s budget is for exit
MAKE_TOKEN = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"


def is_loopback(host: str) -> bool:
    """Whether a bind address only accepts connections from this machine."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, settings: Settings) -> None:
    """Refuse to bind a non-loopback address without a token."""
    if settings.http_token is None and not is_loopback(host):
        raise ConfigError(
            f"refusing to serve HTTP on {host!r} without a token: anyone who reaches the port "
            "could run the tools as the database user; set PGARCHITECT_HTTP_TOKEN (make one "
            f"with {MAKE_TOKEN}) and have clients send 'Authorization: Bearer <token>', or bind "
            "127.0.0.1"
        )


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def transport_security(settings: Settings, host: str, port: int) -> TransportSecuritySettings:
    """Host and Origin allow-lists from the settings, or defaults for the bind address."""
    names = list(LOOPBACK_NAMES)
    if not is_loopback(host):
        wildcard = host in ("0.0.0.0", "::", "")
        names += [socket.gethostname(), socket.getfqdn()] + ([] if wildcard else [host])
    hosts = settings.http_allowed_hosts or [f"{_url_host(name)}:{port}" for name in names]
    origins = settings.http_allowed_origins or [
        f"{scheme}://{_url_host(name)}:{port}" for name in names for scheme in ("http", "https")
    ]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins
    )


class BearerAuth:
    """ASGI middleware: every HTTP request must carry the token (constant-time comparison)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.digest = hashlib.sha256(token.encode()).digest()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan events pass through
            await self.app(scope, receive, send)
            return
        scheme, _, given = Headers(scope=scope).get("authorization", "").partition(" ")
        digest = hashlib.sha256(given.strip().encode()).digest()
        if scheme.lower() == "bearer" and hmac.compare_digest(digest, self.digest):
            await self.app(scope, receive, send)
            return
        challenge = 'Bearer realm="pgarchitect"' + (', error="invalid_token"' if given else "")
        response = PlainTextResponse(
            "missing or wrong bearer token: send 'Authorization: Bearer <token>' with the "
            "server's PGARCHITECT_HTTP_TOKEN",
            status_code=401,
            headers={"WWW-Authenticate": challenge},
        )
        await response(scope, receive, send)


def build_http_app(server: MCPServer, settings: Settings, host: str, port: int) -> Any:
    """The ASGI app: the SDK's streamable HTTP app with our transport security and auth."""
    app: Any = server.streamable_http_app(
        streamable_http_path=MCP_PATH,
        transport_security=transport_security(settings, host, port),
        host=host,
    )
    if settings.http_token is not None:
        app = BearerAuth(app, settings.http_token.get_secret_value().strip())
    return app


def serve_http(server: MCPServer, settings: Settings, host: str, port: int) -> None:
    """Serve MCP over streamable HTTP until SIGTERM or SIGINT."""
    import uvicorn

    check_exposure(host, settings)
    config = uvicorn.Config(
        build_http_app(server, settings, host, port),
        host=host,
        port=port,
        log_level="warning",
        # uvicorn hints an int but waits on any number of seconds
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,  # type: ignore[arg-type]
        lifespan="on",
    )
    asyncio.run(_serve(uvicorn.Server(config), host, port))


async def _serve(server: Any, host: str, port: int) -> None:
    task = asyncio.create_task(server.serve())
    while not server.started and not task.done():
        await asyncio.sleep(0.05)
    if server.started:
        url = f"http://{_url_host(host)}:{port}{MCP_PATH}"
        print(f"pgarchitect: listening on {url}", file=sys.stderr, flush=True)
    try:
        await task
    except SystemExit:  # uvicorn exits when it cannot bind
        raise ConfigError(
            f"could not listen on {host}:{port} (the port in use, or the address not this "
            "machine's?); pass another --port or --host"
        ) from None
