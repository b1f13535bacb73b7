"""The wire core: request building, answer parsing, status table, pricing, phone and time rules.

Pure functions and values only: no network, no Airflow. Both transports and every Airflow adapter call it.

Names here are imported on first use (PEP 562): settings, hooks and DAG-facing modules import a single
submodule (``protocol.endpoints``, ``protocol.errors``), and Python runs this file first; importing every
submodule eagerly would put the builders and parsers into every DAG file parse.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow_provider_every8d.protocol import build, mms, param_sms, parse, push, summary
    from airflow_provider_every8d.protocol.endpoints import Endpoint, base_url
    from airflow_provider_every8d.protocol.errors import (
        Every8dApiError,
        Every8dError,
        Every8dResponseError,
        Every8dTransportError,
        Every8dValidationError,
    )
    from airflow_provider_every8d.protocol.models import (
        DeliveryReport,
        DeliveryRow,
        EraseResult,
        Reply,
        ReplyPage,
        SendResult,
        StatusPage,
    )
    from airflow_provider_every8d.protocol.phones import Phone, parse_phone
    from airflow_provider_every8d.protocol.pricing import estimate_mms_cost, estimate_sms_cost, mms_points, sms_points
    from airflow_provider_every8d.protocol.privacy import mask
    from airflow_provider_every8d.protocol.request import ApiRequest
    from airflow_provider_every8d.protocol.status import Outcome, classify
    from airflow_provider_every8d.protocol.summary import DeliverySummary

_SUBMODULES = frozenset({"build", "mms", "param_sms", "parse", "push", "summary"})
_HOMES = {
    "Endpoint": "endpoints", "base_url": "endpoints",
    "Every8dApiError": "errors", "Every8dError": "errors", "Every8dResponseError": "errors",
    "Every8dTransportError": "errors", "Every8dValidationError": "errors",
    "DeliveryReport": "models", "DeliveryRow": "models", "EraseResult": "models", "Reply": "models",
    "ReplyPage": "models", "SendResult": "models", "StatusPage": "models",
    "Phone": "phones", "mask": "privacy", "parse_phone": "phones",
    "estimate_mms_cost": "pricing", "estimate_sms_cost": "pricing", "mms_points": "pricing",
    "sms_points": "pricing",
    "ApiRequest": "request",
    "Outcome": "status", "classify": "status",
    "DeliverySummary": "summary",
}


def __getattr__(name: str) -> Any:
    """Import a public submodule or name on first access, then keep it as a module attribute."""
    if name in _SUBMODULES:
        value: Any = importlib.import_module(f"{__name__}.{name}")
    elif name in _HOMES:
        value = getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "ApiRequest",
    "DeliveryReport",
    "DeliveryRow",
    "DeliverySummary",
    "Endpoint",
    "EraseResult",
    "Every8dApiError",
    "Every8dError",
    "Every8dResponseError",
    "Every8dTransportError",
    "Every8dValidationError",
    "Outcome",
    "Phone",
    "Reply",
    "ReplyPage",
    "SendResult",
    "StatusPage",
    "base_url",
    "build",
    "classify",
    "estimate_mms_cost",
    "estimate_sms_cost",
    "mask",
    "mms",
    "mms_points",
    "param_sms",
    "parse",
    "parse_phone",
    "push",
    "sms_points",
    "summary",
]
