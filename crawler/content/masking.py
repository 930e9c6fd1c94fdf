"""How personal data is shown: masked, always; the full value never leaves the detector.

A value is masked the way the compliant 公示 forms do it (GB/T 35273 examples, the 2017 学生资助
notice): an ID number keeps its region and its last four characters (``110105********002X``), a
mobile number its first three and last four digits (``138****5678``), a bank card its first four
and last four. An excerpt is the text around a hit with every hit in it masked, and then every
other run of 7 or more digits too (a number cut by the excerpt's edge, or one the detector did not
claim), so that no excerpt ever holds a whole number of any kind.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

STAR = "*"
#: Characters that compliant pages use to mask digits.
MASK_CHARS = "*＊●×"
#: A run of digits that may be broken by single spaces or hyphens (138 1234 5678, 6222-0212-…).
_DIGIT_RUN = re.compile(r"\d(?:[ \-]?\d){6,}")
_KEEP = {"id_number": (6, 4), "mobile": (3, 4), "bank_card": (4, 4), "student_number": (2, 2)}
EXCERPT_CHARS = 16  # characters of context on each side of a hit


def mask_value(kind: str, value: str) -> str:
    """``value`` (as found, separators included) with its private middle replaced by ``*``."""
    if kind == "birth_date":
        return re.sub(r"\d", STAR, value)
    if kind == "home_address":
        return value[:3] + STAR * 4 if len(value) > 3 else STAR * 4
    chars = [c for c in value if c.isalnum()]
    if kind == "mobile" and len(chars) > 11:  # +86 / 0086: the national number is what is masked
        chars = chars[-11:]
    head, tail = _KEEP.get(kind, (2, 2))
    if len(chars) <= head + tail + 2:  # too short to show anything safely
        return STAR * len(chars)
    return "".join(chars[:head]) + STAR * (len(chars) - head - tail) + "".join(chars[-tail:])


def mask_runs(text: str) -> str:
    """Every run of 7 or more digits in ``text`` masked but for its first two and last two digits."""
    return _DIGIT_RUN.sub(lambda m: _mask_run(m.group()), text)


def _mask_run(run: str) -> str:
    digits = [c for c in run if c.isdigit()]
    return "".join(digits[:2]) + STAR * (len(digits) - 4) + "".join(digits[-2:])


def excerpt(text: str, start: int, end: int, spans: Sequence[tuple[int, int, str]]) -> str:
    """The text around ``text[start:end]``, one line, with every span ``(start, end, masked
    form)`` inside it replaced by its masked form and any other long digit run masked."""
    left, right = max(0, start - EXCERPT_CHARS), min(len(text), end + EXCERPT_CHARS)
    inside = sorted(s for s in spans if s[0] < right and s[1] > left)
    for s_start, s_end, _ in inside:  # never cut a span in two: widen to hold it whole
        left, right = min(left, s_start), max(right, s_end)
    pieces, at = [], left
    for s_start, s_end, shown in inside:
        if s_start >= at:
            pieces += [mask_runs(text[at:s_start]), shown]
            at = s_end
    pieces.append(mask_runs(text[at:right]))
    return " ".join("".join(pieces).split())
