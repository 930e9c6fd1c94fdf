"""The 公示期 a 公示 page states: a range of dates, or a number of (working) days.

``公示时间：2022年9月1日至9月7日`` and ``公示期：2022-09-01—2022-09-07`` give a range (the end's year
taken from the start when it is left out); ``公示期为5个工作日`` and ``公示期为七天`` give days counted
from the publication date (the monitor counts working days on its holiday calendar; the crawler
knows no calendar). The first statement near a 公示 word wins.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

_NUMERALS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}

#: Where a period is stated: 公示期, 公示时间, 公示期限, 公示日期 and what joins them to the period.
_LEAD = r"公示(?:期限?|时间|日期|时段)\s*(?:为|是|自|从|[:：])?\s*(?:自|从)?\s*"
_DAY = r"(?:(?P<{p}y>\d{{4}})\s*[年\-./])?\s*(?P<{p}m>\d{{1,2}})\s*[月\-./]\s*(?P<{p}d>\d{{1,2}})\s*日?"
_TIME = r"(?:\s*(?:上午|下午)?\s*\d{1,2}\s*[:：时点]\s*(?:\d{2})?\s*分?)?"
_RANGE = re.compile(
    _LEAD
    + _DAY.format(p="a")
    + _TIME
    + r"[^至到\-—–~～\d]{0,12}?\s*(?:至|到|—+|–|-|~|～)\s*"
    + _DAY.format(p="b")
)
_DAYS = re.compile(_LEAD + r"(?P<n>\d{1,2}|[一二两三四五六七八九十]{1,3})\s*(?:个)?\s*(?P<unit>工作日|天|日)")


def gongshi_period(text: str, *, published_on: dt.date | None = None) -> dict[str, Any] | None:
    """The period ``text`` states, as JSON: ``{"from", "to"}`` ISO dates or ``{"days", "working"}``."""
    flat = " ".join(text.split())
    found = _RANGE.search(flat)
    if found:
        period = _range(found, published_on)
        if period is not None:
            return period
    counted = _DAYS.search(flat)
    if counted:
        days = _number(counted["n"])
        if days:
            return {"days": days, "working": counted["unit"] == "工作日"}
    return None


def _range(found: re.Match[str], published_on: dt.date | None) -> dict[str, Any] | None:
    first_year = found["ay"] or (published_on.year if published_on else None)
    if first_year is None:
        return None
    try:
        start = dt.date(int(first_year), int(found["am"]), int(found["ad"]))
        end = dt.date(int(found["by"] or start.year), int(found["bm"]), int(found["bd"]))
    except ValueError:
        return None
    if end < start and not found["by"] and end.month < start.month:  # 12月28日至1月4日: the next year
        end = end.replace(year=end.year + 1)
    if end < start or (end - start).days > 366:
        return None
    return {"from": start.isoformat(), "to": end.isoformat()}


def _number(text: str) -> int:
    if text.isdecimal():
        return int(text)
    if text == "十":
        return 10
    tens, _, ones = text.partition("十")
    if "十" not in text:
        return _NUMERALS.get(text, 0)
    return (_NUMERALS.get(tens, 1) if tens else 1) * 10 + _NUMERALS.get(ones, 0)
