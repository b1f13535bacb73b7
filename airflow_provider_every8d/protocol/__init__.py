"""The wire core: request building, answer parsing, status table, pricing, phone and time rules.

Pure functions and values only: no network, no Airflow, nothing but the standard library and this package.
Both transports and every Airflow adapter call it. This file is empty on purpose: import the submodule that
holds a name (``from airflow_provider_every8d.protocol.errors import Every8dValidationError``), so importing
one rule never loads the builders and parsers into a DAG file parse.
"""
