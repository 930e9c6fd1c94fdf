"""The 依申请公开 register end to end on both backends: record, answer, list, export; overdue → finding.

Requests are judged by their own dates (received, answered), so every case uses fixed dates and
`--today`/`--at`: 15 working days after 2025-09-26 is 2025-10-23 (National Day 2025 off,
09-28 and 10-11 worked). The office summary is rendered from a stored check of today.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from monitor.cli import main

ROOT = Path(__file__).resolve().parents[2]
HIT = str(ROOT / "config" / "hit.yaml")
TODAY = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()


def xxgk(db: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--config", HIT, "--db", db, *args])
    return result.exit_code, result.stdout, result.stderr


def ok(db: str, *args: str) -> str:
    code, out, err = xxgk(db, *args)
    assert code == 0, out + err
    return out


@pytest.fixture
def register(db_url: str) -> str:
    """A database holding three requests: one answered in time, one answered late, one open."""
    ok(db_url, "init")
    ok(
        db_url,
        "requests",
        "add",
        "--received",
        "2025-09-26",
        "--requester",
        "citizen",
        "--subject",
        "部门决算",
    )
    ok(db_url, "requests", "add", "--received", "2025-09-26", "--requester", "法人", "--subject", "招标结果")
    ok(db_url, "requests", "add", "--received", "2025-10-09", "--requester", "student", "--subject", "奖学金")
    ok(db_url, "requests", "answer", "1", "--on", "2025-10-23", "--kind", "public")
    ok(db_url, "requests", "answer", "2", "--on", "2025-10-24", "--kind", "部分公开", "--note", "涉及第三方")
    return db_url


def test_requests_are_recorded_with_their_deadline(db_url: str) -> None:
    ok(db_url, "init")
    out = ok(
        db_url,
        "requests",
        "add",
        "--received",
        "2025-09-26",
        "--requester",
        "公民",
        "--subject",
        " 决算  明细 ",
    )
    assert out.strip() == "request 1 recorded: received 2025-09-26, answer due by 2025-10-23"
    (row,) = json.loads(ok(db_url, "requests", "list", "--format", "json", "--today", "2025-10-23"))
    assert row["subject"] == "决算 明细"
    assert (row["requester"], row["due"], row["state"], row["answered_on"]) == (
        "公民",
        "2025-10-23",
        "open",
        None,
    )


def test_list_gives_each_request_its_state_on_the_day_asked(register: str) -> None:
    def states(today: str) -> dict[int, str]:
        rows = json.loads(ok(register, "requests", "list", "--format", "json", "--today", today))
        return {row["id"]: row["state"] for row in rows}

    assert states("2025-10-23") == {1: "answered", 2: "open", 3: "open"}
    assert states("2025-10-24") == {1: "answered", 2: "late", 3: "open"}
    assert states("2025-11-30") == {1: "answered", 2: "late", 3: "overdue"}
    rows = json.loads(ok(register, "requests", "list", "--format", "json", "--from", "2025-10-01"))
    assert [row["id"] for row in rows] == [3]
    assert "依申请公开登记（3 件）" in ok(register, "requests", "list")


def test_export_csv_and_xlsx_hold_every_request(register: str, tmp_path: Path) -> None:
    text = ok(register, "requests", "export", "--today", "2025-11-30")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:4] == ["编号", "收到日期", "申请人类型", "申请内容"]
    assert rows[1:] == [
        ["1", "2025-09-26", "公民", "部门决算", "2025-10-23", "2025-10-23", "予以公开", "按期答复", ""],
        [
            "2",
            "2025-09-26",
            "法人",
            "招标结果",
            "2025-10-23",
            "2025-10-24",
            "部分公开",
            "逾期答复",
            "涉及第三方",
        ],
        ["3", "2025-10-09", "本校学生", "奖学金", "2025-10-29", "", "", "已逾期", ""],
    ]
    out = tmp_path / "register.xlsx"
    code, _, err = xxgk(
        register, "requests", "export", "--format", "xlsx", "--out", str(out), "--today", "2025-11-30"
    )
    assert code == 0, err
    sheet = load_workbook(out).active
    assert [row[0] for row in sheet.iter_rows(min_row=3, values_only=True)] == [1, 2, 3]
    assert [row[7] for row in sheet.iter_rows(min_row=3, values_only=True)] == [
        "按期答复",
        "逾期答复",
        "已逾期",
    ]


def findings(db: str, at: str) -> dict[str, dict]:
    doc = json.loads(ok(db, "check", "--at", at, "--format", "json"))
    return {f["key"]: f for f in doc["findings"] if f["kind"] == "request_overdue"}


def test_an_unanswered_request_past_its_deadline_is_a_finding(register: str) -> None:
    assert findings(register, "2025-10-23") == {}  # request 2 is due today, not late
    assert findings(register, "2025-10-24") == {}  # request 2 answered that day: late, but answered
    assert findings(register, "2025-10-29") == {}  # request 3 is due today
    late = findings(register, "2025-10-30")
    assert list(late) == ["request_overdue:3"]
    assert late["request_overdue:3"]["severity"] == "high"
    assert "应于 2025-10-29 前答复，已逾期 1 天" in late["request_overdue:3"]["message"]
    assert list(findings(register, "2025-10-31")) == ["request_overdue:3"]
    ok(register, "requests", "answer", "3", "--on", "2025-11-03", "--kind", "not_exist")
    assert list(findings(register, "2025-10-31")) == ["request_overdue:3"]  # answered later than that
    assert findings(register, "2025-11-03") == {}


def test_xxgk_rules_documents_the_rule(tmp_path: Path) -> None:
    out = ok(f"sqlite:///{tmp_path / 'x.db'}", "rules")
    entry = out.split("request_overdue\n", 1)[1].split("\n\n", 1)[0]
    assert "依申请公开逾期" in entry
    assert "15 working days" in entry


def eml(path: Path) -> Message:
    return message_from_bytes(path.read_bytes())


def text_of(message: Message) -> str:
    parts = [part for part in message.walk() if part.get_content_type() in ("text/plain", "text/html")]
    return "\n".join(part.get_payload(decode=True).decode("utf-8") for part in parts)  # type: ignore[union-attr]


def test_the_office_summary_lists_overdue_requests(db_url: str, tmp_path: Path) -> None:
    ok(db_url, "init")
    received = (TODAY - dt.timedelta(days=60)).isoformat()  # 15 working days never span 60 days
    subject = '<b>招生</b>"数据"'
    ok(db_url, "requests", "add", "--received", received, "--requester", "citizen", "--subject", subject)
    ok(
        db_url,
        "requests",
        "add",
        "--received",
        TODAY.isoformat(),
        "--requester",
        "citizen",
        "--subject",
        "新申请",
    )
    ok(db_url, "check")
    ok(db_url, "report", "--out", str(tmp_path))
    (summary,) = tmp_path.glob("summary_*.eml")
    text = text_of(eml(summary))
    assert "依申请公开逾期未答复" in text
    assert f"依申请公开第 1 号（{received} 收到" in text
    assert "新申请" not in text
    assert "<b>招生</b>" not in text.split("<html", 1)[-1]  # escaped in the HTML part
    ok(db_url, "check")  # the next day's check: the finding is ongoing, and still listed
    for old in tmp_path.glob("*.eml"):
        old.unlink()
    ok(db_url, "report", "--out", str(tmp_path))
    (summary,) = tmp_path.glob("summary_*.eml")
    assert "依申请公开第 1 号" in text_of(eml(summary))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", "--received", "2025-02-30", "--requester", "citizen", "--subject", "x"], "'--received'"),
        (
            ["add", "--received", "2025-09-26", "--requester", "alien", "--subject", "x"],
            "unknown requester type",
        ),
        (["add", "--received", "2025-09-26", "--requester", "citizen", "--subject", "  "], "'--subject'"),
        (["add", "--received", "2099-01-01", "--requester", "citizen", "--subject", "x"], "in the future"),
        (["answer", "7", "--on", "2025-10-01", "--kind", "public"], "no request number 7"),
        (["answer", "0", "--on", "2025-10-01", "--kind", "public"], "'ID'"),
        (["answer", "1", "--on", "2025-10-01", "--kind", "maybe"], "unknown answer kind 'maybe'"),
        (
            ["answer", "1", "--on", "2025-09-01", "--kind", "public"],
            "received on 2025-09-26, after 2025-09-01",
        ),
        (["answer", "1", "--on", "yesterday", "--kind", "public"], "'--on'"),
        (["list", "--from", "2025-10-01", "--to", "2025-09-01"], "is after"),
        (["export", "--format", "xlsx"], "needs --out"),
    ],
)
def test_bad_input_is_one_line_and_a_nonzero_exit(tmp_path: Path, args: list[str], message: str) -> None:
    db = f"sqlite:///{tmp_path / 'x.db'}"
    ok(db, "init")
    ok(db, "requests", "add", "--received", "2025-09-26", "--requester", "citizen", "--subject", "决算")
    code, out, err = xxgk(db, "requests", *args)
    assert code != 0
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert message in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "args",
    [
        ["checklist", "--at", "2025-13-01"],
        ["checklist", "--format", "xlsx"],
        ["checklist", "--format", "pdf"],
        ["stats", "--format", "docx"],
        ["report", "annual", "--from", "2025-09-01", "--to", "2025-08-01", "--out", "x.docx"],
        ["report", "annual", "--from", "2025-09-01", "--out", "x.docx"],
        ["report", "annual", "--from", "2025-09-01", "--to", "2026-08-31"],
    ],
)
def test_bad_document_options_are_one_line(tmp_path: Path, args: list[str]) -> None:
    db = f"sqlite:///{tmp_path / 'x.db'}"
    ok(db, "init")
    code, _, err = xxgk(db, *args)
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "x.docx").exists()
