"""Period counts and the annual report's statistics tables (年度报告 二(一) 主动公开信息数量).

`build_tables` turns per-site counts into one table per campus, in config order, exactly the
rows of the report (序号, 网站名称, 网址, 数量, then 总计). Manual counts (sites that cannot be
crawled, such as the OA systems) replace the crawled count for their period and are marked.
The renderers below turn the tables into the output formats of `xxgk stats`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from monitor.config import Config

FORMATS = ("table", "md", "csv", "json", "xlsx", "docx")
#: The days a period, a check or a crawl may name. Campus websites began in the 1990s; the upper
#: bound keeps a year's arithmetic (the same period a year before or after) within Python's dates.
FIRST_DAY = dt.date(1990, 1, 1)
LAST_DAY = dt.date(2099, 12, 31)


def parse_day(text: str) -> dt.date:
    """A local date a user gave (``YYYY-MM-DD``, FIRST_DAY to LAST_DAY); ValueError naming the problem."""
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"expected a date as YYYY-MM-DD (got {text!r})") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"expected a date from {FIRST_DAY} to {LAST_DAY} (got {text!r})")
    return day


MANUAL_MARK = "*"


@dataclass(frozen=True)
class SiteRow:
    id: str
    name: str
    url: str
    count: int
    manual: bool
    last_year: int = 0  # the same period one year before


@dataclass(frozen=True)
class CampusTable:
    id: str
    name: str
    sites: tuple[SiteRow, ...]

    @property
    def total(self) -> int:
        return sum(row.count for row in self.sites)


@dataclass(frozen=True)
class StatsTables:
    start: dt.date
    end: dt.date
    campuses: tuple[CampusTable, ...]
    by_type: dict[str, int] = field(default_factory=dict)  # 干部任职公告, 招聘信息 … in the period

    @property
    def total(self) -> int:
        return sum(campus.total for campus in self.campuses)


def statistics_year_of(year_start: str, *, day: dt.date) -> tuple[dt.date, dt.date]:
    """The statistics year (学年) that contains `day`, as inclusive local dates."""
    month, first = (int(part) for part in year_start.split("-"))
    start = _on(day.year, month, first)
    if start > day:
        start = _on(day.year - 1, month, first)
    return start, _on(start.year + 1, month, first) - dt.timedelta(days=1)


def statistics_year(year_start: str, *, today: dt.date) -> tuple[dt.date, dt.date]:
    """The latest statistics year (学年) that ended before `today`, as inclusive local dates."""
    current, _ = statistics_year_of(year_start, day=today)
    return statistics_year_of(year_start, day=current - dt.timedelta(days=1))


def _on(year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:  # a year_start of 02-29 in a common year
        return dt.date(year, month, 28)


def build_tables(
    config: Config,
    *,
    start: dt.date,
    end: dt.date,
    counts: Mapping[str, int],
    manual: Mapping[str, int],
    last_year: Mapping[str, int] | None = None,
    by_type: Mapping[str, int] | None = None,
) -> StatsTables:
    """The report's tables for [start, end]: crawled counts, replaced by manual ones where given."""
    campuses = tuple(
        CampusTable(
            id=campus.id,
            name=campus.name,
            sites=tuple(
                SiteRow(
                    id=site.id,
                    name=site.name,
                    url=site.url,
                    count=manual.get(site.id, counts.get(site.id, 0)),
                    manual=site.id in manual,
                    last_year=(last_year or {}).get(site.id, 0),
                )
                for site in campus.sites
            ),
        )
        for campus in config.campuses
    )
    return StatsTables(start=start, end=end, campuses=campuses, by_type=dict(by_type or {}))


def to_json(tables: StatsTables) -> str:
    doc = {
        "from": tables.start.isoformat(),
        "to": tables.end.isoformat(),
        "total": tables.total,
        "by_type": tables.by_type,
        "campuses": [
            {
                "id": campus.id,
                "name": campus.name,
                "total": campus.total,
                "sites": [
                    {
                        "id": s.id,
                        "name": s.name,
                        "url": s.url,
                        "count": s.count,
                        "manual": s.manual,
                        "last_year": s.last_year,
                    }
                    for s in campus.sites
                ],
            }
            for campus in tables.campuses
        ],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2)


def cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _count_cell(row: SiteRow) -> str:
    return f"{row.count}{MANUAL_MARK}" if row.manual else str(row.count)


def _md_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def to_markdown(tables: StatsTables) -> str:
    """The report's own tables: a sentence and 序号 | 网站名称 | 网址 | 数量 | 总计 per campus."""
    period = f"{cn_date(tables.start)}至{cn_date(tables.end)}"
    lines: list[str] = []
    for campus in tables.campuses:
        lines += [
            f"## {_md_cell(campus.name)}",
            "",
            f"{period}，{_md_cell(campus.name)}新增的主动公开信息数达{campus.total}条，详见下表：",
            "",
            "| 序号 | 网站名称 | 网址 | 数量 |",
            "| ---: | --- | --- | ---: |",
        ]
        lines += [
            f"| {i} | {_md_cell(row.name)} | {_md_cell(row.url)} | {_count_cell(row)} |"
            for i, row in enumerate(campus.sites, start=1)
        ]
        lines += [f"|  | 总计 |  | {campus.total} |", ""]
    lines.append(f"合计：{period}，{len(tables.campuses)}个校区新增的主动公开信息数共{tables.total}条。")
    if tables.by_type:
        kinds = "，".join(
            f"{name} {n} 条" for name, n in sorted(tables.by_type.items(), key=lambda kv: -kv[1])
        )
        lines += ["", f"按类型（标题分类）：{kinds}。"]
    if any(row.manual for campus in tables.campuses for row in campus.sites):
        lines += ["", f"{MANUAL_MARK} 人工填报的数量（该网站无法自动采集）。"]
    return "\n".join(lines) + "\n"


def to_csv(tables: StatsTables) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["校区", "序号", "网站名称", "网址", "数量", "人工填报"])
    for campus in tables.campuses:
        for i, row in enumerate(campus.sites, start=1):
            writer.writerow([campus.name, i, row.name, row.url, row.count, "是" if row.manual else ""])
        writer.writerow([campus.name, "", "总计", "", campus.total, ""])
    return out.getvalue()


def to_xlsx(tables: StatsTables) -> bytes:
    """One worksheet per campus, laid out as the report's table."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active) if book.active is not None else None
    for campus in tables.campuses:
        sheet = book.create_sheet(title=campus.name[:31])
        sheet.append([f"{cn_date(tables.start)}至{cn_date(tables.end)} {campus.name}新增主动公开信息数"])
        sheet.append(["序号", "网站名称", "网址", "数量", "人工填报"])
        for i, row in enumerate(campus.sites, start=1):
            sheet.append([i, row.name, row.url, row.count, "是" if row.manual else ""])
        sheet.append([None, "总计", None, campus.total, None])
        for cell in (*sheet[1], *sheet[2], *sheet[sheet.max_row]):
            cell.font = Font(bold=True)
        for letter, width in zip("ABCDE", (6, 20, 44, 10, 10), strict=True):
            sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_rows(tables: StatsTables) -> list[tuple[str, str, str, str, str]]:
    """Rows for a terminal table: campus, 序号, name, URL, count (with totals)."""
    rows: list[tuple[str, str, str, str, str]] = []
    for campus in tables.campuses:
        for i, row in enumerate(campus.sites, start=1):
            rows.append((campus.name if i == 1 else "", str(i), row.name, row.url, _count_cell(row)))
        rows.append(("", "", "总计", "", str(campus.total)))
    return rows
