"""Small real attachments for the demo campus and the tests: a PDF, a DOCX and an XLSX, made in code.

The PDF is written by hand (one Helvetica text line per row, ASCII only: the standard fonts hold
no Chinese), the DOCX as its three OOXML parts, the XLSX with openpyxl; each opens in an office
suite. :func:`fake_id`, :func:`fake_mobile` and :func:`fake_card` make numbers that pass their
checks (GB 11643, Luhn) and belong to nobody: IDs of 1900-era births, the 138 0000 prefix range.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import zipfile
from collections.abc import Sequence
from xml.sax.saxutils import escape

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_check(body: str) -> str:
    """The GB 11643 check character of the first 17 digits."""
    return "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]


def luhn_digit(body: str) -> str:
    """The digit that makes ``body`` + it pass the Luhn check."""
    total = 0
    for i, d in enumerate(reversed(body)):
        n = int(d) * (1 if i % 2 else 2)
        total += n - 9 if n > 9 else n
    return str(-total % 10)


def fake_id(rng: random.Random, *, region: str = "110105") -> str:
    born = dt.date(1900, 1, 1) + dt.timedelta(days=rng.randrange(365 * 8))
    body = f"{region}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return body + id_check(body)


def bad_id(rng: random.Random) -> str:
    """An 18-character number like an ID whose check character is wrong (no leak)."""
    good = fake_id(rng)
    return good[:17] + next(c for c in "0123456789X" if c != good[17])


def fake_mobile(rng: random.Random) -> str:
    return f"1380000{rng.randrange(10_000):04d}"


def fake_card(rng: random.Random, *, digits: int = 19) -> str:
    body = "622202" + "".join(str(rng.randrange(10)) for _ in range(digits - 7))
    return body + luhn_digit(body)


def pdf_bytes(lines: Sequence[str]) -> bytes:
    """A one-page PDF with ``lines`` (ASCII) in Helvetica, with a correct cross-reference table."""
    text = "".join(f"({_pdf_escape(line)}) Tj T* " for line in lines)
    stream = f"BT /F1 10 Tf 14 TL 50 800 Td {text}ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = io.BytesIO(), []
    out.write(b"%PDF-1.4\n")
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _pdf_escape(line: str) -> str:
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="word/document.xml"/></Relationships>'
)


def docx_bytes(paragraphs: Sequence[str], table: Sequence[Sequence[str]] = ()) -> bytes:
    """A Word document: the paragraphs, then the table (first row its header)."""
    body = "".join(_w_paragraph(p) for p in paragraphs)
    if table:
        rows = "".join(
            "<w:tr>" + "".join(f"<w:tc>{_w_paragraph(cell)}</w:tc>" for cell in row) + "</w:tr>"
            for row in table
        )
        body += f"<w:tbl>{rows}</w:tbl>"
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    document = f"{head}<w:document {_W}><w:body>{body}</w:body></w:document>"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("word/document.xml", document)
    return out.getvalue()


def _w_paragraph(text: str) -> str:
    return f'<w:p><w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>'


def xlsx_bytes(rows: Sequence[Sequence[str]], *, sheet: str = "Sheet1") -> bytes:
    """A workbook of one sheet holding ``rows`` as text cells (as offices type ID numbers)."""
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
