"""The plugin module (plugins/every8d.py): what Airflow's plugin loader sees."""

from __future__ import annotations


def test_the_plugin_entry_point_loads_on_every_supported_airflow() -> None:
    """Airflow 3 gets an AirflowPlugin mounting /every8d; Airflow 2 a class its plugin loader skips."""
    from airflow import plugins_manager

    from airflow_provider_every8d.plugins.every8d import AIRFLOW_3, Every8dPlugin

    assert plugins_manager.is_valid_plugin(Every8dPlugin) is AIRFLOW_3
