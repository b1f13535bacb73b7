"""Helpers for the send engine's unit tests. A scripted platform answers the engine's real requests with
the bytes EVERY8D would send, parsed by the protocol, or with the protocol's errors. No HTTP: what goes over
the wire is for the emulator tests (tests/integration/operators)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from airflow_provider_every8d.protocol.endpoints import Endpoint
from airflow_provider_every8d.protocol.request import ApiRequest
from airflow_provider_every8d.sending import MemoryStore, Send, phone_recipients


class Platform:
    """``call(request)`` for :func:`sending.run`. Without a script entry a send is accepted in full (batch
    ``B<n>``) and a balance query answered; ``script`` entries (bytes to parse, or an exception to raise)
    are used first, one per request."""

    def __init__(self, credit: float = 1000.0) -> None:
        self.credit = credit
        self.requests: list[ApiRequest] = []
        self.script: list[bytes | Exception | None] = []

    def __call__(self, request: ApiRequest) -> Any:
        self.requests.append(request)
        item = self.script.pop(0) if self.script else None
        if isinstance(item, Exception):
            raise item
        if item is None:
            item = self._accept(request)
        return request.parse(item)

    def _accept(self, request: ApiRequest) -> bytes:
        if request.endpoint is Endpoint.CREDIT:
            return f"{self.credit:.2f}".encode()
        self.credit -= request.estimated_cost
        return (f"{self.credit:.1f},{len(request.recipients)},{request.estimated_cost:.1f},0,"
                f"B{len(self.sends())}").encode()

    def sends(self) -> list[ApiRequest]:
        return [r for r in self.requests if r.endpoint is not Endpoint.CREDIT]

    def sent_to(self) -> list[str]:
        """Every number a send request carried, in order (a number twice = texted twice)."""
        return [number for request in self.sends() for number in request.recipients]


class JsonStore(MemoryStore):
    """A store as task_state_store is one: values go through JSON."""

    def set(self, key: str, value: Any) -> None:
        super().set(key, json.loads(json.dumps(value)))

    def dump(self) -> str:
        return json.dumps(self.values)


def sms_send(recipients: list[str], **options: Any) -> Send:
    """A plain SMS send of "hi" (1 point each), rechecked through the filter when its answer was lost."""
    from airflow_provider_every8d.protocol.build import sms_request

    build: Callable[[list[Any], bool], ApiRequest] = lambda items, recheck: sms_request(  # noqa: E731
        "hi", items, deduplicate=bool(options.get("deduplicate")) or recheck)
    return Send(phone_recipients(recipients), build, **{"can_recheck": True, **options})
