"""Attachment text: real PDF, DOCX and XLSX files made in code; old Office files, images and
decompression bombs get their named outcome."""

from __future__ import annotations

import io
import random
import zipfile

import pytest

from crawler.content import documents
from crawler.content.documents import media_of, read_document
from monitor.demo.files import docx_bytes, fake_card, fake_id, fake_mobile, pdf_bytes, xlsx_bytes

RNG = random.Random(11)
ID, MOBILE, CARD = fake_id(RNG), fake_mobile(RNG), fake_card(RNG)


def _kinds(doc: documents.Document) -> list[tuple[str, bool, str]]:
    return [(h.kind, h.masked, h.where) for h in doc.hits()]


@pytest.mark.parametrize("engine", ["pdfium", "pypdf"])
def test_pdf_pages(engine: str) -> None:
    if engine == "pypdf":  # the bench's comparison engine, not a dependency of the product
        pytest.importorskip("pypdf", reason="pypdf is installed only for bench/bench_scan.py")
    body = pdf_bytes([f"Zhang San  ID {ID}  mobile {MOBILE}", "Li Si  ID 110105********002X"])
    text = "\n".join(t for _, t in documents.pdf_pages(body, engine=engine))
    assert ID in text
    assert MOBILE in text


def test_pdf_document() -> None:
    doc = read_document(pdf_bytes([f"ID {ID}", f"card {CARD}"]), url="http://h/a.pdf")
    assert (doc.media, doc.outcome) == ("pdf", "scanned")
    assert _kinds(doc) == [("id_number", False, "第1页"), ("bank_card", False, "第1页")]


def test_docx_paragraphs_and_table() -> None:
    body = docx_bytes([f"联系电话：{MOBILE}"], [["姓名", "身份证号", "出生日期"], ["张三", ID, "2001-03-05"]])
    doc = read_document(body, url="http://h/x.docx")
    assert (doc.media, doc.outcome) == ("docx", "scanned")
    assert _kinds(doc) == [
        ("mobile", False, "正文"),
        ("id_number", False, "表1!B2"),
        ("birth_date", False, "表1!C2"),
    ]


def test_xlsx_cells() -> None:
    body = xlsx_bytes([["姓名", "银行卡号", "家庭住址"], ["张三", CARD, "黑龙江省某县某村"]], sheet="名单")
    doc = read_document(body, url="http://h/x.xlsx")
    assert (doc.media, doc.outcome) == ("xlsx", "scanned")
    assert _kinds(doc) == [("bank_card", False, "名单!B2"), ("home_address", False, "名单!C2")]


def test_html_page_without_navigation_and_footer() -> None:
    page = (
        "<html><head><title>t</title><script>var x='13800001111';</script></head><body>"
        "<div class='nav'>13800002222</div><p>身份证号：110105********002X</p>"
        f"<table><tr><th>姓名</th><th>手机</th></tr><tr><td>张三</td><td>{MOBILE}</td></tr></table>"
        "<div class='footer'>电话 13800003333</div></body></html>"
    ).encode()
    doc = read_document(page, url="http://h/a.htm", content_type="text/html; charset=utf-8")
    assert _kinds(doc) == [("id_number", True, "正文"), ("mobile", False, "表1!B2")]


def test_old_office_and_images_are_not_scanned() -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)
    assert read_document(ole, url="http://h/a.doc").outcome == "not_scanned"
    png = read_document(b"\x89PNG\r\n\x1a\n" + bytes(100), url="http://h/a.png")
    assert (png.media, png.outcome, png.reason) == ("image", "not_scanned", "image: not scanned (no OCR)")
    assert read_document(ole, url="http://h/a.xls").outcome == "failed"  # an empty OLE file: not a workbook


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_decompression_bombs_are_refused_unopened() -> None:
    ratio = _zip({"word/document.xml": b"<a/>" + b" " * (4 * 2**20)})
    doc = read_document(ratio, url="http://h/b.docx")
    assert (doc.media, doc.outcome) == ("docx", "not_scanned")
    assert "packed" in doc.reason
    many = _zip({"xl/workbook.xml": b"<a/>", **{f"m{i}": b"" for i in range(documents.MAX_MEMBERS + 1)}})
    assert "members refused" in read_document(many, url="http://h/b.xlsx").reason


def test_broken_files_fail_by_name() -> None:
    doc = read_document(b"%PDF-1.4 garbage", url="http://h/a.pdf")
    assert (doc.outcome, doc.reason) == ("failed", doc.reason)
    assert doc.reason.startswith("cannot read the PDF")
    assert read_document(b"PK\x03\x04broken", url="http://h/a.docx").outcome == "failed"


def test_media_by_first_bytes() -> None:
    assert media_of(pdf_bytes(["x"]), url="http://h/a.doc") == "pdf"
    assert media_of(docx_bytes(["x"]), url="http://h/download.jsp") == "docx"
    assert media_of(b"<html>", content_type="text/html") == "html"
