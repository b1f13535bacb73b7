"""The receiver's settings, from the ``[every8d]`` section of the Airflow configuration.

- ``push_token``: the secret in the URL given to EVERY8D (``/every8d/push/<token>``); at least
  :data:`MIN_TOKEN_LENGTH` characters. Unset or too short: the receiver answers 404 to everything.
- ``push_allowed_networks``: comma-separated CIDRs (``203.0.113.0/24, 2001:db8::/32``) the callbacks may
  come from; empty allows any source. An entry that does not parse refuses every source (fail closed).
- ``push_dedup_days``: how far back a repeated callback is recognised (default 7 days).

Read on every request (a few dictionary look-ups), so ``AIRFLOW__EVERY8D__PUSH_TOKEN`` and secrets
back-ends work without a restart of anything but the configuration source.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
from dataclasses import dataclass
from functools import lru_cache

log = logging.getLogger(__name__)

SECTION = "every8d"
MIN_TOKEN_LENGTH = 16
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class PushSettings:
    """``token`` empty means the receiver is off; ``allowed_networks`` None means every source is allowed."""

    token: str
    allowed_networks: tuple[IPNetwork, ...] | None
    dedup_days: float

    def token_matches(self, given: str) -> bool:
        """Constant-time comparison, so the answer's timing tells nothing about the token."""
        if not self.token:
            return False
        return hmac.compare_digest(given.encode("utf-8"), self.token.encode("utf-8"))

    def source_allowed(self, host: str | None) -> bool:
        if self.allowed_networks is None:
            return True
        try:
            address = ipaddress.ip_address(host or "")
        except ValueError:
            return False
        return any(address in network for network in self.allowed_networks)


def load_settings() -> PushSettings:
    from airflow.providers.common.compat.sdk import conf

    token = conf.get(SECTION, "push_token", fallback="") or ""
    networks = conf.get(SECTION, "push_allowed_networks", fallback="") or ""
    dedup_days = conf.getfloat(SECTION, "push_dedup_days", fallback=7.0)
    return _settings(token.strip(), networks, dedup_days)


@lru_cache(maxsize=8)
def _settings(token: str, networks: str, dedup_days: float) -> PushSettings:
    if token and len(token) < MIN_TOKEN_LENGTH:
        log.error("[every8d] push_token is shorter than %d characters; the push receiver is off", MIN_TOKEN_LENGTH)
        token = ""
    elif token:
        from airflow.providers.common.compat.sdk import mask_secret

        mask_secret(token)
    return PushSettings(token=token, allowed_networks=parse_networks(networks), dedup_days=dedup_days)


def parse_networks(text: str) -> tuple[IPNetwork, ...] | None:
    """``"10.0.0.0/8, 192.0.2.7"`` -> networks; empty -> None (any source); a bad entry -> () (no source)."""
    entries = [entry.strip() for entry in text.split(",") if entry.strip()]
    if not entries:
        return None
    try:
        return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)
    except ValueError as exc:
        log.error("[every8d] push_allowed_networks: %s; every push is refused until it is fixed", exc)
        return ()
