"""Erasing a booking (3.2, and 3.3 for MMS): the answer's type and its parser.

A module of its own, re-exported by :mod:`.models` (``EraseResult``) and :mod:`.parse` (``parse_erase``)
when first asked for: a send never erases, so its first one does not create the type.
"""

from __future__ import annotations

from dataclasses import dataclass

from airflow_provider_every8d.protocol.answers import count, decode, number, raise_for_error
from airflow_provider_every8d.protocol.endpoints import Endpoint
from airflow_provider_every8d.protocol.errors import Every8dResponseError
from airflow_provider_every8d.protocol.privacy import excerpt


@dataclass(frozen=True)
class EraseResult:
    """Answer of an erase (3.2/3.3); ``deleted == 0`` when nothing was booked under the batch id."""

    deleted: int
    refunded: float


def parse_erase(body: bytes, endpoint: Endpoint = Endpoint.ERASE_BOOKING) -> EraseResult:
    """3.2 / 3.3: ``DELETED,REFUNDED``; an empty answer means nothing was booked (0, 0.0)."""
    text = decode(body, endpoint)
    if not text:
        return EraseResult(deleted=0, refunded=0.0)
    raise_for_error(text, endpoint)
    parts = text.split(",")
    if len(parts) != 2:
        raise Every8dResponseError("expected DELETED,REFUNDED", excerpt(text), endpoint.path)
    return EraseResult(deleted=count(parts[0], "deleted count", text, endpoint),
                       refunded=number(parts[1], "refunded points", text, endpoint))
