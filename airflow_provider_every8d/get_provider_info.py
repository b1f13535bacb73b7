"""Provider metadata, read by Airflow through the ``apache_airflow_provider`` entry point."""

from __future__ import annotations

from typing import Any

from airflow_provider_every8d import __version__
from airflow_provider_every8d.constants import CONN_TYPE

UI_FIELD_BEHAVIOUR: dict[str, Any] = {
    # Port is hidden: the Base URL carries a port when one is needed (``https://host:8443``). Shown and left
    # empty, Airflow 3.3.2's form sends ``"port": 0`` and its Test answers 400 (apache/airflow#73298); hidden,
    # it sends ``""``, which Airflow takes as "no port". The port field still works from the CLI, JSON or API.
    "hidden_fields": ["schema", "port", "extra"],
    "relabeling": {"login": "UID", "password": "PWD", "host": "Base URL"},
    "placeholders": {
        # Short enough to show whole in the form's input; the dedicated-platform form is in the docs.
        "host": "https://oms.every8d.com or your dedicated URL",
        "login": "EVERY8D account (UID)",
        "password": "EVERY8D password (PWD)",
    },
}

UI_FIELD_BEHAVIOUR_AIRFLOW_2: dict[str, Any] = {**UI_FIELD_BEHAVIOUR, "hidden_fields": ["schema", "port"]}
"""What the hook gives Airflow 2.11's Flask form: the raw Extra box stays. 2.11's Test button saves that box's
editor before posting (``editor.save()``), and with the box hidden there is no editor: the click fails in the
browser ("Cannot convert undefined or null to object") and nothing is tested."""

CONN_FIELDS: dict[str, Any] = {
    "timeout": {
        "label": "Timeout (seconds)",
        "schema": {"type": ["integer", "null"], "minimum": 1, "maximum": 600, "default": 30},
        "description": "Seconds to wait for an answer.",
    },
    "verify": {
        "label": "Verify TLS certificates",
        "schema": {"type": ["boolean", "null"], "default": True},
        "description": "Turn off only for a test server.",
    },
    "api_version": {
        "label": "API version",
        "schema": {"type": ["string", "null"], "enum": ["2.1", "2.2", None], "default": "2.1"},
        "description": "2.2 only for accounts the vendor moved to its API 2.2 (JSON reports, tokens).",
    },
    "auth": {
        "label": "Authentication",
        "schema": {"type": ["string", "null"], "enum": ["password", "token", None], "default": "password"},
        "description": "token: a bearer token instead of the password on every call (needs API 2.2).",
    },
}


def get_provider_info() -> dict[str, Any]:
    return {
        "package-name": "airflow-provider-every8d",
        "name": "EVERY8D",
        "description": "EVERY8D enterprise SMS platform (Taiwan), HTTP API 2.1: SMS, MMS, parameterised SMS, "
                       "booking erasure, delivery status, replies and delivery reports.",
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": "EVERY8D",
                "external-doc-url": "https://www.every8d.com.tw/",
                "tags": ["service"],
            }
        ],
        "hooks": [
            {"integration-name": "EVERY8D", "python-modules": ["airflow_provider_every8d.hooks.every8d"]},
        ],
        "operators": [
            {"integration-name": "EVERY8D", "python-modules": ["airflow_provider_every8d.operators.every8d"]},
        ],
        "sensors": [
            {"integration-name": "EVERY8D", "python-modules": ["airflow_provider_every8d.sensors.every8d"]},
        ],
        "triggers": [
            {"integration-name": "EVERY8D", "python-modules": ["airflow_provider_every8d.triggers.every8d",
                                                           "airflow_provider_every8d.triggers.hitl",
                                                           "airflow_provider_every8d.triggers.start"]},
        ],
        "notifications": ["airflow_provider_every8d.notifications.every8d.Every8dNotifier",
                          "airflow_provider_every8d.notifications.every8d.Every8dHITLNotifier"],
        "connection-types": [
            {
                "hook-class-name": "airflow_provider_every8d.hooks.every8d.Every8dHook",
                "connection-type": CONN_TYPE,
                "hook-name": "EVERY8D SMS",
                # provider.yaml spells it kebab-case ("hidden-fields"); the hook's legacy method (2.11) does not.
                "ui-field-behaviour": {key.replace("_", "-"): value for key, value in UI_FIELD_BEHAVIOUR.items()},
                "conn-fields": CONN_FIELDS,
            }
        ],
    }
