"""The personal-data detector on a table of cases (cases.yaml), on tables and on the numbers' checks."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml

from crawler.content.masking import mask_value
from crawler.content.pii import column_letter, id15_valid, id18_valid, luhn_valid, scan_table, scan_text
from monitor.demo.files import bad_id, fake_card, fake_id, fake_mobile

CASES = yaml.safe_load((Path(__file__).with_name("cases.yaml")).read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case: dict) -> None:
    hits = scan_text(case["text"])
    assert [[h.kind, h.masked] for h in hits] == case["hits"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_no_excerpt_holds_a_number_in_full(case: dict) -> None:
    digits = "".join(c for c in case["text"] if c.isdigit())
    for hit in scan_text(case["text"]):
        shown = "".join(c for c in hit.excerpt if c.isdigit())
        assert len(shown) < 11 or shown not in digits or hit.masked


def test_checks_on_generated_numbers() -> None:
    rng = random.Random(3)
    for _ in range(200):
        assert id18_valid(fake_id(rng))
        assert not id18_valid(bad_id(rng))
        assert luhn_valid(fake_card(rng))
    assert id15_valid("110105491231002")
    assert not id15_valid("110105491232002")


def test_table_headers_label_their_columns() -> None:
    rng = random.Random(5)
    card, ident = fake_card(rng), fake_id(rng)
    rows = [
        ["序号", "姓名", "学号", "出生年月", "家庭住址", "银行卡号", "身份证号"],
        ["1", "张三", "1190300101", "2001-03", "黑龙江省某县某村", card, ident],
        ["2", "李四", "", "", "", "", "110105********002X"],
    ]
    hits = scan_table(rows, where="Sheet1!")
    assert [(h.kind, h.masked, h.where) for h in hits] == [
        ("student_number", False, "Sheet1!C2"),
        ("birth_date", False, "Sheet1!D2"),
        ("home_address", False, "Sheet1!E2"),
        ("bank_card", False, "Sheet1!F2"),
        ("id_number", False, "Sheet1!G2"),
        ("id_number", True, "Sheet1!G3"),
    ]
    assert all(card not in h.excerpt and ident not in h.excerpt for h in hits)


def test_a_column_without_a_label_is_not_read_as_labelled() -> None:
    assert scan_table([["姓名", "备注"], ["张三", "1190300101"]]) == []


def test_masks() -> None:
    assert mask_value("id_number", "11010519491231002X") == "110105********002X"
    assert mask_value("mobile", "+86 138-1234-5678") == "138****5678"
    assert mask_value("bank_card", "6222 0212 3456 7890 128") == "6222***********0128"
    assert column_letter(0) == "A"
    assert column_letter(25) == "Z"
    assert column_letter(26) == "AA"


def test_mobiles_from_the_generator() -> None:
    rng = random.Random(1)
    number = fake_mobile(rng)
    assert [h.kind for h in scan_text(f"电话{number}")] == ["mobile"]
