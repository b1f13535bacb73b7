"""Every endpoint's parser against the malformed-answer corpus: a malformed body is an Every8dResponseError
naming the endpoint, a negative answer an Every8dApiError with the platform's code; nothing else escapes."""

from __future__ import annotations

import pytest

from airflow_provider_every8d.protocol import build, mms, param_sms
from airflow_provider_every8d.protocol.errors import Every8dApiError, Every8dResponseError
from airflow_provider_every8d.protocol.request import ApiRequest
from tests.unit.protocol.malformed_answers import MALFORMED, NEGATIVE

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def request_for(section: str) -> ApiRequest:
    """A built request of the endpoint of that spec section (its parser is what is tested)."""
    return {
        "1.1": lambda: build.sms_request("hi", "0900000001"),
        "1.2": lambda: mms.mms_request("hi", "0900000001", "subject", PNG, attachment_type="png"),
        "1.3": lambda: build.sms_request("hi", "0900000001", deduplicate=True),
        "1.4": lambda: build.sms_request("hi", "0900000001", msg_id=7),
        "1.5": lambda: param_sms.param_sms_request([{"mobile": "0900000001", "content": "hi"}]),
        "2.2": lambda: build.delivery_status_request("b-1"),
        "2.3": lambda: build.delivery_status_request("b-1", mms=True),
        "2.4": lambda: build.replies_request("b-1"),
        "3.1": build.credit_request,
        "3.2": lambda: build.erase_booking_request("b-1"),
        "3.3": lambda: build.erase_booking_request("b-1", mms=True),
    }[section]()


MALFORMED_CASES = [(section, label, body) for section, bodies in MALFORMED.items() for label, body in bodies]
NEGATIVE_CASES = [(section, label, body, code) for section, forms in NEGATIVE.items() for label, body, code in forms]


@pytest.mark.parametrize(("section", "label", "body"), MALFORMED_CASES,
                         ids=[f"{s} {label}" for s, label, _ in MALFORMED_CASES])
def test_a_malformed_answer_is_a_response_error(section: str, label: str, body: str) -> None:
    request = request_for(section)
    with pytest.raises(Every8dResponseError) as caught:
        request.parse(body.encode("utf-8"))
    assert caught.value.endpoint == request.endpoint.path
    assert caught.value.problem and len(caught.value.excerpt) <= 4 * 120  # 120 characters, \r shown as \x0d


@pytest.mark.parametrize(("section", "label", "body", "code"), NEGATIVE_CASES,
                         ids=[f"{s} {label}" for s, label, _, _ in NEGATIVE_CASES])
def test_a_negative_answer_is_an_api_error_with_its_code(section: str, label: str, body: str, code: int) -> None:
    request = request_for(section)
    with pytest.raises(Every8dApiError) as caught:
        request.parse(body.encode("utf-8"))
    assert caught.value.code == code and caught.value.endpoint == request.endpoint.path
    assert str(code) in str(caught.value)


def test_every_endpoint_has_at_least_eight_malformed_bodies_and_every_negative_form() -> None:
    sections = {"1.1", "1.2", "1.3", "1.4", "1.5", "2.2", "2.3", "2.4", "3.1", "3.2", "3.3"}
    assert set(MALFORMED) == set(NEGATIVE) == sections
    assert min(len(bodies) for bodies in MALFORMED.values()) >= 8
    print(f"\nmalformed-answer corpus: {len(MALFORMED_CASES)} malformed bodies, {len(NEGATIVE_CASES)} negative "
          f"answers over {len(sections)} endpoints")
