"""Turn a rendered ``batch_id`` argument into a validated list of batch ids.

Sensors and the report operator accept what a DAG author naturally passes after templating: one id, a list
of ids (``send.output["batch_ids"]``), a comma-separated string, the text of a list (a Jinja template that
rendered ``['a', 'b']``), or the send operators' whole XCom dict (``{"batch_ids": [...], ...}``).

A text longer than :data:`MAX_TEXT_LENGTH` is refused before it is parsed: ``ast.literal_eval`` of a
4 MB literal takes seconds (a rendered template is whatever the run's configuration made it).
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence

from airflow_provider_every8d.protocol.build import validate_batch_id
from airflow_provider_every8d.protocol.errors import Every8dValidationError

MAX_TEXT_LENGTH = 100_000
"""Characters of a rendered batch-id text: over 1,000 UUIDs in list syntax."""


def _unpack(value: object, field: str) -> object:
    if isinstance(value, str) and len(value) > MAX_TEXT_LENGTH:
        raise Every8dValidationError(field, f"{len(value):,} characters is over the bound of {MAX_TEXT_LENGTH:,}")
    if isinstance(value, str) and value.strip()[:1] in ("[", "(", "{"):
        try:
            value = ast.literal_eval(value.strip())
        except (ValueError, SyntaxError):
            return value
    if isinstance(value, Mapping):
        return value.get("batch_ids", value)
    return value


def batch_id_list(value: object, field: str = "batch_id") -> list[str]:
    """Validated, de-duplicated batch ids in the given order; Every8dValidationError naming ``field``."""
    value = _unpack(value, field)
    if isinstance(value, str):
        items: Sequence[object] = [part for part in value.split(",") if part.strip()]
    elif isinstance(value, Sequence):
        items = value
    else:
        raise Every8dValidationError(field, f"expected a batch id or a list of them, got {type(value).__name__}")
    if not items:
        raise Every8dValidationError(field, "no batch id given")
    ids = [validate_batch_id(item, f"{field}[{index}]") for index, item in enumerate(items)]
    return list(dict.fromkeys(ids))
