"""How ``troly serve`` runs uvicorn: proxy headers only when asked, and a request-head deadline.

* uvicorn's defaults take the client address from ``X-Forwarded-For`` for connections from
  127.0.0.1 (``proxy_headers=True``, ``forwarded_allow_ips="127.0.0.1"``): with troly's
  ``TRUST_PROXY_HEADERS`` off, any local client could then pick its own address and walk
  past the rate limit. :func:`uvicorn_options` turns uvicorn's proxy handling on only when
  ``server.trust_proxy_headers`` is on, and then trusts ``server.forwarded_allow_ips``.
* uvicorn has no timeout for receiving a request head: ``timeout_keep_alive`` only covers
  idle time between requests and is reset by every byte, so a client that opens a
  connection and trickles (or never sends) its headers holds it forever.
  :func:`header_deadline_protocol` wraps uvicorn's HTTP protocol class with a deadline from
  the first byte of a request (or the connection) until its head is parsed; it is disarmed
  once the request is complete, so long answers and SSE streams are never cut.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

log = logging.getLogger("troly.api")


def header_deadline_protocol(base: type[Any], timeout: float) -> type[Any]:
    """A subclass of uvicorn's ``base`` protocol that closes connections which do not send
    a complete request head within ``timeout`` seconds."""

    class HeaderDeadlineProtocol(base):
        _troly_deadline: asyncio.TimerHandle | None = None

        def _waiting_for_head(self) -> bool:
            cycle = getattr(self, "cycle", None)
            return cycle is None or bool(getattr(cycle, "response_complete", False))

        def _arm(self) -> None:
            if self._troly_deadline is None and timeout > 0:
                self._troly_deadline = self.loop.call_later(timeout, self._expire)

        def _disarm(self) -> None:
            if self._troly_deadline is not None:
                self._troly_deadline.cancel()
                self._troly_deadline = None

        def _expire(self) -> None:
            self._troly_deadline = None
            transport = getattr(self, "transport", None)
            if transport is not None and not transport.is_closing() and self._waiting_for_head():
                client = getattr(self, "client", None)
                log.warning(
                    "closed a connection from %s: no complete request head in %.0fs",
                    client[0] if client else "?",
                    timeout,
                )
                transport.close()

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            if self._waiting_for_head():
                self._arm()
            super().data_received(data)
            if not self._waiting_for_head():
                self._disarm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            # Idle keep-alive is uvicorn's own timeout; the next request's first byte re-arms.
            self._disarm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

    HeaderDeadlineProtocol.__name__ = f"HeaderDeadline{base.__name__}"
    return HeaderDeadlineProtocol


def http_protocol_class() -> type[Any]:
    """uvicorn's 'auto' choice: httptools when installed, else h11."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

        return HttpToolsProtocol
    except ImportError:
        from uvicorn.protocols.http.h11_impl import H11Protocol

        return H11Protocol


def uvicorn_options(server: Any) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.run``/``uvicorn.Config`` from ``settings.server``."""
    trust = bool(server.trust_proxy_headers)
    opts: dict[str, Any] = {
        "proxy_headers": trust,
        "forwarded_allow_ips": server.forwarded_allow_ips if trust else "",
        "server_header": False,
        # Longer than clients' and proxies' idle pools (nginx keeps upstream connections 60 s):
        # with uvicorn's 5 s, a pooled connection closed by the server just as a client
        # reuses it fails that request (5 of 1,091 under load in `make reliability`).
        "timeout_keep_alive": 75,
    }
    timeout = float(server.header_timeout)
    if timeout > 0:
        opts["http"] = header_deadline_protocol(http_protocol_class(), timeout)
    return opts
