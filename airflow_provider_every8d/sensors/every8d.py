"""EVERY8D sensors: delivery status (2.2/2.3) and replies (2.4). Public import path of both."""

from __future__ import annotations

from airflow_provider_every8d.sensors.delivery_status import Every8dDeliveryStatusSensor
from airflow_provider_every8d.sensors.reply import Every8dReplySensor

__all__ = ["Every8dDeliveryStatusSensor", "Every8dReplySensor"]
