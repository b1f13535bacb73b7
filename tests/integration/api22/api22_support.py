"""Helpers of the API 2.2 runs: client settings with a bearer token, and whether a request carries the PWD."""

from __future__ import annotations

from airflow_provider_every8d.emulator import Every8dEmulator
from airflow_provider_every8d.settings import ClientSettings

PWD = "demo-password"


def token_settings(emulator: Every8dEmulator, **changes: object) -> ClientSettings:
    options: dict = {"base_url": emulator.url, "uid": "demo", "password": PWD, "api_version": "2.2",
                     "auth": "token", "connect_retries": 0, **changes}
    return ClientSettings(**options)


def carries_password(record: object) -> bool:
    """Whether a recorded request carries the PWD anywhere: fields, query or raw body."""
    fields = {str(k).upper(): v for k, v in record.fields.items()}  # type: ignore[attr-defined]
    return "PWD" in fields or PWD.encode() in record.body or PWD in record.query  # type: ignore[attr-defined]
