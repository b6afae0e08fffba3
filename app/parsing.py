"""Reading numbers that users type into URLs and forms."""
from __future__ import annotations

import re

_ASCII_DIGITS = re.compile(r"[0-9]+")


def whole_number(text: str | None, max_digits: int = 9) -> int | None:
    """`text` as a non-negative int when it is only ASCII digits (at most `max_digits`), else None.

    str.isdigit() is not enough: it accepts "²" and other Unicode digits that int() refuses."""
    if text is None or len(text) > max_digits or not _ASCII_DIGITS.fullmatch(text):
        return None
    return int(text)
