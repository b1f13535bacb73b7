"""The wire core: request building, answer parsing, status table, pricing, phone and time rules.

Pure functions and values only: no network, no Airflow. Both transports and every Airflow adapter call it.
"""

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
from airflow_provider_every8d.protocol.phones import Phone, mask, parse_phone
from airflow_provider_every8d.protocol.pricing import estimate_mms_cost, estimate_sms_cost, mms_points, sms_points
from airflow_provider_every8d.protocol.request import ApiRequest
from airflow_provider_every8d.protocol.status import Outcome, classify
from airflow_provider_every8d.protocol.summary import DeliverySummary

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
