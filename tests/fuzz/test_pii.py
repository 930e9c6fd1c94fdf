"""The personal-data detector on generated text: it never raises, and never shows a number in full.

Valid fake numbers (ID, mobile, bank card) are planted among arbitrary text, digits and separators;
whatever surrounds them, no excerpt (nor anything else a hit holds) contains one of them whole.
"""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from crawler.content.documents import read_document
from crawler.content.pii import scan_table, scan_text
from monitor.demo.files import fake_card, fake_id, fake_mobile

NOISE = st.text(
    alphabet=st.sampled_from("0123456789 -+*＊Xx:：号卡身份证学号住址出生日期银行账\n"), max_size=40
)
SEEDS = st.integers(min_value=0, max_value=2**32)


def _numbers(seed: int) -> list[str]:
    rng = random.Random(seed)
    return [fake_id(rng), fake_mobile(rng), fake_card(rng), fake_card(rng, digits=16)]


def _shown(hit: object) -> str:
    return "".join(c for c in repr(hit) if c.isalnum())


@given(st.text(max_size=300))
def test_never_raises(text: str) -> None:
    for hit in scan_text(text, context=text[:10]):
        assert hit.kind
        assert isinstance(hit.excerpt, str)


@given(SEEDS, st.lists(NOISE, min_size=1, max_size=6), st.sampled_from(["", " ", "-", "身份证号：", "卡号"]))
def test_planted_numbers_never_shown_whole(seed: int, noise: list[str], label: str) -> None:
    numbers = _numbers(seed)
    text = label.join(part + number for part, number in zip(noise, numbers * 2, strict=False))
    for hit in scan_text(text):
        for number in numbers:
            assert number not in _shown(hit)


@given(SEEDS, st.lists(st.lists(NOISE, max_size=4), max_size=5))
def test_tables_never_raise_nor_show_numbers(seed: int, rows: list[list[str]]) -> None:
    numbers = _numbers(seed)
    table = [["身份证号", "手机", "卡号"], *rows, numbers[:3]]
    for hit in scan_table(table, where="S!"):
        assert all(number not in _shown(hit) for number in numbers)


@given(
    st.binary(max_size=2000), st.sampled_from(["a.pdf", "a.docx", "a.xlsx", "a.xls", "a.doc", "a.html", "a"])
)
def test_documents_never_raise(body: bytes, name: str) -> None:
    doc = read_document(body, url=f"http://h/{name}", seconds=2)
    assert doc.outcome in ("scanned", "partial", "not_scanned", "failed")
    doc.hits()
