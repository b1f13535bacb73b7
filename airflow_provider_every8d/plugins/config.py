"""The receiver's settings, from the ``[every8d]`` section of the Airflow configuration.

- ``push_tokens``: one token per account, ``UID=token`` pairs separated by commas or new lines
  (``acme=<token1>, acme-tw=<token2>``). A token is accepted only for pushes whose ``USERID`` is its UID.
- ``push_token``: a single token for a deployment with one account (any ``USERID``). Ignored, with an
  error in the log, once ``push_tokens`` is set. Every token needs at least :data:`MIN_TOKEN_LENGTH`
  characters; no usable token: the receiver answers 404 to everything.
- ``push_allowed_networks``: comma-separated CIDRs (``203.0.113.0/24, 2001:db8::/32``) the callbacks may
  come from; empty allows any source. An entry that does not parse refuses every source (fail closed).
- ``push_dedup_days``: how far back a repeated callback is recognised (default 7 days; a number of days
  above 0 and at most :data:`MAX_DEDUP_DAYS`). Anything else is reported at start-up and the receiver
  answers 503 to pushes with a valid token (the platform retries) until it is fixed.

Read on every request (a few dictionary look-ups), so ``AIRFLOW__EVERY8D__PUSH_TOKEN`` and secrets
back-ends work without a restart of anything but the configuration source.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import math
import re
from dataclasses import dataclass
from functools import lru_cache

log = logging.getLogger(__name__)

SECTION = "every8d"
MIN_TOKEN_LENGTH = 16
MAX_DEDUP_DAYS = 3650
ANY_ACCOUNT = ""
"""The account of the single ``push_token``: any ``USERID``."""
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
_PAIR_SEPARATOR = re.compile(r"[,\n]")


@dataclass(frozen=True)
class PushSettings:
    """``tokens`` pairs an account (UID, or :data:`ANY_ACCOUNT`) with its token; empty means the receiver is
    off. ``allowed_networks`` None means every source is allowed. ``problem`` is a configuration error that
    stops storing (``dedup_days`` is then meaningless)."""

    tokens: tuple[tuple[str, str], ...]
    allowed_networks: tuple[IPNetwork, ...] | None
    dedup_days: float
    problem: str = ""

    def account_for(self, given: str) -> str | None:
        """The account ``given`` is the token of, :data:`ANY_ACCOUNT` for the single ``push_token``, None
        for no token. Every configured token is compared, in constant time, so the answer's timing tells
        nothing about any of them."""
        found: str | None = None
        for account, token in self.tokens:
            if hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8")):
                found = account
        return found

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
    tokens = conf.get(SECTION, "push_tokens", fallback="") or ""
    networks = conf.get(SECTION, "push_allowed_networks", fallback="") or ""
    dedup_days = conf.get(SECTION, "push_dedup_days", fallback="7") or ""
    return _settings(token.strip(), tokens, networks, dedup_days.strip())


@lru_cache(maxsize=8)
def _settings(token: str, tokens: str, networks: str, dedup_days: str) -> PushSettings:
    """Cached per distinct configuration, so each problem is logged once, at the first request or start-up."""
    days, problem = parse_dedup_days(dedup_days)
    if problem:
        log.error("[every8d] push_dedup_days: %s; pushes are answered 503 until it is fixed", problem)
    pairs = parse_tokens(tokens)
    if tokens.strip() and token:  # even when no entry is usable: never fall back to a token for any account
        log.error("[every8d] push_token is ignored: push_tokens is set (one token per account)")
    elif token:
        pairs = _usable([(ANY_ACCOUNT, token)], "push_token")
    from airflow.providers.common.compat.sdk import mask_secret

    for _, secret in pairs:
        mask_secret(secret)
    return PushSettings(tokens=tuple(pairs), allowed_networks=parse_networks(networks), dedup_days=days,
                        problem=problem)


def parse_dedup_days(text: str) -> tuple[float, str]:
    """``"7"`` -> (7.0, ""); anything not a number of days in (0, MAX_DEDUP_DAYS] -> (0.0, the problem)."""
    try:
        days = float(text)
    except ValueError:
        return 0.0, f"{text[:20]!r} is not a number of days"
    if not math.isfinite(days) or not 0 < days <= MAX_DEDUP_DAYS:
        return 0.0, f"{text[:20]!r} is not above 0 and at most {MAX_DEDUP_DAYS} days"
    return days, ""


def parse_tokens(text: str) -> list[tuple[str, str]]:
    """``"acme=<token>, other=<token>"`` -> ``[("acme", "<token>"), ("other", "<token>")]``. A malformed
    entry, a short token, a UID or token given twice: logged (never the token) and left out."""
    pairs: list[tuple[str, str]] = []
    for number, entry in enumerate((part.strip() for part in _PAIR_SEPARATOR.split(text)), start=1):
        if not entry:
            continue
        account, _, token = (side.strip() for side in entry.partition("="))
        if not account or not token:
            log.error("[every8d] push_tokens entry %d is not UID=token; left out", number)
        elif any(account == seen or token == secret for seen, secret in pairs):
            log.error("[every8d] push_tokens entry %d (%s) repeats a UID or a token; left out", number, account)
        else:
            pairs.extend(_usable([(account, token)], f"push_tokens entry {number} ({account})"))
    return pairs


def _usable(pairs: list[tuple[str, str]], where: str) -> list[tuple[str, str]]:
    if any(len(token) < MIN_TOKEN_LENGTH for _, token in pairs):
        log.error("[every8d] %s: the token is shorter than %d characters; left out", where, MIN_TOKEN_LENGTH)
        return []
    return pairs


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
