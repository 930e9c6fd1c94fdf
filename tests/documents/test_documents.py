"""The office's documents on a crawled demo campus: read back and compared with the JSON commands.

The demo campus is crawled once per backend (the `served` and `crawled` fixtures of
tests/checks/test_check_demo.py). `xxgk stats --format docx` and `xxgk report annual` are read
back with python-docx and compared with `xxgk stats --format json`; `xxgk checklist` with
`xxgk check --format json`; LibreOffice opens the documents and turns them into PDF.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import docx
from docx.oxml.ns import qn
from openpyxl import load_workbook

from monitor.config import load_config
from monitor.demo import DemoCampus
from monitor.reports import labels
from tests.checks.test_check_demo import TODAY, xxgk
from tests.conftest import _unavailable

PERIOD = ("--from", "2025-12-01", "--to", TODAY.isoformat())


def stats_json(config: Path, db: str) -> dict:
    code, out = xxgk(config, db, "stats", *PERIOD, "--format", "json")
    assert code == 0, out
    return json.loads(out)


def cn(day: str) -> str:
    year, month, date = (int(part) for part in day.split("-"))
    return f"{year}年{month}月{date}日"


def east_asia(run: object) -> str | None:
    fonts = run._element.rPr.find(qn("w:rFonts"))  # type: ignore[attr-defined]
    return None if fonts is None else fonts.get(qn("w:eastAsia"))


def assert_tables_match(document: docx.document.Document, doc: dict, *, first_table: int = 0) -> None:
    """Each campus: its sentence, then its table in the report's order, with the JSON's counts."""
    period = f"{cn(doc['from'])}至{cn(doc['to'])}"
    texts = [p.text for p in document.paragraphs]
    for k, campus in enumerate(doc["campuses"]):
        sentence = f"{period}，{campus['name']}新增的主动公开信息数达{campus['total']}条，详见下表："
        assert sentence in texts
        rows = [[cell.text for cell in row.cells] for row in document.tables[first_table + k].rows]
        assert rows[0] == ["序号", "网站名称", "网址", "数量"]
        expected = [
            [str(i), s["name"], s["url"], f"{s['count']}*" if s["manual"] else str(s["count"])]
            for i, s in enumerate(campus["sites"], start=1)
        ]
        assert rows[1:-1] == expected
        assert rows[-1] == ["", "总计", "", str(campus["total"])]
    closing = f"合计：{period}，{len(doc['campuses'])}个校区新增的主动公开信息数共{doc['total']}条。"
    assert closing in texts


def test_stats_docx_is_the_json_as_the_report_prints_it(
    served: tuple[DemoCampus, Path], crawled: str, tmp_path: Path
) -> None:
    config = served[1]
    doc = stats_json(config, crawled)
    assert doc["total"] > 0
    out = tmp_path / "stats.docx"
    code, text = xxgk(config, crawled, "stats", *PERIOD, "--format", "docx", "--out", str(out))
    assert code == 0, text
    document = docx.Document(str(out))
    assert len(document.tables) == len(doc["campuses"]) == 3
    assert_tables_match(document, doc)
    normal = document.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert normal.get(qn("w:eastAsia")) == "仿宋"
    table_runs = [
        run for table in document.tables for cell in table._cells for p in cell.paragraphs for run in p.runs
    ]
    assert table_runs
    assert {east_asia(run) for run in table_runs} == {"宋体"}
    assert {east_asia(run) for p in document.paragraphs for run in p.runs} <= {"仿宋", "黑体", "楷体", "宋体"}


def test_a_site_counted_by_hand_is_marked_in_the_docx(
    served: tuple[DemoCampus, Path], crawled: str, tmp_path: Path
) -> None:
    config = served[1]
    counts = tmp_path / "counts.csv"
    counts.write_text(f"site,from,to,count\noa,{PERIOD[1]},{PERIOD[3]},321\n", encoding="utf-8")
    assert xxgk(config, crawled, "import-counts", str(counts))[0] == 0
    doc = stats_json(config, crawled)
    oa = next(s for c in doc["campuses"] for s in c["sites"] if s["id"] == "oa")
    assert (oa["count"], oa["manual"]) == (321, True)
    out = tmp_path / "stats.docx"
    assert xxgk(config, crawled, "stats", *PERIOD, "--format", "docx", "--out", str(out))[0] == 0
    document = docx.Document(str(out))
    assert_tables_match(document, doc)
    assert any(cell.text == "321*" for table in document.tables for cell in table._cells)
    assert any(p.text.startswith("注：* 为人工填报的数量") for p in document.paragraphs)


def check_json(config: Path, db: str) -> dict:
    code, out = xxgk(config, db, "check", "--format", "json", "--at", TODAY.isoformat())
    assert code == 0, out
    return json.loads(out)


def test_checklist_xlsx_has_50_numbered_rows_with_the_checks_verdicts_and_urls(
    served: tuple[DemoCampus, Path], crawled: str, tmp_path: Path
) -> None:
    config = served[1]
    check = {item["slug"]: item for item in check_json(config, crawled)["checklist"]}
    out = tmp_path / "checklist.xlsx"
    code, text = xxgk(config, crawled, "checklist", "--format", "xlsx", "--out", str(out))
    assert code == 0, text
    sheet = load_workbook(out).active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert [row[0] for row in rows] == list(range(1, 51))
    items = load_config(config).checklist.items
    for row, item in zip(rows, items, strict=True):
        entry = check[item.slug]
        assert row[2] == item.title
        assert row[4] == labels.ITEM_STATUS[entry["status"]]
        if entry["evidence"]:  # every item with evidence says where: a column URL or the newest item's
            assert row[6] or row[8], item.slug
            assert all(url.startswith("http://") for url in (row[6] or "").split("\n") if url)
            found = [e for e in entry["evidence"] if e["status"] is None]
            if found:
                assert (row[8], row[9]) == (found[0]["url"], found[0]["date"] or "")
        else:
            assert not row[8]
        assert bool(row[10]) == (entry["status"] != "ok"), item.slug  # a remark for every item not ok
    assert sum(1 for e in check.values() if e["evidence"]) > 20


def test_checklist_md_and_docx_carry_every_item(
    served: tuple[DemoCampus, Path], crawled: str, tmp_path: Path
) -> None:
    config = served[1]
    code, md = xxgk(config, crawled, "checklist")
    assert code == 0, md
    assert md.count("\n| ") >= 50 + 10  # 50 item rows and the header row of each category
    assert "## 10. 其他" in md
    out = tmp_path / "checklist.docx"
    assert xxgk(config, crawled, "checklist", "--format", "docx", "--out", str(out))[0] == 0
    (table,) = docx.Document(str(out)).tables
    numbers = [row.cells[0].text for row in table.rows[1:]]
    assert [n for n in numbers if n.isdigit()] == [str(n) for n in range(1, 51)]
    assert sum(1 for n in numbers if "、" in n) == 10  # one merged heading row per category


def soffice() -> str:
    found = shutil.which("soffice")
    if found is None or shutil.which("pdftotext") is None:
        _unavailable("LibreOffice (soffice) and pdftotext are not installed: .ci/run installs them")
    assert found is not None
    return found


def to_pdf_text(document: Path, tmp_path: Path) -> str:
    """LibreOffice converts the document to PDF (it fails on one it cannot open); the PDF's text."""
    profile = tmp_path / "lo-profile"  # a profile of its own: no lock shared with another run
    done = subprocess.run(
        [
            soffice(),
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(document),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    pdf = tmp_path / (document.stem + ".pdf")
    assert done.returncode == 0, done.stdout + done.stderr
    assert pdf.exists(), done.stdout + done.stderr
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
    return text.stdout


def test_annual_report_reads_back_and_opens_in_libreoffice(
    served: tuple[DemoCampus, Path], crawled: str, tmp_path: Path
) -> None:
    config = served[1]
    doc = stats_json(config, crawled)
    for args in (
        ("add", "--received", PERIOD[1], "--requester", "citizen", "--subject", "部门决算"),
        ("add", "--received", PERIOD[1], "--requester", "法人", "--subject", "招标结果"),
        ("answer", "1", "--on", PERIOD[1], "--kind", "公开"),
    ):
        code, out = xxgk(config, crawled, "requests", *args)
        assert code == 0, out
    out = tmp_path / "annual.docx"
    code, text = xxgk(config, crawled, "report", "annual", *PERIOD, "--out", str(out))
    assert code == 0, text
    document = docx.Document(str(out))
    texts = [p.text for p in document.paragraphs]
    for heading in (
        "二、信息公开情况",
        "（一）主动公开信息情况",
        "1.主动公开信息数量",
        "（二）依申请公开信息情况",
    ):
        assert heading in texts
    assert len(document.tables) == 4  # three campuses, then the checklist appendix
    assert_tables_match(document, doc)
    period = f"{cn(doc['from'])}至{cn(doc['to'])}"
    requests = next(t for t in texts if t.startswith(f"{period}，学校共收到依申请公开信息的申请"))
    assert "申请2项" in requests
    assert "已答复1项（其中予以公开1项）" in requests
    appendix = document.tables[3]
    assert sum(1 for row in appendix.rows if row.cells[0].text.isdigit()) == 50
    assert document.sections[-1].page_width > document.sections[-1].page_height  # landscape
    pdf = to_pdf_text(out, tmp_path)
    flat = "".join(pdf.split())
    for campus in doc["campuses"]:
        assert f"{campus['name']}新增的主动公开信息数达{campus['total']}条" in flat
    assert "高等学校信息公开事项清单公开情况表" in flat


def test_stats_docx_opens_in_libreoffice(
    served: tuple[DemoCampus, Path], crawled: str, tmp_path: Path
) -> None:
    config = served[1]
    out = tmp_path / "stats.docx"
    assert xxgk(config, crawled, "stats", *PERIOD, "--format", "docx", "--out", str(out))[0] == 0
    flat = "".join(to_pdf_text(out, tmp_path).split())
    doc = stats_json(config, crawled)
    assert f"共{doc['total']}条" in flat
    for site in doc["campuses"][0]["sites"]:
        assert site["url"] in flat
