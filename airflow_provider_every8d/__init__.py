"""Apache Airflow provider for the EVERY8D enterprise SMS platform (Taiwan), HTTP API 2.1."""

__version__ = "0.1.0"
