"""Word documents as Chinese official documents look: A4, 仿宋 body, 黑体/楷体 headings, 宋体 tables.

A thin layer on python-docx. Word picks the font of Chinese characters from the ``w:eastAsia``
attribute of ``w:rFonts``, which python-docx's ``font.name`` does not set, so every style and
run here sets it explicitly; without it Chinese text falls back to the template's Latin font.
Page margins and sizes follow GB/T 9704 (党政机关公文格式) loosely, as the office's reports do.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from docx import Document as new_document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

if TYPE_CHECKING:
    from docx.document import Document
    from docx.table import Table, _Cell
    from docx.text.paragraph import Paragraph

LATIN = "Times New Roman"
BODY = "仿宋"  # 正文
TABLE = "宋体"  # tables
TITLE = "宋体"  # the title (方正小标宋 is rarely installed; 宋体 bold stands in)
HEADING_1 = "黑体"  # 一、二、…
HEADING_2 = "楷体"  # （一）（二）…
BODY_PT = 16  # 三号
TABLE_PT = 12  # 小四
SMALL_PT = 10.5  # 五号


def set_fonts(element: object, east_asia: str, *, latin: str = LATIN) -> None:
    """Set the Latin and the East Asian font on a run's or a style's ``w:rPr``."""
    rpr = element.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attribute), latin)
    fonts.set(qn("w:eastAsia"), east_asia)


def document() -> Document:
    """An empty A4 document whose Normal style is 仿宋 三号 with a first-line indent of two characters."""
    doc = new_document()
    for section in doc.sections:
        section.page_height, section.page_width = Mm(297), Mm(210)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    set_fonts(normal.element, BODY)
    layout = normal.paragraph_format
    layout.line_spacing = Pt(28)
    layout.space_after = Pt(0)
    return doc


def paragraph(
    doc: Document,
    text: str,
    *,
    font: str = BODY,
    size: float = BODY_PT,
    bold: bool = False,
    indent: bool = True,
    center: bool = False,
) -> Paragraph:
    """One paragraph of one run; body paragraphs are indented two characters."""
    para = doc.add_paragraph()
    if center:
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if indent and not center:
        para.paragraph_format.first_line_indent = Pt(size * 2)
    run = para.add_run(text)
    run.bold = bold
    run.font.size = Pt(size)
    set_fonts(run._element, font)
    return para


def title(doc: Document, text: str) -> Paragraph:
    return paragraph(doc, text, font=TITLE, size=22, bold=True, center=True)


def heading(doc: Document, text: str, *, level: int) -> Paragraph:
    """一、 (黑体), （一） (楷体), 1. (仿宋 bold): the three levels of a report's headings."""
    font, bold = {1: (HEADING_1, False), 2: (HEADING_2, False)}.get(level, (BODY, True))
    return paragraph(doc, text, font=font, bold=bold)


def landscape(doc: Document, *, new_page: bool = True) -> None:
    """Continue on landscape A4 pages (a wide table): a new section, or the first one turned."""
    section = doc.add_section(WD_SECTION.NEW_PAGE) if new_page else doc.sections[-1]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.top_margin = section.bottom_margin = Mm(25)
    section.left_margin = section.right_margin = Mm(25)


def table(
    doc: Document,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    widths_mm: Sequence[float],
    centered: Sequence[int] = (),
    bold_rows: Sequence[int] = (),
    size: float = TABLE_PT,
) -> Table:
    """A grid table: a bold header row repeated on every page, then `rows` (indexes in `bold_rows`
    bold); the columns in `centered` are centred. A row of one cell spans the whole width (a
    category's heading row)."""
    grid: Table = doc.add_table(rows=1 + len(rows), cols=len(header))
    grid.style = doc.styles["Table Grid"]
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    for j, width in enumerate(widths_mm):
        grid.columns[j].width = Mm(width)
    for i, cells in enumerate([header, *rows]):
        bold = i == 0 or (i - 1) in bold_rows or len(cells) == 1
        if len(cells) == 1:
            merged = grid.cell(i, 0).merge(grid.cell(i, len(header) - 1))
            _cell(merged, cells[0], bold=True, center=False, width=sum(widths_mm), size=size)
            continue
        for j, text in enumerate(cells):
            center = i == 0 or j in centered
            _cell(grid.cell(i, j), text, bold=bold, center=center, width=widths_mm[j], size=size)
    _repeat_header(grid)
    return grid


def _cell(cell: _Cell, text: str, *, bold: bool, center: bool, width: float, size: float) -> None:
    cell.width = Mm(width)
    para = cell.paragraphs[0]
    para.paragraph_format.first_line_indent = Pt(0)
    para.paragraph_format.line_spacing = 1.0
    if center:
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    lines = text.split("\n")
    for k, line in enumerate(lines):
        run = para.add_run(line)
        run.bold = bold
        run.font.size = Pt(size)
        set_fonts(run._element, TABLE)
        if k < len(lines) - 1:
            run.add_break()


def _repeat_header(grid: Table) -> None:
    row = grid.rows[0]._tr
    properties = row.get_or_add_trPr()
    marker = OxmlElement("w:tblHeader")
    marker.set(qn("w:val"), "true")
    properties.append(marker)


def to_bytes(doc: Document) -> bytes:
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
