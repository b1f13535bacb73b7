"""Every8dDeliveryReportOperator: write the per-recipient delivery report of batches to storage.

Streams page by page (1,000 status rows, 10 replies at a time): memory does not grow with the batch.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

from airflow.providers.common.compat.sdk import BaseOperator

from airflow_provider_every8d.constants import DEFAULT_CONN_ID

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context

    from airflow_provider_every8d.hooks.every8d import Every8dHook

REPORT_COLUMNS = ("batch_id", "name", "mobile", "send_time", "cost", "status", "outcome", "status_text",
                  "received_time", "mr", "real_cost")
REPLY_COLUMNS = ("batch_id", "name", "mobile", "content", "reply_time")
FORMATS = ("csv", "jsonl")


def as_path(path: Any) -> Any:
    """A writable path: ``ObjectStoragePath`` as given, a URL (``s3://``, ``file://``) as an
    ``ObjectStoragePath``, anything else as a local ``pathlib.Path``. A ``..`` segment is refused."""
    from airflow_provider_every8d.protocol.report_files import check_report_path  # DAG files import this module

    check_report_path(str(path))
    if not isinstance(path, str):
        return path
    if "://" in path:
        from airflow.providers.common.compat.sdk import ObjectStoragePath

        return ObjectStoragePath(path)
    return Path(path)


def sibling(path: Any, tag: str) -> Any:
    """``reports/2024-01-01.csv`` -> ``reports/2024-01-01.replies.csv``."""
    return path.with_name(f"{path.stem}.{tag}{path.suffix}")


class _RowWriter:
    """CSV (with a header line; text cells neutralised against formulas, see ``protocol/report_files``)
    or JSON Lines (unchanged), one record at a time."""

    def __init__(self, stream: IO[str], fmt: str, columns: Sequence[str]) -> None:
        self.stream, self.fmt, self.columns = stream, fmt, columns
        self._csv = csv.writer(stream) if fmt == "csv" else None
        if self._csv is not None:
            from airflow_provider_every8d.protocol.report_files import spreadsheet_row

            self._spreadsheet_row = spreadsheet_row
            self._csv.writerow(columns)

    def write(self, values: Sequence[Any]) -> None:
        if self._csv is not None:
            self._csv.writerow(self._spreadsheet_row(self.columns, values))
        else:
            self.stream.write(json.dumps(dict(zip(self.columns, values, strict=True)), ensure_ascii=False) + "\n")


@contextmanager
def open_writer(path: Any, fmt: str, columns: Sequence[str]) -> Iterator[_RowWriter]:
    parent = path.parent
    if not parent.exists():
        parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as stream:
        yield _RowWriter(stream, fmt, columns)


class Every8dDeliveryReportOperator(BaseOperator):
    """Fetch the full per-recipient status (2.2, 2.3 with ``mms=True``) of one or more batches and write it
    to ``path`` as CSV or JSON Lines, streaming page by page.

    Columns: ``batch_id, name, mobile, send_time, cost, status, outcome, status_text, received_time, mr,
    real_cost`` (times as the platform gives them, Taiwan time; ``received_time`` empty on 5-column accounts
    and for messages not delivered yet; ``mr`` and ``real_cost``, the per-message reference and the points
    actually charged, only on API 2.2 connections, empty otherwise). Phone numbers are written in full: the
    report is the user's data, keep it where such data belongs; logs show counts only.

    With ``include_replies=True`` the replies (2.4) go to a second file beside the report,
    ``<stem>.replies<suffix>`` (``batch_id, name, mobile, content, reply_time``), because their columns differ.

    :param batch_ids: one batch id or a list (templated); the send operators' XCom dict works too.
    :param path: a local path, a URL (``s3://bucket/key.csv``, ``file:///...``) or an ``ObjectStoragePath``
        (templated). Existing files are overwritten, so re-running a day rewrites that day's report.
    :param format: ``"csv"`` or ``"jsonl"``.
    :return: ``{"path": str, "rows": int, "summary": {...}}`` (plus ``replies_path`` and ``replies``).
    """

    template_fields: Sequence[str] = ("batch_ids", "path", "every8d_conn_id")
    ui_color = "#eef7e8"

    def __init__(self, *, batch_ids: str | list[str], path: Any, format: Literal["csv", "jsonl"] = "csv",
                 include_replies: bool = False, mms: bool = False, every8d_conn_id: str = DEFAULT_CONN_ID,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if format not in FORMATS:
            from airflow_provider_every8d.protocol.errors import Every8dValidationError

            raise Every8dValidationError("format", f"{format!r} is not one of {', '.join(FORMATS)}")
        self.batch_ids = batch_ids
        self.path = path
        self.format = format
        self.include_replies = include_replies
        self.mms = mms
        self.every8d_conn_id = every8d_conn_id

    def get_hook(self) -> Every8dHook:
        from airflow_provider_every8d.hooks.every8d import Every8dHook

        return Every8dHook(every8d_conn_id=self.every8d_conn_id)

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider_every8d.protocol.batch_ids import batch_id_list

        batch_ids = batch_id_list(self.batch_ids, "batch_ids")
        path = as_path(self.path)
        hook = self.get_hook()  # one session for the whole report, closed once it is written
        try:
            rows, summary = self.write_report(hook, batch_ids, path)
            self.log.info("EVERY8D report of %d batch(es): %d rows written to %s; %s", len(batch_ids), rows,
                          path, summary.describe())
            result: dict[str, Any] = {"path": str(path), "rows": rows, "summary": summary.to_dict()}
            if self.include_replies:
                replies_path = sibling(path, "replies")
                result["replies"] = self.write_replies(hook, batch_ids, replies_path)
                result["replies_path"] = str(replies_path)
                self.log.info("EVERY8D replies: %d rows written to %s", result["replies"], replies_path)
        finally:
            hook.close()
        return result

    def write_report(self, hook: Every8dHook, batch_ids: Sequence[str], path: Any) -> tuple[int, Any]:
        from airflow_provider_every8d.protocol.status import describe
        from airflow_provider_every8d.protocol.summary import DeliverySummary

        summary, rows = DeliverySummary(mms=self.mms), 0
        with open_writer(path, self.format, REPORT_COLUMNS) as writer:
            for batch_id in batch_ids:
                for row in hook.iter_delivery_status(batch_id, mms=self.mms):
                    summary.add(row)
                    writer.write((batch_id, row.name, row.mobile, row.send_time, row.cost, row.status,
                                  row.outcome(self.mms).value, describe(row.status, self.mms), row.received_time,
                                  row.mr, "" if row.real_cost is None else row.real_cost))
                    rows += 1
        return rows, summary

    def write_replies(self, hook: Every8dHook, batch_ids: Sequence[str], path: Any) -> int:
        count = 0
        with open_writer(path, self.format, REPLY_COLUMNS) as writer:
            for batch_id in batch_ids:
                for reply in hook.iter_replies(batch_id):
                    writer.write((batch_id, reply.name, reply.mobile, reply.content, reply.reply_time))
                    count += 1
        return count
