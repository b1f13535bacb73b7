"""How long to wait for delivery: the default wait follows the messages' validity (RETRYTIME).

Shared by the delivery sensor (its default ``timeout``) and the send operators' ``wait_for_delivery``.
"""

from __future__ import annotations

from datetime import timedelta

DEFAULT_RETRY_TIME = 1440
"""Minutes a message stays valid (the spec's RETRYTIME default): after that the platform gives up on it."""
TIMEOUT_MARGIN = timedelta(minutes=60)
"""Added to the validity for the default timeout: the carrier's last report may arrive a little later."""


def default_timeout(retry_time: int | None) -> timedelta:
    """The default wait: the messages' validity (RETRYTIME, 1,440 minutes when not given) plus an hour."""
    return timedelta(minutes=retry_time or DEFAULT_RETRY_TIME) + TIMEOUT_MARGIN
