"""The text of a page or an attachment, for the personal-data scan; bounded, and honest about gaps.

:func:`read_document` turns the bytes of one answer into a :class:`Document`: its free text and
its tables, each part placed (``正文``, ``第3页``, ``Sheet1!``, ``表2!``), or the reason it was not
read. Types are told by their first bytes, then by the URL and Content-Type:

- HTML: the page without scripts, styles, navigation, sidebars and footers; tables as tables;
- PDF: pypdfium2 (PDFium), page by page (bench/README.md: several times pypdf's speed on the
  same text); an encrypted or broken file is ``failed``;
- DOCX: ``word/document.xml`` read with lxml (no entities resolved, no network), paragraphs and
  tables; XLSX and old XLS: python-calamine, every sheet; plain text and CSV as they are;
- old DOC, PPT(X), WPS, archives: ``not_scanned`` (no light reader); images: ``not_scanned``
  (OCR is out of scope).

Limits: the bytes are at most :data:`MAX_BYTES` (the crawl's download cap comes first), a ZIP
container is refused when its directory declares more than :data:`MAX_UNZIPPED` bytes, more than
:data:`MAX_MEMBERS` members or a member packed more than :data:`MAX_RATIO` times (a
decompression bomb), before a byte of it is inflated; reading stops at :data:`MAX_PAGES` pages,
:data:`MAX_CELLS` cells and :data:`MAX_CHARS` characters, and when ``seconds`` have passed
(checked between pages, sheets and rows), and says so in ``reason``.
"""

from __future__ import annotations

import io
import logging
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from lxml import etree
from lxml import html as lxml_html

from crawler.content.pii import Hit, scan_table, scan_text
from crawler.urls import suffix

log = logging.getLogger(__name__)

Outcome = Literal["scanned", "partial", "not_scanned", "failed"]
Rows = list[list[str]]

MAX_BYTES = 32 * 2**20
MAX_UNZIPPED = 64 * 2**20
MAX_MEMBERS = 5_000
MAX_RATIO = 200
MAX_PAGES = 500
MAX_CELLS = 500_000
MAX_CHARS = 8 * 2**20
SECONDS = 20.0

_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM", b"II*\x00", b"MM\x00*", b"RIFF")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_IMAGE_EXT = frozenset({".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp"})
_ASIDE_WORDS = ("side", "related", "relate", "xgxw", "footer", "foot", "copyright", "nav", "menu")
_DROP_TAGS = ("script", "style", "noscript", "template", "head", "nav", "footer", "aside", "select")
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)


@dataclass
class Document:
    """What was read of one page or file: placed texts and tables, or why not."""

    media: str  # html | pdf | docx | xlsx | xls | text | doc | image | other
    outcome: Outcome = "scanned"
    reason: str = ""
    texts: list[tuple[str, str]] = field(default_factory=list)  # (where, text)
    tables: list[tuple[str, Rows]] = field(default_factory=list)  # (where prefix, rows)

    @property
    def chars(self) -> int:
        return sum(len(t) for _, t in self.texts) + sum(
            len(c) for _, r in self.tables for row in r for c in row
        )

    def hits(self) -> list[Hit]:
        """The personal data in every part, in document order (texts, then tables)."""
        found = [hit for where, text in self.texts for hit in scan_text(text, where=where)]
        return found + [hit for where, rows in self.tables for hit in scan_table(rows, where=where)]


class _Stop(Exception):
    """A limit was reached: keep what was read and say which."""


class _Budget:
    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds
        self.seconds, self.chars, self.cells = seconds, 0, 0

    def check(self, *, chars: int = 0, cells: int = 0) -> None:
        self.chars += chars
        self.cells += cells
        if time.monotonic() > self.deadline:
            raise _Stop(f"time limit of {self.seconds:g} s reached")
        if self.chars > MAX_CHARS:
            raise _Stop(f"text limit of {MAX_CHARS // 2**20} MB reached")
        if self.cells > MAX_CELLS:
            raise _Stop(f"cell limit of {MAX_CELLS} reached")


def media_of(body: bytes, *, url: str = "", content_type: str = "") -> str:
    """The type of a file by its first bytes, then by its URL's extension and Content-Type."""
    ext = suffix(url.split("?", 1)[0].lower())
    head = body[:8]
    if head.startswith(b"%PDF") or body[:1024].lstrip().startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _zip_media(body, ext)
    if head.startswith(_OLE_MAGIC):
        return "xls" if ext in (".xls", ".et") else "doc"
    if head.startswith(_IMAGE_MAGIC) or ext in _IMAGE_EXT or content_type.startswith("image/"):
        return "image"
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind in ("text/html", "application/xhtml+xml") or body[:512].lstrip()[:1] == b"<":
        return "html"
    if kind in ("text/plain", "text/csv") or ext in (".txt", ".csv"):
        return "text"
    return "other"


def _zip_media(body: bytes, ext: str) -> str:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(body)).namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return {".docx": "docx", ".xlsx": "xlsx"}.get(ext, "other")
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return "other"


def read_document(
    body: bytes,
    *,
    url: str = "",
    content_type: str = "",
    encoding: str | None = None,
    seconds: float = SECONDS,
) -> Document:
    """The placed text of a page or file (see the module docstring); never raises on bad bytes."""
    media = media_of(body, url=url, content_type=content_type)
    if len(body) > MAX_BYTES:
        return Document(media, "not_scanned", f"file over {MAX_BYTES // 2**20} MB")
    reader = _READERS.get(media)
    if reader is None:
        return Document(media, "not_scanned", _NOT_SCANNED.get(media, "file type not read"))
    doc = Document(media)
    try:
        reader(doc, body, encoding, _Budget(seconds))
    except _Stop as stop:
        doc.outcome, doc.reason = "partial", str(stop)
    except Exception as exc:  # a broken or hostile file is one file's outcome, never a crashed scan
        log.debug("cannot read %s: %r", url, exc)
        doc.outcome, doc.reason = "failed", f"cannot read the {media.upper()}: {type(exc).__name__}"
    return doc


_NOT_SCANNED = {
    "doc": "old Word (.doc) file: not scanned",
    "image": "image: not scanned (no OCR)",
    "other": "file type not read",
}


# ---------------------------------------------------------------------------------------- HTML


def _read_html(doc: Document, body: bytes, encoding: str | None, budget: _Budget) -> None:
    text = body.decode(encoding or "utf-8", errors="replace")
    root = lxml_html.fromstring(text) if text.strip() else None
    if root is None:
        return
    for element in list(root.iter(*_DROP_TAGS)):
        _drop(element)
    for element in [e for e in root.iter() if isinstance(e.tag, str) and _is_aside(e)]:
        _drop(element)
    for number, table in enumerate(list(root.iter("table")), start=1):
        if table.getparent() is None or any(a.tag == "table" for a in table.iterancestors()):
            continue
        doc.tables.append((f"表{number}!", _html_rows(table)))
        budget.check(cells=sum(len(r) for r in doc.tables[-1][1]))
        _drop(table)
    page = _block_text(root)
    budget.check(chars=len(page))
    doc.texts.append(("正文", page))


def _drop(element: lxml_html.HtmlElement) -> None:
    parent = element.getparent()
    if parent is not None:
        tail = element.tail
        parent.remove(element)
        if tail:  # the text after the element belongs to its parent
            previous = element.getprevious()
            if previous is not None:
                previous.tail = (previous.tail or "") + tail
            else:
                parent.text = (parent.text or "") + tail


def _is_aside(element: lxml_html.HtmlElement) -> bool:
    words = f"{element.get('class', '')} {element.get('id', '')}".lower()
    return any(word in words for word in _ASIDE_WORDS)


def _html_rows(table: lxml_html.HtmlElement) -> Rows:
    rows = []
    for tr in table.iter("tr"):
        rows.append([" ".join(cell.text_content().split()) for cell in tr if cell.tag in ("td", "th")])
    return rows


def _block_text(root: lxml_html.HtmlElement) -> str:
    """The text with a line break at each block (so that words of two blocks never join)."""
    for element in root.iter("br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "td", "th"):
        element.tail = "\n" + (element.tail or "")
    return "\n".join(line.strip() for line in root.text_content().splitlines() if line.strip())


# ---------------------------------------------------------------------------------------- PDF


def _read_pdf(doc: Document, body: bytes, encoding: str | None, budget: _Budget) -> None:
    for where, text in pdf_pages(body, engine="pdfium"):
        doc.texts.append((where, text))
        budget.check(chars=len(text))


def pdf_pages(body: bytes, *, engine: str = "pdfium") -> Iterator[tuple[str, str]]:
    """(``第N页``, text) per page, at most :data:`MAX_PAGES`, by PDFium or by pypdf (the bench)."""
    if engine == "pypdf":
        yield from _pypdf_pages(body)
        return
    import pypdfium2  # here: a native library, loaded only when a PDF comes

    pdf = pypdfium2.PdfDocument(body)
    try:
        for index in range(min(len(pdf), MAX_PAGES)):
            page = pdf[index]
            textpage = page.get_textpage()
            try:
                yield f"第{index + 1}页", textpage.get_text_range()
            finally:
                textpage.close()
                page.close()
        if len(pdf) > MAX_PAGES:
            raise _Stop(f"page limit of {MAX_PAGES} reached ({len(pdf)} pages)")
    finally:
        pdf.close()


def _pypdf_pages(body: bytes) -> Iterator[tuple[str, str]]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(body))
    for index, page in enumerate(reader.pages[:MAX_PAGES]):
        yield f"第{index + 1}页", page.extract_text() or ""


# ---------------------------------------------------------------------------------------- OOXML


def safe_zip(body: bytes) -> zipfile.ZipFile:
    """The ZIP container, after its directory was checked against the bomb limits (ValueError)."""
    archive = zipfile.ZipFile(io.BytesIO(body))
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise _Refused(f"ZIP with {len(members)} members refused (limit {MAX_MEMBERS})")
    total = sum(m.file_size for m in members)
    if total > MAX_UNZIPPED:
        raise _Refused(
            f"ZIP declaring {total // 2**20} MB unpacked refused (limit {MAX_UNZIPPED // 2**20} MB)"
        )
    for m in members:
        if m.file_size > 2**20 and m.file_size > MAX_RATIO * max(m.compress_size, 1):
            raise _Refused(
                f"ZIP member {m.filename[:60]!r} packed {m.file_size // max(m.compress_size, 1)}x refused"
            )
    return archive


class _Refused(ValueError):
    """A container refused before it was unpacked (a decompression bomb)."""


def _member(archive: zipfile.ZipFile, name: str) -> bytes:
    """One member, read no further than its declared size (a lying directory cannot inflate more)."""
    info = archive.getinfo(name)
    with archive.open(info) as stream:
        data = stream.read(info.file_size + 1)
    if len(data) > info.file_size:
        raise _Refused(f"ZIP member {name!r} larger than declared")
    return data


def _read_docx(doc: Document, body: bytes, encoding: str | None, budget: _Budget) -> None:
    root = etree.fromstring(_member(safe_zip(body), "word/document.xml"), _XML)
    body_el = root.find(f"{_W}body")
    paragraphs: list[str] = []
    for number, element in enumerate(body_el if body_el is not None else [], start=1):
        if element.tag == f"{_W}p":
            paragraphs.append(_w_text(element))
        elif element.tag == f"{_W}tbl":
            rows = [[_w_text(tc) for tc in tr.iter(f"{_W}tc")] for tr in element.iter(f"{_W}tr")]
            doc.tables.append((f"表{len(doc.tables) + 1}!", rows))
            budget.check(cells=sum(len(r) for r in rows))
        if number % 200 == 0:
            budget.check()
    text = "\n".join(p for p in paragraphs if p)
    budget.check(chars=len(text))
    doc.texts.append(("正文", text))


def _w_text(element: etree._Element) -> str:
    """A paragraph's or a cell's text: its w:t runs, a tab or break as a space."""
    parts = []
    for node in element.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}p"):
        if node.tag == f"{_W}t":
            parts.append(node.text or "")
        elif node is not element:
            parts.append(" " if node.tag != f"{_W}p" else "\n")
    return "".join(parts).strip()


def _read_sheets(doc: Document, body: bytes, encoding: str | None, budget: _Budget) -> None:
    from python_calamine import CalamineWorkbook  # here: a native library, loaded only for sheets

    if doc.media == "xlsx":
        safe_zip(body)
    book = CalamineWorkbook.from_filelike(io.BytesIO(body))
    for name in book.sheet_names:
        rows: Rows = []
        for row in book.get_sheet_by_name(name).iter_rows():
            rows.append([_cell(value) for value in row])
            budget.check(cells=len(row))
        doc.tables.append((f"{name}!", rows))


def _cell(value: object) -> str:
    """A cell's value as its text: whole floats without ``.0``, midnight datetimes as dates."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = str(value) if value is not None else ""
    return text[:-9] if text.endswith(" 00:00:00") else text


def _read_text(doc: Document, body: bytes, encoding: str | None, budget: _Budget) -> None:
    for codec in (encoding, "utf-8", "gb18030"):
        if not codec:
            continue
        try:
            text = body.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
        budget.check(chars=len(text))
        doc.texts.append(("正文", text))
        return
    raise ValueError("undecodable text")


_Reader = Callable[[Document, bytes, "str | None", _Budget], None]


def _refusing(reader: _Reader) -> _Reader:
    """A reader whose refusal of a bomb is the file's outcome ``not_scanned``, with its reason."""

    def read(doc: Document, body: bytes, encoding: str | None, budget: _Budget) -> None:
        try:
            reader(doc, body, encoding, budget)
        except _Refused as refused:
            doc.outcome, doc.reason = "not_scanned", str(refused)
        except zipfile.BadZipFile as exc:
            raise ValueError(str(exc)) from None

    return read


_READERS: dict[str, _Reader] = {
    "html": _read_html,
    "pdf": _read_pdf,
    "docx": _refusing(_read_docx),
    "xlsx": _refusing(_read_sheets),
    "xls": _read_sheets,
    "text": _read_text,
}
