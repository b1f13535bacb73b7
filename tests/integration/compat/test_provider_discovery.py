"""Airflow finds the provider, its connection type, its notifier and its connection form on 2.11 and 3.x.

Airflow 3 builds the connection form from ``get_provider_info()`` (``ui-field-behaviour`` and
``conn-fields``); Airflow 2.11 calls the hook's ``get_ui_field_behaviour`` and
``get_connection_form_widgets`` (wtforms, imported only there: Airflow 3 does not install it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import airflow
import pytest

from airflow_provider_every8d import __version__
from airflow_provider_every8d.get_provider_info import (
    CONN_FIELDS,
    UI_FIELD_BEHAVIOUR,
    UI_FIELD_BEHAVIOUR_AIRFLOW_2,
    get_provider_info,
)

AIRFLOW_3 = int(airflow.__version__.split(".")[0]) >= 3
PACKAGE = "airflow-provider-every8d"
HOOK = "airflow_provider_every8d.hooks.every8d.Every8dHook"
NOTIFIER = "airflow_provider_every8d.notifications.every8d.Every8dNotifier"


@pytest.fixture(scope="module")
def providers() -> Any:
    from airflow.providers_manager import ProvidersManager

    return ProvidersManager()


def test_the_provider_is_listed(providers) -> None:
    assert providers.providers[PACKAGE].version == __version__


def test_connection_type_every8d_maps_to_the_hook(providers) -> None:
    try:  # Airflow 3.2+: tasks (Connection.get_hook) resolve hooks through the Task SDK's runtime manager
        from airflow.sdk.providers_manager_runtime import ProvidersManagerTaskRuntime

        info = ProvidersManagerTaskRuntime().hooks["every8d"]
    except ImportError:
        info = providers.hooks["every8d"]
    assert (info.hook_class_name, info.connection_id_attribute_name, info.hook_name, info.connection_testable) == (
        HOOK, "every8d_conn_id", "EVERY8D SMS", True)


def test_the_notifier_is_listed(providers) -> None:
    assert NOTIFIER in providers.notification


def test_field_behaviour_hides_schema_and_port_and_relabels(providers) -> None:
    behaviour = providers.field_behaviours["every8d"]
    assert behaviour == (UI_FIELD_BEHAVIOUR if AIRFLOW_3 else UI_FIELD_BEHAVIOUR_AIRFLOW_2)
    # Port hidden: an empty Port reaches 3.3.2's Test as 0 and fails it (apache/airflow#73298). The raw
    # Extra box is hidden on 3.x (its Extra Fields JSON section stays) but not on 2.11, whose Test button
    # fails in the browser without it.
    assert behaviour["hidden_fields"] == (["schema", "port", "extra"] if AIRFLOW_3 else ["schema", "port"])
    assert behaviour["relabeling"] == {"login": "UID", "password": "PWD", "host": "Base URL"}


def test_form_widgets_are_timeout_verify_api_version_and_auth(providers) -> None:
    widgets = {k: v for k, v in providers.connection_form_widgets.items() if k.startswith("extra__every8d__")}
    assert sorted(widgets) == ["extra__every8d__api_version", "extra__every8d__auth", "extra__every8d__timeout",
                               "extra__every8d__verify"]
    timeout, verify = widgets["extra__every8d__timeout"].field, widgets["extra__every8d__verify"].field
    version, auth = widgets["extra__every8d__api_version"].field, widgets["extra__every8d__auth"].field
    if AIRFLOW_3:  # declarative conn-fields: JSON schema with the label as title
        assert timeout["schema"] == {**CONN_FIELDS["timeout"]["schema"], "title": "Timeout (seconds)"}
        assert verify["schema"] == {**CONN_FIELDS["verify"]["schema"], "title": "Verify TLS certificates"}
        assert (version["schema"]["default"], version["schema"]["enum"]) == ("2.1", ["2.1", "2.2", None])
        assert (auth["schema"]["default"], auth["schema"]["enum"]) == ("password", ["password", "token", None])
    else:  # wtforms fields from Every8dHook.get_connection_form_widgets
        from wtforms import BooleanField, IntegerField, StringField

        # 2.11 supports only these field classes; any other drops the connection type from the UI
        assert (timeout.field_class, timeout.kwargs["default"]) == (IntegerField, 30)
        assert (verify.field_class, verify.kwargs["default"]) == (BooleanField, True)
        assert (version.field_class, version.kwargs["default"]) == (StringField, "2.1")
        assert (auth.field_class, auth.kwargs["default"]) == (StringField, "password")


def test_provider_info_is_valid_for_this_airflow() -> None:
    import jsonschema

    schema = json.loads((Path(airflow.__file__).parent / "provider_info.schema.json").read_text())
    errors = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(get_provider_info())]
    assert errors == []


def test_dag_facing_modules_import_no_web_form_libraries() -> None:
    code = ("import json, sys, airflow_provider_every8d.hooks.every8d, airflow_provider_every8d.notifications.every8d;"
            "print(json.dumps([m for m in ('wtforms', 'flask_appbuilder') if m in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_airflow_cli_lists_the_provider_and_its_hook() -> None:
    airflow_cli = Path(sys.executable).with_name("airflow")
    env = {**os.environ, "AIRFLOW_HOME": os.environ["AIRFLOW_HOME"]}
    calls = {name: subprocess.Popen([str(airflow_cli), "providers", name, "--output", "json"], env=env,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for name in ("list", "hooks")}
    answers = {}
    for name, process in calls.items():
        out, err = process.communicate(timeout=180)
        assert process.returncode == 0, err[-2000:]
        answers[name] = json.loads(out[out.index("["):])
    (provider,) = [row for row in answers["list"] if row["package_name"] == PACKAGE]
    assert provider["version"] == __version__
    (hook,) = [row for row in answers["hooks"] if row["connection_type"] == "every8d"]
    assert (hook["class"], hook["package_name"]) == (HOOK, PACKAGE)
