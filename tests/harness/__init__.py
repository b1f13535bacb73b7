"""Shared test helpers (importable as ``harness`` because tests/ is put on sys.path by tests/conftest.py)."""
