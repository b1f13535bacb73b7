"""``PushPathGuard``: the API server's root middleware for everything under ``/every8d``, in any case.

Starlette matches a mount's prefix case-sensitively and exactly: ``/Every8d/push/<token>`` would fall
through to the UI's catch-all (200: the platform stops retrying, the report is lost), ``/every8d`` to a
307 whose ``Location`` is built from the ``Host`` header, and a method other than GET to a 405 that tells
a scanner the receiver is there. This middleware, which runs before Airflow's router, sends every path
whose prefix is ``/every8d`` in any case and with any run of slashes to the receiver's single catch-all
route, so every variant gets the same answers. Once the response is sent it rewrites the request's
scope, which Airflow's access log reads afterwards: ``/every8d/push/***`` (or ``/every8d/***``) and no
query, so neither the token nor a number nor a reply text reaches the access log on any variant.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

PREFIX = "every8d"
_SLASHES = re.compile(r"/{2,}")


def receiver_route(path: str) -> str | None:
    """The route under the prefix (``push/<token>``, case kept) when ``path`` (the path below the API's
    root) is ``/every8d`` or below it in any case and with repeated slashes; None for any other path."""
    collapsed = _SLASHES.sub("/", path)
    head, _, route = collapsed.lstrip("/").partition("/")
    return route if head.lower() == PREFIX else None


def scrubbed_path(route: str) -> str:
    """What the access log may show for a receiver path: the token and anything after it replaced."""
    return f"/{PREFIX}/push/***" if route.lower().lstrip("/").startswith("push") else f"/{PREFIX}/***"


class PushPathGuard:
    """Root middleware (``AirflowPlugin.fastapi_root_middlewares``): hands receiver paths to the receiver."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        root = scope.get("root_path", "") or ""
        below_root = path[len(root):] if root and path.startswith(root) else path
        route = receiver_route(below_root)
        if route is None:
            await self.app(scope, receive, send)
            return
        from airflow_provider_every8d.plugins.receiver import receiver_app

        child = {**scope, "path": f"/{route}", "raw_path": f"/{route}".encode(), "root_path": ""}
        try:
            await receiver_app()(child, receive, send)
        finally:
            scope["path"] = path[: len(path) - len(below_root)] + scrubbed_path(route)
            scope["raw_path"] = scope["path"].encode("utf-8")
            scope["query_string"] = b""
