"""Text that can be stored and read back: what the push receiver does to every value before it becomes
an asset event.

PostgreSQL accepts ``\\u0000`` inside a ``json`` value and then refuses every operator that reads it
(``extra ->> 'report_id'``): one ``%00`` in a push made each later read of that asset fail. Lone
surrogates (``%ED%A0%80`` decoded with ``surrogatepass``) fail the same way, and an escape sequence in
a stored value is printed raw by whatever shows it in a terminal. So C0 controls (tab, LF and CR kept:
a reply may hold line breaks), DEL, the C1 controls and lone surrogates are removed; the rest of the
text is kept as it came.

``mobile`` must be a phone number (or empty, as some accounts send): an RM that is not one is moved to
``extra["RM"]`` (cleaned as above) and ``mobile`` left empty, so the report is kept (a refused push is
lost after 10 tries) while nothing that reads ``mobile`` (log lines mask it) ever gets raw text.
"""

from __future__ import annotations

import dataclasses
import re

from airflow_provider_every8d.protocol.errors import Every8dValidationError
from airflow_provider_every8d.protocol.phones import parse_phone
from airflow_provider_every8d.protocol.reports import DeliveryReport

_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def storable(text: str) -> str:
    """``text`` without the characters a database, a JSON reader or a terminal cannot take."""
    return _UNSTORABLE.sub("", text)


def storable_report(report: DeliveryReport) -> DeliveryReport:
    """``report`` with :func:`storable` applied to every text field and to the names and values of
    ``extra`` (a name left empty is dropped), and ``mobile`` a phone number or empty (see above).
    Unchanged reports are returned as they are."""
    changes: dict[str, object] = {
        field.name: storable(value)
        for field in dataclasses.fields(report)
        if isinstance(value := getattr(report, field.name), str) and _UNSTORABLE.search(value)
    }
    extra = report.extra
    if any(_UNSTORABLE.search(name) or _UNSTORABLE.search(value) for name, value in extra.items()):
        extra = changes["extra"] = {storable(name): storable(value) for name, value in extra.items()
                                    if storable(name)}
    mobile = str(changes.get("mobile", report.mobile))
    if mobile and not _is_phone(mobile):
        changes.update(mobile="", extra={**extra, "RM": mobile})
    return dataclasses.replace(report, **changes) if changes else report  # type: ignore[arg-type]


def _is_phone(text: str) -> bool:
    try:
        parse_phone(text, "RM")
    except Every8dValidationError:
        return False
    return True
