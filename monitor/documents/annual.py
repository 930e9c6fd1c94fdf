"""The annual disclosure report's section 二 as the office edits it (信息公开工作年度报告).

Section 二(一)1 prints, per campus, the sentence and the table of the statistics (序号 | 网站名称
| 网址 | 数量, then 总计) from :class:`monitor.stats.StatsTables`, the same tables as ``xxgk stats
--format json``; section 二(二) is one sentence over the 依申请公开 register; the appendix is the
checklist table (:mod:`monitor.documents.checklist`). Nothing here reads the store: callers pass
the tables, the requests' figures and the checklist rows in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from monitor.documents import word
from monitor.documents.checklist import ChecklistTable, add_checklist_table
from monitor.rules.requests import Figures
from monitor.stats import MANUAL_MARK, CampusTable, StatsTables, cn_date

if TYPE_CHECKING:
    from docx.document import Document

MANUAL_NOTE = f"注：{MANUAL_MARK} 为人工填报的数量（该网站无法自动采集）。"
#: Column widths of the statistics table, in mm (the text block of A4 is 156 mm wide).
STATS_WIDTHS = (14, 42, 72, 22)


def period_text(tables: StatsTables) -> str:
    return f"{cn_date(tables.start)}至{cn_date(tables.end)}"


def campus_sentence(tables: StatsTables, campus: CampusTable) -> str:
    """The report's sentence before each campus's table."""
    return f"{period_text(tables)}，{campus.name}新增的主动公开信息数达{campus.total}条，详见下表："


def closing_sentence(tables: StatsTables) -> str:
    return (
        f"合计：{period_text(tables)}，{len(tables.campuses)}个校区新增的主动公开信息数共{tables.total}条。"
    )


def stats_rows(campus: CampusTable) -> list[list[str]]:
    """The table's rows: one per site in config order (the report's), then 总计."""
    rows = [
        [str(i), row.name, row.url, f"{row.count}{MANUAL_MARK}" if row.manual else str(row.count)]
        for i, row in enumerate(campus.sites, start=1)
    ]
    return [*rows, ["", "总计", "", str(campus.total)]]


def add_counts(doc: Document, tables: StatsTables) -> None:
    """二(一)1 主动公开信息数量: sentence and table per campus, then the total over the campuses."""
    word.heading(doc, "1.主动公开信息数量", level=3)
    for campus in tables.campuses:
        word.paragraph(doc, campus_sentence(tables, campus))
        rows = stats_rows(campus)
        word.table(
            doc,
            ("序号", "网站名称", "网址", "数量"),
            rows,
            widths_mm=STATS_WIDTHS,
            centered=(0, 3),
            bold_rows=(len(rows) - 1,),
        )
        word.paragraph(doc, "")
    word.paragraph(doc, closing_sentence(tables))
    if any(row.manual for campus in tables.campuses for row in campus.sites):
        word.paragraph(doc, MANUAL_NOTE, size=word.TABLE_PT)


def requests_sentence(figures: Figures, *, period: str) -> str:
    """二(二): how many requests were received in the period, how they were answered, and when."""
    if figures.received == 0:
        return f"{period}，学校未收到依申请公开信息的申请。"
    answered = "、".join(f"{label}{n}项" for label, n in figures.by_kind if n)
    parts = [f"{period}，学校共收到依申请公开信息的申请{figures.received}项"]
    if answered:
        parts.append(f"已答复{figures.answered}项（其中{answered}）")
    if figures.pending:
        parts.append(f"尚在办理{figures.pending}项")
    timing = (
        f"均在规定期限（{figures.working_days}个工作日）内答复"
        if figures.late == 0 and figures.overdue == 0
        else f"{figures.late + figures.overdue}项未在规定期限（{figures.working_days}个工作日）内答复"
    )
    return "，".join(parts) + f"；{timing}。"


def stats_document(tables: StatsTables) -> bytes:
    """``xxgk stats --format docx``: section 二(一)1 alone."""
    doc = word.document()
    add_counts(doc, tables)
    return word.to_bytes(doc)


def annual_document(
    tables: StatsTables, figures: Figures, checklist: ChecklistTable, *, institution: str
) -> bytes:
    """``xxgk report annual``: sections 二(一) and 二(二), and the checklist table as the appendix."""
    doc = word.document()
    years = f"{tables.start.year}-{tables.end.year}"
    word.title(doc, f"{years}年度{institution}信息公开工作年度报告")
    word.paragraph(doc, f"（第二部分 信息公开情况，由信息公开监测系统生成，{period_text(tables)}）", size=14)
    word.heading(doc, "二、信息公开情况", level=1)
    word.heading(doc, "（一）主动公开信息情况", level=2)
    add_counts(doc, tables)
    word.heading(doc, "（二）依申请公开信息情况", level=2)
    word.paragraph(doc, requests_sentence(figures, period=period_text(tables)))
    add_checklist_table(doc, checklist, caption_prefix="附件")
    return word.to_bytes(doc)
