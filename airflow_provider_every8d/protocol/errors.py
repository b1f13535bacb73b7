"""Exceptions raised by the EVERY8D client.

Every exception here is free of credentials: the transport never puts the password into a message, and
response excerpts are cut short and scrubbed of the password before they are quoted. Phone numbers in
quoted text (excerpts, the platform's error text) are masked (``0900***678``): exceptions end up in task
logs and WARNING lines.
"""

from __future__ import annotations


class Every8dError(Exception):
    """Base class of every error this provider raises about EVERY8D."""


class Every8dValidationError(Every8dError, ValueError):
    """An argument is invalid; raised before anything is sent.

    ``field`` names the argument (``recipients[3]``, ``send_time`` ...), ``problem`` says what is wrong.
    """

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


class Every8dApiError(Every8dError):
    """The platform answered with a negative code: ``-CODE`` or ``-CODE,text`` (``{"Result": false}`` for 1.5)."""

    def __init__(self, code: int, text: str = "", endpoint: str = "") -> None:
        # imported here: every module imports this one, and only a refusal needs the code table
        from airflow_provider_every8d.protocol.codes import meaning
        from airflow_provider_every8d.protocol.privacy import mask_numbers

        self.code = code
        self.text = mask_numbers(text)  # e.g. "-306,手機格式不符:0900000678" quotes the number
        self.endpoint = endpoint
        where = f" from {endpoint}" if endpoint else ""
        detail = f" ({self.text})" if self.text else ""  # the meaning from protocol.codes, then the platform's text
        super().__init__(f"EVERY8D error {code}{where}: {meaning(code)}{detail}")


class Every8dResponseError(Every8dError):
    """The answer could not be parsed. ``excerpt`` quotes at most 120 characters of it (already made
    printable by :func:`excerpt`, so it is quoted as is); it is empty when quoting would show rows (names,
    numbers, reply texts), and ``problem`` then says where the fault is (row number, column count)."""

    def __init__(self, problem: str, excerpt: str = "", endpoint: str = "") -> None:
        self.problem = problem
        self.excerpt = excerpt
        self.endpoint = endpoint
        where = f" from {endpoint}" if endpoint else ""
        quoted = f"; body starts '{excerpt}'" if excerpt else ""
        super().__init__(f"unparsable answer{where}: {problem}{quoted}")


class Every8dTransportError(Every8dError):
    """The HTTP exchange failed: no connection, a timeout, or an HTTP status other than 200.

    ``may_have_reached_server`` is False only when the request certainly did not reach the platform
    (the connection could not be opened); a send that failed with it True may have been accepted.
    """

    def __init__(self, problem: str, *, status_code: int | None = None, may_have_reached_server: bool = True,
                 endpoint: str = "") -> None:
        self.problem = problem
        self.status_code = status_code
        self.may_have_reached_server = may_have_reached_server
        self.endpoint = endpoint
        where = f" calling {endpoint}" if endpoint else ""
        super().__init__(f"HTTP failure{where}: {problem}")
