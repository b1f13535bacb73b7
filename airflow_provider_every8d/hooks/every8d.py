"""Every8dHook: an Airflow connection -> the EVERY8D client, one method per endpoint of the spec."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import BaseHook

from airflow_provider_every8d.constants import CONN_TYPE, DEFAULT_CONN_ID

# The protocol, the settings and the transports are imported where they are used: a send loads only the
# builders and parsers it needs (not MMS, 1.5, the status pages or the summary), and DAG files that import
# this module for its name pay nothing for them.
if TYPE_CHECKING:
    from airflow_provider_every8d.protocol.errors import Every8dValidationError
    from airflow_provider_every8d.protocol.models import (
        DeliveryRow,
        EraseResult,
        Reply,
        ReplyPage,
        SendResult,
        StatusPage,
    )
    from airflow_provider_every8d.protocol.request import ApiRequest
    from airflow_provider_every8d.protocol.summary import DeliverySummary
    from airflow_provider_every8d.settings import ClientSettings
    from airflow_provider_every8d.transport.aio import AsyncEvery8dClient
    from airflow_provider_every8d.transport.sync import Every8dClient


def _mask_password(password: str | None) -> None:
    """Feed the secret masker even where the connection did not register the password, in each form the
    wire gives it (form-encoded, JSON-escaped): Airflow's masker matches the raw text only."""
    if not password:
        return
    try:
        from airflow.providers.common.compat.sdk import mask_secret
    except ImportError:  # pragma: no cover - very old compat provider
        from airflow.utils.log.secrets_masker import mask_secret  # type: ignore[no-redef]
    from airflow_provider_every8d.protocol.privacy import secret_forms

    mask_secret(list(secret_forms(password)))  # one call: in a task, one message to the supervisor, not one a form


def _unknown_connection(conn_id: str) -> Every8dValidationError:
    """An undefined connection as an error naming the argument (``every8d_conn_id: connection ...``)."""
    from airflow_provider_every8d.protocol.errors import Every8dValidationError

    return Every8dValidationError("every8d_conn_id", f"connection {conn_id!r} is not defined (Admin > "
                                  "Connections, an AIRFLOW_CONN_ variable or a secrets backend)")


class Every8dHook(BaseHook):
    """Interact with EVERY8D (HTTP API 2.1).

    The connection: ``host`` is the base URL (empty: ``https://oms.every8d.com``; a path prefix such as
    ``https://biz3.every8d.com.tw/prepaid`` is kept), ``login`` the UID, ``password`` the PWD; extra may set
    ``timeout``, ``verify``, ``proxies``. The connection is read on first use, not in ``__init__``.

    :param every8d_conn_id: Airflow connection id of type ``every8d``.
    """

    conn_name_attr = "every8d_conn_id"
    default_conn_name = DEFAULT_CONN_ID
    conn_type = CONN_TYPE
    hook_name = "EVERY8D SMS"

    def __init__(self, every8d_conn_id: str = DEFAULT_CONN_ID, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.every8d_conn_id = every8d_conn_id

    # -- connection form (Airflow 2.11; Airflow 3 reads get_provider_info) ---------------------------
    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
        from flask_babel import lazy_gettext
        from wtforms import BooleanField, IntegerField, StringField
        from wtforms.validators import AnyOf, NumberRange, Optional

        return {
            "timeout": IntegerField(lazy_gettext("Timeout (seconds)"), widget=BS3TextFieldWidget(),
                                    validators=[Optional(), NumberRange(min=1, max=600)], default=30),
            "verify": BooleanField(lazy_gettext("Verify TLS certificates"), default=True),
            # Airflow 2.11's form takes only Integer/Password/String/Boolean fields: a SelectField makes it
            # drop the whole connection type ("Error when importing hook!"), so these are checked text fields.
            "api_version": StringField(lazy_gettext("API version"), widget=BS3TextFieldWidget(), default="2.1",
                                       validators=[Optional(), AnyOf(["2.1", "2.2"])]),
            "auth": StringField(lazy_gettext("Authentication"), widget=BS3TextFieldWidget(), default="password",
                                validators=[Optional(), AnyOf(["password", "token"])]),
        }

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        from airflow_provider_every8d.get_provider_info import UI_FIELD_BEHAVIOUR_AIRFLOW_2

        return UI_FIELD_BEHAVIOUR_AIRFLOW_2  # Airflow 3 reads get_provider_info's ui-field-behaviour instead

    # -- client --------------------------------------------------------------------------------------
    @cached_property
    def settings(self) -> ClientSettings:
        from airflow.providers.common.compat.sdk import AirflowNotFoundException

        from airflow_provider_every8d.settings import settings_from_parts

        try:
            conn = self.get_connection(self.every8d_conn_id)
        except AirflowNotFoundException:
            raise _unknown_connection(self.every8d_conn_id) from None
        _mask_password(conn.password)
        return settings_from_parts(self.every8d_conn_id, conn.conn_type, conn.host, conn.port, conn.login,
                                   conn.password, conn.extra_dejson)

    def get_conn(self) -> Every8dClient:
        """The sync client (one ``requests.Session`` for the hook's life)."""
        return self._client

    @cached_property
    def _client(self) -> Every8dClient:
        from airflow_provider_every8d.transport.sync import Every8dClient

        return Every8dClient(self.settings)

    async def aget_client(self) -> AsyncEvery8dClient:
        """An async client for this connection (resolved without blocking the event loop)."""
        from airflow.providers.common.compat.connection import get_async_connection, get_async_extra_dejson
        from airflow.providers.common.compat.sdk import AirflowNotFoundException

        from airflow_provider_every8d.settings import settings_from_parts
        from airflow_provider_every8d.transport.aio import AsyncEvery8dClient

        try:
            conn = await get_async_connection(self.every8d_conn_id)
        except AirflowNotFoundException:
            raise _unknown_connection(self.every8d_conn_id) from None
        extra = await get_async_extra_dejson(conn)
        _mask_password(conn.password)
        settings = settings_from_parts(self.every8d_conn_id, conn.conn_type, conn.host, conn.port, conn.login,
                                       conn.password, extra)
        return AsyncEvery8dClient(settings)

    def call(self, request: ApiRequest) -> Any:
        """Send any built request (see :mod:`airflow_provider_every8d.protocol`)."""
        return self.get_conn().call(request)

    def close(self) -> None:
        if "_client" in self.__dict__:
            self._client.close()
            del self.__dict__["_client"]

    # -- endpoints ------------------------------------------------------------------------------------
    def get_credit(self) -> float:
        """3.1: the account balance in points."""
        from airflow_provider_every8d.protocol import build

        return self.call(build.credit_request())

    def send_sms(self, message: str, recipients: str | Sequence[str], subject: str = "",
                 send_time: Any = None, retry_time: int | None = None, *, deduplicate: bool = False,
                 msg_id: str | int | None = None, event_id: str | int | None = None) -> SendResult:
        """1.1 SMS; 1.3 with ``deduplicate=True`` (24-hour duplicate filter); 1.4 with ``msg_id``;
        ``event_id`` (API 2.2) adds an interactive-reply link of 17 characters to the text.

        Not idempotent: a failure after the request may have reached the server is raised, not retried.
        """
        from airflow_provider_every8d.protocol import api22, build

        request = build.sms_request(message, recipients, subject, send_time, retry_time=retry_time,
                                    deduplicate=deduplicate, msg_id=msg_id)
        return self.call(api22.event_request(request, event_id, self.settings.api_version))

    def check_duplicates(self, message: str, recipients: str | Sequence[str], subject: str = "") -> dict[str, str]:
        """API 2.2: who already got ``message`` in the last 24 hours, each number with the batch that sent it
        (1.3 with ``IsSend=false``: the platform evaluates its duplicate filter and sends nothing)."""
        from airflow_provider_every8d.protocol import api22, build
        from airflow_provider_every8d.protocol.errors import Every8dValidationError

        if self.settings.api_version != "2.2":
            raise Every8dValidationError("every8d_conn_id", f"check_duplicates needs API 2.2: connection "
                                         f"{self.every8d_conn_id!r} has api_version {self.settings.api_version!r}")
        request = api22.duplicates_request(build.sms_request(message, recipients, subject, deduplicate=True))
        return self.call(request).duplicates

    def send_mms(self, message: str, recipients: str | Sequence[str], subject: str, attachment: bytes,
                 attachment_type: str, send_time: Any = None, retry_time: int | None = None) -> SendResult:
        """1.2 MMS with a jpg/jpeg/png image (bytes). Not idempotent."""
        from airflow_provider_every8d.protocol import mms

        return self.call(mms.mms_request(message, recipients, subject, attachment, attachment_type=attachment_type,
                                         send_time=send_time, retry_time=retry_time))

    def send_param_sms(self, recipients: Sequence[dict[str, Any]], message: str | None = None,
                       subject: str = "", retry_time: int | None = None, *,
                       event_id: str | int | None = None) -> SendResult:
        """1.5 parameterised (``message`` with ``%field1%``..) or personalised (per-recipient ``content``);
        ``SendParam.ashx`` on API 2.2, where ``event_id`` adds an interactive-reply link."""
        from airflow_provider_every8d.protocol import api22, param_sms

        request = param_sms.param_sms_request(recipients, message, subject, retry_time)
        return self.call(api22.event_request(request, event_id, self.settings.api_version))

    def get_delivery_status(self, batch_id: str, page: int = 1, *, mms: bool = False) -> StatusPage:
        """2.2 (2.3 with ``mms=True``): one page of 1,000 rows and the batch's total row count."""
        from airflow_provider_every8d.protocol import build

        return self.call(build.delivery_status_request(batch_id, page, mms=mms))

    def iter_delivery_status(self, batch_id: str, *, mms: bool = False) -> Iterator[DeliveryRow]:
        """Every row of the batch across all pages, one page in memory at a time."""
        return self.get_conn().iter_delivery_status(batch_id, mms=mms)

    def get_delivery_summary(self, batch_ids: str | Sequence[str], *, mms: bool = False) -> DeliverySummary:
        """Read every page of every batch and count statuses (see :class:`DeliverySummary`: a batch that
        shows no row yet, or an id the platform does not know, keeps it incomplete)."""
        ids = [batch_ids] if isinstance(batch_ids, str) else list(batch_ids)
        return self.get_conn().get_delivery_summary(ids, mms=mms)

    def get_replies(self, batch_id: str, page: int = 1) -> ReplyPage:
        """2.4: one page of 10 replies and the total."""
        from airflow_provider_every8d.protocol import build

        return self.call(build.replies_request(batch_id, page))

    def iter_replies(self, batch_id: str) -> Iterator[Reply]:
        """Every reply to the batch across all pages."""
        return self.get_conn().iter_replies(batch_id)

    def erase_booking(self, batch_id: str, *, mms: bool = False) -> EraseResult:
        """3.2 (3.3 with ``mms=True``): cancel what is still booked; ``deleted == 0`` if nothing was."""
        from airflow_provider_every8d.protocol import build

        return self.call(build.erase_booking_request(batch_id, mms=mms))

    def test_connection(self) -> tuple[bool, str]:
        """Read-only check: asks for the balance (3.1); with ``auth=token`` (API 2.2) first gets a bearer
        token and has the platform check it. Sends nothing, costs nothing."""
        from airflow_provider_every8d.protocol.errors import Every8dError, Every8dValidationError
        from airflow_provider_every8d.settings import tested_connection_message

        try:
            if self.settings.uses_token:
                from airflow_provider_every8d.protocol.tokens import check_token_request

                self.call(check_token_request())
            credit = self.get_credit()
        except Every8dValidationError as error:
            return False, tested_connection_message(error, self.every8d_conn_id)
        except (Every8dError, ValueError) as error:
            return False, str(error)
        token = "; bearer token accepted" if self.settings.uses_token else ""
        return True, f"Connected to {self.settings.base_url}{token}; balance {credit:.2f} points"
