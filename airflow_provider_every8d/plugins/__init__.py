"""The delivery-report push receiver (spec 2.1) as an Airflow 3 API-server plugin.

``every8d.py`` is the plugin the package's ``airflow.plugins`` entry point names; ``assets.py`` is what DAG
authors import (the asset of each account's delivery reports and replies); ``receiver.py`` is the FastAPI
app, ``config.py`` its settings, ``store.py`` turns a report into one asset event and ``requeue.py``
makes sure that event triggers the DAGs scheduled on it. Nothing here is imported at package import time.
"""
