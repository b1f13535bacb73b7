"""Modes: the shapes of answer the real platform can give besides the plainest one, switched on per emulator.

Each mode is a reading of the spec or a fact from the field (docs/emulator.md, "Modes"); the client must
cope with all of them. ``Modes.realistic()`` turns on every odd shape at once.

=================  ===========  ================================================================
mode               default      what changes on the wire
=================  ===========  ================================================================
free_text          ``"raw"``    NAME and reply CONTENT go out as stored: TABs, U+2028, form feed,
                                ``\\x1c``-``\\x1e`` ... kept (CR and LF become spaces, or they would
                                end the row); ``"flatten"`` also turns TABs into spaces
empty_pages        False        a status or reply page without rows is an empty body, not ``0``
visible_after      0.0          seconds after a send before its rows show (none before)
error_encoding     ``"utf-8"``  ``"big5"``: refusals (``-CODE,text``) encoded in Big5 (cp950)
refusal_style      ``"comma"``  ``-2,text``; ``"comma_space"`` ``-2, text``; ``"space"`` ``-2 text``;
                                ``"bare"`` ``-2``; ``"decimal"`` ``-2.00``; ``"send_shape"``
                                ``-2.00,0,0,0,`` for sends (``-2.00`` elsewhere); ``"send_shape_id"``
                                ``-2.00,0,0,0,<new batch id>`` for sends
json_style         ``"standard"``  1.5's envelope: ``"string_result"`` ``"Result": "true"``;
                                ``"lower_keys"`` ``{"result": "True", "status": ..., "msg": ...}``
push_style         ``"compact"``  ``"dotnet"``: push ST/RT as ``2021/6/1 下午 02:25:55``, MSGID
                                zero-padded to 24 digits, and the 2.2 fields NAME, SOURCE, TYPE
count_parts        False        the 2.2 count line counts SMS parts: an international text over 70
                                characters goes out in 67-character parts
strict             True         an empty RETRYTIME is refused (-1); a missing one means 1,440
framing            ``"length"`` how bodies are delimited: ``"chunked"``, ``"close"``, ``"eof"``,
                                ``"idle-close"`` (see :mod:`.framing`); not part of ``realistic()``
=================  ===========  ================================================================

Per account (``accounts={"old": {"password": ..., "status_columns": 5, "batch_ids": "short"}}``):
``status_columns`` 5 or 6, ``batch_ids`` ``"uuid"`` or ``"short"`` (older accounts' numeric ids).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from .framing import FRAMINGS

FREE_TEXT = ("raw", "flatten")
ENCODINGS = ("utf-8", "big5")
REFUSAL_STYLES = ("comma", "comma_space", "space", "bare", "decimal", "send_shape", "send_shape_id")
PUSH_STYLES = ("compact", "dotnet")
JSON_STYLES = ("standard", "string_result", "lower_keys")


@dataclass
class Modes:
    """The emulator's modes (see the module table). Change them on ``emu.modes`` at any time."""

    free_text: str = "raw"
    empty_pages: bool = False
    visible_after: float = 0.0
    error_encoding: str = "utf-8"
    refusal_style: str = "comma"
    json_style: str = "standard"
    push_style: str = "compact"
    count_parts: bool = False
    strict: bool = True
    framing: str = "length"

    def __post_init__(self) -> None:
        for name, allowed in (("free_text", FREE_TEXT), ("error_encoding", ENCODINGS),
                              ("refusal_style", REFUSAL_STYLES), ("push_style", PUSH_STYLES),
                              ("json_style", JSON_STYLES), ("framing", FRAMINGS)):
            if getattr(self, name) not in allowed:
                raise ValueError(f"mode {name}={getattr(self, name)!r}: not one of {allowed}")
        if self.visible_after < 0:
            raise ValueError(f"mode visible_after={self.visible_after!r}: negative")

    @classmethod
    def realistic(cls, **changes: object) -> Modes:
        """Every odd shape at once: raw free text, empty pages, rows visible after 1 s, Big5 refusals in
        the send shape, lower-case 1.5 keys, .NET push fields, counts in SMS parts."""
        chosen: dict[str, object] = {"free_text": "raw", "empty_pages": True, "visible_after": 1.0,
                                     "error_encoding": "big5", "refusal_style": "send_shape",
                                     "json_style": "lower_keys", "push_style": "dotnet", "count_parts": True,
                                     "strict": True}
        chosen.update(changes)
        return cls(**chosen)  # type: ignore[arg-type]

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))
