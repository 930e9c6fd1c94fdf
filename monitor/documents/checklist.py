"""The 高等学校信息公开事项清单公开情况表: the 10 categories and 50 items, how and where each is published.

Universities attach this table to the annual report. Every row comes from one check (the
document of ``xxgk check --format json``, :func:`monitor.checks.check_document`) and the config:
the item's status and remark are the check's verdict, "where published" is each configured
column carrying the item (its URL) and the newest evidence (its URL and date). Nothing is judged
here. Rendered as Markdown, XLSX (one numbered row per item) and Word.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from monitor.config import Config
from monitor.documents import word
from monitor.reports import labels

if TYPE_CHECKING:
    from docx.document import Document

HEADER = ("序号", "类别", "清单事项", "公开情况", "公开栏目", "最新信息", "备注")


@dataclass(frozen=True)
class Place:
    """Where an item is published: a configured column, or the newest evidence found."""

    where: str  # 网站/栏目, or the title of the newest item
    url: str
    date: str | None = None


@dataclass(frozen=True)
class ChecklistRow:
    number: int
    category: str
    title: str
    text: str
    status: str
    status_label: str
    columns: tuple[Place, ...]  # the configured columns carrying the item
    newest: Place | None  # the newest evidence: an item, or a column's newest date
    remark: str  # why an item is missing, stale, overdue or could not be checked


@dataclass(frozen=True)
class ChecklistTable:
    at: str
    institution: str
    rows: tuple[ChecklistRow, ...]
    categories: tuple[tuple[int, str], ...]

    def counts(self) -> dict[str, int]:
        found: dict[str, int] = dict.fromkeys(labels.ITEM_STATUS, 0)
        for row in self.rows:
            found[row.status] = found.get(row.status, 0) + 1
        return found


def build(config: Config, check: Mapping[str, Any]) -> ChecklistTable:
    """The table of one check document, in checklist order."""
    by_slug = {entry["slug"]: entry for entry in check["checklist"]}
    categories = {c.number: c.name for c in config.checklist.categories}
    rows = tuple(
        _row(
            item.number, categories.get(item.category, ""), item.title, item.text, by_slug[item.slug], config
        )
        for item in config.checklist.items
    )
    return ChecklistTable(
        at=str(check["at"]),
        institution=config.institution.name,
        rows=rows,
        categories=tuple(sorted(categories.items())),
    )


def _row(
    number: int, category: str, title: str, text: str, entry: Mapping[str, Any], config: Config
) -> ChecklistRow:
    status = entry["status"]
    return ChecklistRow(
        number=number,
        category=category,
        title=title,
        text=text,
        status=status,
        status_label=labels.label(labels.ITEM_STATUS, status),
        columns=_columns(config, entry["slug"]),
        newest=_newest(entry.get("evidence", []), config),
        remark=_remark(status, entry.get("reason"), entry.get("due")),
    )


def _columns(config: Config, slug: str) -> tuple[Place, ...]:
    return tuple(
        Place(f"{site.name}/{column.name}", column.url)
        for _, site in config.sites()
        for column in site.columns
        if slug in column.checklist
    )


def _newest(evidence: Sequence[Mapping[str, Any]], config: Config) -> Place | None:
    """The newest classified item (the check lists evidence newest first), else the newest column."""
    items = [e for e in evidence if e.get("status") is None and e.get("url")]
    dated = [e for e in evidence if e.get("date") and e.get("url")]
    found = items or dated or [e for e in evidence if e.get("url")]
    if not found:
        return None
    chosen = found[0]
    names = {site.id: site.name for _, site in config.sites()}
    where = (
        chosen["title"]
        if chosen.get("status") is None
        else f"{names.get(chosen['site'], chosen['site'])}/{chosen['title']}"
    )
    return Place(labels.one_line(str(where)), str(chosen["url"]), chosen.get("date"))


def _remark(status: str, reason: str | None, due: str | None) -> str:
    if status == "ok":
        return ""
    why = labels.reason(reason)
    when = {"overdue": f"应于 {due} 前公开", "stale": f"应于 {due} 前更新"}.get(status) if due else None
    if status == "could_not_check":
        return f"无法检查：{why}" if why else "无法检查"
    return "，".join(part for part in (why, when) if part)


def _place_text(place: Place) -> str:
    return f"{place.where} {place.url}" + (f"（{place.date}）" if place.date else "")


def _cells(row: ChecklistRow) -> list[str]:
    columns = "\n".join(_place_text(place) for place in row.columns) or "—"
    newest = _place_text(row.newest) if row.newest else "—"
    return [str(row.number), row.category, row.title, row.status_label, columns, newest, row.remark]


def caption(table: ChecklistTable) -> str:
    return f"高等学校信息公开事项清单公开情况表（{table.institution}，截至 {table.at}）"


def summary_line(table: ChecklistTable) -> str:
    counts = table.counts()
    parts = "，".join(f"{labels.ITEM_STATUS.get(s, s)} {n} 项" for s, n in counts.items() if n)
    return f"共 {len(table.rows)} 项：{parts}。"


# ----------------------------------------------------------------------------- renderers


def _md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "<br>")


def to_markdown(table: ChecklistTable) -> str:
    lines = [f"# {_md(caption(table))}", "", summary_line(table), ""]
    categories = dict(table.categories)
    for number, name in categories.items():
        lines += [
            f"## {number}. {_md(name)}",
            "",
            "| " + " | ".join(HEADER) + " |",
            "| ---: |" + " --- |" * 6,
        ]
        lines += [
            "| " + " | ".join(_md(c) for c in _cells(row)) + " |"
            for row in table.rows
            if row.category == name
        ]
        lines.append("")
    return "\n".join(lines)


def to_xlsx(table: ChecklistTable) -> bytes:
    """One sheet: a title row, the header, then one numbered row per item (50 rows)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "事项清单"
    sheet.append([caption(table)])
    sheet.append(
        [
            "序号",
            "类别",
            "清单事项",
            "事项内容",
            "公开情况",
            "公开栏目",
            "栏目网址",
            "最新信息",
            "最新信息网址",
            "最新信息日期",
            "备注",
        ]
    )
    for row in table.rows:
        sheet.append(
            [
                row.number,
                row.category,
                row.title,
                row.text,
                row.status_label,
                "\n".join(place.where for place in row.columns),
                "\n".join(place.url for place in row.columns),
                row.newest.where if row.newest else "",
                row.newest.url if row.newest else "",
                (row.newest.date or "") if row.newest else "",
                row.remark,
            ]
        )
    for cell in (*sheet[1], *sheet[2]):
        cell.font = Font(bold=True)
    for line in sheet.iter_rows(min_row=3):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCDEFGHIJK", (6, 14, 24, 40, 10, 24, 40, 30, 40, 12, 30), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A3"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def add_checklist_table(doc: Document, table: ChecklistTable, *, caption_prefix: str = "") -> None:
    """The table into a Word document, on landscape pages: its caption, the counts, then per
    category a heading row and one row per item."""
    word.landscape(doc, new_page=bool(doc.paragraphs))
    heading = f"{caption_prefix}：{caption(table)}" if caption_prefix else caption(table)
    word.paragraph(doc, heading, font=word.HEADING_1, indent=False)
    word.paragraph(doc, summary_line(table), size=word.TABLE_PT, indent=False)
    rows: list[list[str]] = []
    for number, name in table.categories:
        rows.append([f"{_CN_NUMBERS[number]}、{name}"])
        rows += [_word_cells(row) for row in table.rows if row.category == name]
    word.table(doc, WORD_HEADER, rows, widths_mm=WORD_WIDTHS, centered=(0, 2), size=word.SMALL_PT)


_CN_NUMBERS = dict(enumerate("〇一二三四五六七八九十", start=0))
WORD_HEADER = ("序号", "清单事项", "公开情况", "公开栏目", "最新信息", "备注")
#: The Word table's widths in mm, on landscape A4 (247 mm between the margins).
WORD_WIDTHS = (12, 48, 18, 64, 70, 35)


def _word_cells(row: ChecklistRow) -> list[str]:
    cells = _cells(row)
    return [cells[0], f"{row.title}", *cells[3:]]


def to_docx(table: ChecklistTable) -> bytes:
    doc = word.document()
    add_checklist_table(doc, table)
    return word.to_bytes(doc)
