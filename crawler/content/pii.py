"""Personal data in disclosed text: what the 2017 学生资助 notice bans from 公示, found and masked.

Found anywhere in the text:

- ``id_number``: an 18-character 居民身份证号 valid by GB 11643-1999 (the ISO 7064 MOD 11-2 check
  character, a real birth date from 1900 on, a province code that exists), or a 15-digit number of
  the first generation (a real 19yy date, a province code), never inside a longer run of digits;
- ``mobile``: a mainland mobile number, ``1[3-9]`` and 9 digits, with or without ``+86`` and with
  hyphens or spaces (``138-1234-5678``, ``138 1234 5678``), never inside a longer run of digits;
- ``bank_card``: 16 to 19 digits (in groups of four or not) passing the Luhn check, with a card
  word near it (银行卡, 卡号, 账号, 开户 … in the 24 characters before, or the table's header) or
  the UnionPay prefix 62 on a 16- or 19-digit number.

Found only when labelled, in the text (``学号：…``) or by a table's header cell:
``student_number`` (学号, 工号 …), ``birth_date`` (出生日期, 出生年月 …) and ``home_address``
(家庭住址, 户籍地址 …, not an office's 联系地址).

A value written masked (``110105********002X``, ``138****1234``, ``学号：2019****01``) is a hit with
``masked=True``: the compliant form, reported as such, never as a leak. A number failing its
check is no hit at all. A :class:`Hit` holds the kind, where it is and a masked excerpt; the
value itself never leaves this module.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from crawler.content.masking import MASK_CHARS, excerpt, mask_value

KINDS = ("id_number", "mobile", "bank_card", "student_number", "birth_date", "home_address")
KIND_LABELS = {
    "id_number": "身份证号",
    "mobile": "手机号码",
    "bank_card": "银行卡号",
    "student_number": "学号/工号",
    "birth_date": "出生日期",
    "home_address": "家庭住址",
}
#: GB/T 2260 province-level codes (the first two digits of a 居民身份证号).
_NORTH = (11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46)
PROVINCES = frozenset(str(code) for code in (*_NORTH, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83))
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_M = f"[{MASK_CHARS}]"

_ID18 = re.compile(r"(?<![0-9])[1-9]\d{16}[0-9Xx](?![0-9])")
_ID15 = re.compile(r"(?<![0-9])[1-9]\d{14}(?![0-9])")
_CARD = re.compile(r"(?<![0-9])\d{4}([ \-]?)\d{4}\1\d{4}\1\d{4}(?:\1?\d{1,3})?(?![0-9])")
_MOBILE = re.compile(r"(?<![0-9+])(?:(?:\+|00)86[ \-]?|86-)?1[3-9]\d(?:[ \-]?\d{4}){2}(?![0-9])")
#: A run of digits, mask characters and a final X: a masked ID, mobile or card number.
_MASKED = re.compile(
    rf"(?<![0-9A-Za-z{MASK_CHARS}])[0-9{MASK_CHARS}]{{10,18}}[0-9Xx{MASK_CHARS}](?![0-9A-Za-z{MASK_CHARS}])"
)
_CARD_WORDS = re.compile(r"银行卡|银行账|银行帐|卡号|账号|帐号|开户|工资卡|社保卡|借记卡|储蓄卡|信用卡")
_CARD_CONTEXT = 24

_STUDENT_LABEL = r"学号|工号|学籍号|职工号|教工号|考生号|准考证号"
_BIRTH_LABEL = r"出生日期|出生年月日|出生年月|出生时间|生日"
_ADDRESS_LABEL = r"家庭住址|家庭地址|家庭住所|现住址|户籍地址|户籍所在地|户口所在地|居住地址|住址"
_D = rf"(?:\d|{_M})"
_DATE_VALUE = rf"{_D}{{4}}\s*(?:年|[-./])\s*{_D}{{1,2}}(?:\s*(?:月|[-./])\s*{_D}{{1,2}}\s*日?|\s*月)?|\d{{8}}"
_LABELLED = (
    (
        "student_number",
        re.compile(rf"(?:{_STUDENT_LABEL})\s*[:：]?\s*([A-Za-z]{{0,3}}[0-9{MASK_CHARS}]{{5,20}})(?![0-9])"),
    ),
    ("birth_date", re.compile(rf"(?:{_BIRTH_LABEL})\s*[:：]?\s*({_DATE_VALUE})")),
    ("home_address", re.compile(rf"(?:{_ADDRESS_LABEL})\s*[:：]\s*([^\s，,；;。|]{{2,60}})")),
)
_HEADER_LABELS = {
    "student_number": re.compile(_STUDENT_LABEL),
    "birth_date": re.compile(_BIRTH_LABEL),
    "home_address": re.compile(_ADDRESS_LABEL),
}
_ADDRESS_CHARS = re.compile(r"[省市区县旗镇乡村路街道号巷弄栋幢楼室组屯]")
_STUDENT_VALUE = re.compile(rf"[A-Za-z]{{0,3}}[0-9{MASK_CHARS}]{{5,20}}")
_DATE_CELL = re.compile(rf"^\s*(?:{_DATE_VALUE})\s*$")


@dataclass(frozen=True)
class Hit:
    """One piece of personal data: its kind, whether it was written masked, where, and a masked
    excerpt (``where`` is what the caller said: a page, ``第3页``, ``Sheet1!C5`` …)."""

    kind: str
    masked: bool
    where: str
    excerpt: str


@dataclass(frozen=True)
class _Span:
    kind: str
    start: int
    end: int
    masked: bool
    shown: str  # the masked form that stands in for text[start:end]


def id18_valid(number: str) -> bool:
    """GB 11643: province code, real birth date from 1900 on, MOD 11-2 check character."""
    if len(number) != 18 or not number[:17].isdigit() or number[:2] not in PROVINCES:
        return False
    if not _real_date(int(number[6:10]), int(number[10:12]), int(number[12:14])):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _WEIGHTS, strict=True))
    return _CHECK[total % 11] == number[17].upper()


def id15_valid(number: str) -> bool:
    """A first-generation number: province code and a real 19yy birth date (no check digit)."""
    if len(number) != 15 or not number.isdigit() or number[:2] not in PROVINCES:
        return False
    return _real_date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))


def luhn_valid(digits: str) -> bool:
    if not digits.isdigit() or len(digits) < 2:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _real_date(year: int, month: int, day: int) -> bool:
    if not 1900 <= year <= 2100:
        return False
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def scan_text(text: str, *, where: str = "", context: str = "") -> list[Hit]:
    """Every hit in ``text``, in order. ``context`` is text that labels it from outside (a
    table's header cell): a card word there makes a Luhn-valid number a bank card."""
    spans = _spans(text, context=context)
    shown = [(s.start, s.end, s.shown) for s in spans]
    return [Hit(s.kind, s.masked, where, excerpt(text, s.start, s.end, shown)) for s in spans]


def _spans(text: str, *, context: str) -> list[_Span]:
    taken: list[_Span] = []
    for finder in (_ids, _cards, _mobiles, _masked, _labelled):
        for span in finder(text, context):
            if not any(span.start < t.end and t.start < span.end for t in taken):
                taken.append(span)
    return sorted(taken, key=lambda s: s.start)


def _span(kind: str, match: re.Match[str], *, group: int = 0, masked: bool = False) -> _Span:
    value = match.group(group)
    return _Span(kind, match.start(group), match.end(group), masked, mask_value(kind, value))


def _ids(text: str, context: str) -> Iterator[_Span]:
    for match in _ID18.finditer(text):
        if id18_valid(match.group()):
            yield _span("id_number", match)
    for match in _ID15.finditer(text):
        if id15_valid(match.group()):
            yield _span("id_number", match)


def _cards(text: str, context: str) -> Iterator[_Span]:
    for match in _CARD.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if not 16 <= len(digits) <= 19 or not luhn_valid(digits):
            continue
        before = text[max(0, match.start() - _CARD_CONTEXT) : match.start()]
        worded = bool(_CARD_WORDS.search(before) or _CARD_WORDS.search(context))
        if worded or (digits.startswith("62") and len(digits) in (16, 19)):
            yield _span("bank_card", match)


def _mobiles(text: str, context: str) -> Iterator[_Span]:
    for match in _MOBILE.finditer(text):
        yield _span("mobile", match)


def _masked(text: str, context: str) -> Iterator[_Span]:
    """Runs of digits and mask characters shaped like a masked ID, mobile or card number."""
    for match in _MASKED.finditer(text):
        token = match.group()
        stars = sum(c in MASK_CHARS for c in token)
        digits = sum(c.isdigit() for c in token)
        if stars < 3 or digits < 2:
            continue
        kind = _masked_kind(token, text[max(0, match.start() - _CARD_CONTEXT) : match.start()] + context)
        if kind is not None:
            yield _Span(kind, match.start(), match.end(), True, token)


def _masked_kind(token: str, before: str) -> str | None:
    if len(token) == 11 and token[0] == "1":
        return "mobile"
    if 16 <= len(token) <= 19 and _CARD_WORDS.search(before):
        return "bank_card"
    if len(token) in (15, 18) and token[0] in "123456789" + MASK_CHARS:
        return "id_number"
    return None


def _labelled(text: str, context: str) -> Iterator[_Span]:
    for kind, pattern in _LABELLED:
        for match in pattern.finditer(text):
            value = match.group(1)
            if kind == "home_address" and not _ADDRESS_CHARS.search(value) and not _has_mask(value):
                continue
            if kind == "student_number" and sum(c.isdigit() for c in value) < 3 and not _has_mask(value):
                continue
            yield _span(kind, match, group=1, masked=_has_mask(value))


def _has_mask(value: str) -> bool:
    return any(c in MASK_CHARS for c in value)


# ---------------------------------------------------------------------------------------- tables


def scan_table(rows: Sequence[Sequence[str]], *, where: str = "") -> list[Hit]:
    """Every hit in a table's cells, each placed by its A1 reference (``where`` + ``C5``). A header
    row (one of the first three naming 学号, 出生日期, 家庭住址 … or a card word) labels the cells
    below it: a 学号 column's values are student numbers, a 卡号 column's numbers bank cards."""
    header_at, header = _header(rows)
    found: list[Hit] = []
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            if not cell or not cell.strip():
                continue
            ref = f"{where}{column_letter(c)}{r + 1}"
            label = header.get(c, "") if r > header_at else ""
            hits = scan_text(cell, where=ref, context=label)
            found += hits or _by_header(cell, label, where=ref)
    return found


def _header(rows: Sequence[Sequence[str]]) -> tuple[int, dict[int, str]]:
    """(row index, column → header text) of the first header-like row among the first three."""
    for r, row in enumerate(rows[:3]):
        labels = {c: cell.strip() for c, cell in enumerate(row) if cell and _is_label(cell)}
        if labels:
            return r, labels
    return len(rows), {}


def _is_label(cell: str) -> bool:
    text = cell.strip()
    if len(text) > 12:
        return False
    return any(p.search(text) for p in _HEADER_LABELS.values()) or bool(_CARD_WORDS.search(text))


def _by_header(cell: str, label: str, *, where: str) -> list[Hit]:
    """A cell whose column header says 学号 / 出生日期 / 家庭住址 and whose value looks like one."""
    value = " ".join(cell.split())
    for kind, pattern in _HEADER_LABELS.items():
        if label and pattern.search(label) and _looks_like(kind, value):
            shown = value if _has_mask(value) else mask_value(kind, value)
            return [Hit(kind, _has_mask(value), where, f"{label}：{shown}")]
    return []


def _looks_like(kind: str, value: str) -> bool:
    if kind == "student_number":
        return bool(_STUDENT_VALUE.fullmatch(value)) and sum(c.isdigit() for c in value) >= 3
    if kind == "birth_date":
        return bool(_DATE_CELL.match(value))
    return 2 <= len(value) <= 60 and (bool(_ADDRESS_CHARS.search(value)) or _has_mask(value))


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA (spreadsheet column names)."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name
