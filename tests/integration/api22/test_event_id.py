"""Interactive replies (API 2.2 ``EventID``) from the hook, the param SMS operator and the notifier, over
real HTTP against the emulator: the platform appends a 17-character link, the estimate counts it, and a
2.1 connection refuses ``event_id`` before anything is sent."""

from __future__ import annotations

import pytest

from airflow_provider_every8d.hooks.every8d import Every8dHook
from airflow_provider_every8d.notifications.every8d import Every8dNotifier
from airflow_provider_every8d.operators.every8d import Every8dSendParamSmsOperator, Every8dSendSmsOperator
from airflow_provider_every8d.protocol.errors import Every8dValidationError

LINK = 17


@pytest.mark.every8d(api_version="2.2")
def test_the_hook_sends_event_id_and_the_link_is_charged(every8d_emulator) -> None:
    result = Every8dHook().send_sms("x" * 60, "0900000001", event_id="-1")
    (message,) = every8d_emulator.messages
    assert len(message.text) == 60 + LINK and result.cost == 2.0
    (send,) = [r for r in every8d_emulator.requests if r.endpoint == "sendSMS"]
    assert send.fields["EventID"] == "-1"


@pytest.mark.every8d(api_version="2.2")
def test_the_sms_operator_prices_the_link_in_max_cost(every8d_emulator) -> None:
    from airflow.providers.common.compat.sdk import AirflowFailException

    with pytest.raises(AirflowFailException, match="max_cost"):
        Every8dSendSmsOperator(task_id="send", message="x" * 60, recipients="0900000001", event_id=-1,
                               max_cost=1).execute({})
    assert every8d_emulator.messages == []


@pytest.mark.every8d(api_version="2.2")
def test_the_param_sms_operator_sends_event_id_to_send_param(every8d_emulator) -> None:
    result = Every8dSendParamSmsOperator(task_id="send", message="Hi %field1%",
                                         recipients=[{"mobile": "0900000001", "params": ["Lin"]}],
                                         event_id="EV01").execute({})
    assert result["sent"] == 1
    (send,) = [r for r in every8d_emulator.requests if r.endpoint == "SendParam"]
    assert send.fields["EventID"] == "EV01" and len(every8d_emulator.messages[0].text) == len("Hi Lin") + LINK


@pytest.mark.every8d(api_version="2.2")
def test_the_notifier_sends_event_id(every8d_emulator) -> None:
    Every8dNotifier(recipients="0900000001", message="disk full", event_id=-1).notify({})
    (message,) = every8d_emulator.messages
    assert message.text.startswith("disk full") and len(message.text) == len("disk full") + LINK


@pytest.mark.every8d(api_version="2.2")
async def test_the_async_notifier_sends_event_id(every8d_emulator) -> None:
    await Every8dNotifier(recipients="0900000001", message="disk full", event_id=-1).async_notify({})
    assert len(every8d_emulator.messages[0].text) == len("disk full") + LINK


def test_on_2_1_every_event_id_is_refused_before_sending(every8d_emulator) -> None:
    with pytest.raises(Every8dValidationError, match="event_id"):
        Every8dHook().send_sms("hi", "0900000001", event_id=-1)
    with pytest.raises(Every8dValidationError, match="event_id"):
        Every8dNotifier(recipients="0900000001", message="hi", event_id=-1).notify({})
    with pytest.raises(Every8dValidationError, match="event_id"):
        Every8dSendParamSmsOperator(task_id="send", recipients=[{"mobile": "0900000001", "content": "hi"}],
                                    event_id=-1).execute({})
    assert not any(r.endpoint.startswith(("send", "Send")) for r in every8d_emulator.requests if r.endpoint)
