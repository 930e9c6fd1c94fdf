"""The demo campus's personal-data traps (issue 12) and their ground truth.

Three 公示 are published on 教务处's 通知公告 (``jwc/tzgg``) a few days before ``today``:

- 国家奖学金 winners, a table of names, 学号, ID and mobile numbers in full (a leak of each kind);
- 国家助学金 results, with masked IDs and mobiles only (compliant), an ID whose check character is
  wrong and a card number failing Luhn (neither is personal data): no finding;
- 家庭经济困难学生 results, whose page is clean but whose three attachments are not: a PDF of IDs
  and mobiles, an XLSX of IDs, bank cards and home addresses, a DOCX of IDs and birth dates.

Every number is fake and passes its check (:mod:`monitor.demo.files`). :func:`expected_pii` gives
URL → kind → values in full, for every page or file a correct scan flags; :func:`planted_numbers`
every full number planted, for the test that greps the database, logs and pages for them.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from markupsafe import Markup
from w3lib.url import canonicalize_url

from monitor.demo import files, urls
from monitor.demo.model import DemoCampus, DemoColumn, DemoFile, DemoItem, DemoSite

SITE, COLUMN = "jwc", "tzgg"
_NAMES = ("张伟", "王芳", "李娜", "刘洋", "陈静")


@dataclass
class _Plan:
    """The numbers of the traps, drawn once from the campus seed."""

    ids: list[str]
    mobiles: list[str]
    cards: list[str]
    students: list[str]
    bad_id: str
    bad_card: str
    numbers: list[str] = field(default_factory=list)


def _plan(seed: int) -> _Plan:
    rng = random.Random(f"{seed}:pii")  # noqa: S311 - fake demo numbers
    ids = [files.fake_id(rng) for _ in range(9)]
    mobiles = [files.fake_mobile(rng) for _ in range(6)]
    cards = [files.fake_card(rng) for _ in range(3)]
    students = [f"2026{rng.randrange(10**6):06d}" for _ in range(3)]
    good = files.fake_card(rng)
    bad_card = good[:-1] + str((int(good[-1]) + 1) % 10)
    plan = _Plan(ids, mobiles, cards, students, files.bad_id(rng), bad_card)
    plan.numbers = ids + mobiles + cards
    return plan


def plant(campus: DemoCampus) -> None:
    """Publish the three 公示 (and the attachments of the third) on ``jwc/tzgg``."""
    site = campus.site(SITE)
    column = site.column(COLUMN)
    plan = _plan(campus.seed)
    today = campus.today
    made = [
        article(site, column, "关于2026年国家奖学金获奖学生名单的公示", today - dt.timedelta(days=1),
              paragraphs=_winners(plan), truth=(("id_number", 3), ("mobile", 3), ("student_number", 3))),
        article(site, column, "关于2026年国家助学金评审结果的公示", today - dt.timedelta(days=2),
              paragraphs=_masked(plan)),
        article(site, column, "关于2026年家庭经济困难学生认定结果的公示", today - dt.timedelta(days=3),
              paragraphs=("名单见附件。",), attachments=_attachments(plan, campus)),
    ]  # fmt: skip
    pinned = sum(1 for item in column.items if item.pinned)
    column.items[pinned:pinned] = made
    campus.version += 1


def article(
    site: DemoSite,
    column: DemoColumn,
    title: str,
    day: dt.date,
    *,
    paragraphs: tuple[str, ...],
    attachments: tuple[DemoFile, ...] = (),
    truth: tuple[tuple[str, int], ...] = (),
) -> DemoItem:
    """A new article of ``column`` dated ``day`` with the next record id of the site (not listed
    yet: the caller places it); ``truth`` is the personal data planted in it in full."""
    item_id = site.next_id
    site.next_id += 1
    href = urls.article_href(
        column.articles, column.number, item_id, created=day, published=day, list_path=column.path
    )
    return DemoItem(item_id, href, title, day, paragraphs=paragraphs, attachments=attachments, pii=truth)


def _winners(plan: _Plan) -> tuple[str, ...]:
    row = Markup("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>")
    rows = Markup("").join(
        row.format(*cells)
        for cells in zip(_NAMES, plan.students, plan.ids[:3], plan.mobiles[:3], strict=False)
    )
    head = Markup("<tr><th>姓名</th><th>学号</th><th>身份证号</th><th>联系电话</th></tr>")
    table = Markup("<table>{}{}</table>").format(head, rows)
    return (
        "经学院推荐、学校评审，拟推荐以下同学获得2026年国家奖学金，现予公示：",
        table,
        "公示期为5个工作日。",
    )


def _masked(plan: _Plan) -> tuple[str, ...]:
    return (
        "经评审，以下同学获得国家助学金（个人信息已脱敏）：",
        f"张伟，身份证号：{plan.ids[3][:6]}********{plan.ids[3][-4:]}，联系电话：{plan.mobiles[3][:3]}****{plan.mobiles[3][-4:]}",
        f"王芳，身份证号：{plan.ids[4][:6]}********{plan.ids[4][-4:]}",
        f"补录编号：{plan.bad_id}；原卡号：{plan.bad_card}（已注销）",
    )


def _attachments(plan: _Plan, campus: DemoCampus) -> tuple[DemoFile, ...]:
    rng = random.Random(f"{campus.seed}:pii-files")  # noqa: S311 - demo paths
    pdf = files.pdf_bytes(
        ["Family economic difficulty list"]
        + [
            f"{n}  ID {i}  Tel {m}"
            for n, i, m in zip(("Zhang", "Wang"), plan.ids[5:7], plan.mobiles[4:6], strict=True)
        ]
    )
    xlsx = files.xlsx_bytes(
        [["姓名", "身份证号", "银行卡号", "家庭住址"]]
        + [
            [n, i, c, f"黑龙江省{n}县第{k}村"]
            for k, (n, i, c) in enumerate(zip(_NAMES, plan.ids[6:9], plan.cards, strict=False), 1)
        ],
        sheet="认定名单",
    )
    docx = files.docx_bytes(
        ["家庭经济困难学生认定结果"], [["姓名", "身份证号", "出生日期"], ["李娜", plan.ids[8], "2005-06-01"]]
    )
    return (
        DemoFile(urls.attachment_href(rng, "pdf"), "认定名单.pdf", pdf, (("id_number", 2), ("mobile", 2))),
        DemoFile(urls.attachment_href(rng, "xlsx"), "认定名单.xlsx", xlsx,
                 (("id_number", 3), ("bank_card", 3), ("home_address", 3))),
        DemoFile(urls.attachment_href(rng, "docx"), "认定名单.docx", docx,
                 (("id_number", 1), ("birth_date", 1))),
    )  # fmt: skip


def attachment_links(item: DemoItem) -> list[str]:
    """The article's paragraphs that link its attachments (markup, escaped); a page it links to
    (monitor.demo.traps) is a 相关链接."""
    return [
        Markup('{}：<a href="{}">{}</a>').format(
            "附件" if urls.extension(f.href) in urls.ATTACHMENT_TYPES else "相关链接", f.href, f.name
        )
        for f in item.attachments
    ]


def expected_pii(campus: DemoCampus, *, port: int | None = None) -> dict[str, dict[str, int]]:
    """Canonical URL of each page or file with personal data in full → kind → values in full."""
    port = port or campus.port
    if port is None:
        raise ValueError("expected_pii needs the port: pass port= or start a DemoServer first")
    site = campus.site(SITE)
    origin = f"http://{site.ip}:{port}"
    found: dict[str, dict[str, int]] = {}
    for item in site.column(COLUMN).items:
        if item.pii:
            found[canonicalize_url(origin + item.href)] = dict(item.pii)
        for attached in (f for f in item.attachments if f.pii):
            found[canonicalize_url(origin + attached.href)] = dict(attached.pii)
    return found


def planted_numbers(campus: DemoCampus) -> list[str]:
    """Every full number planted (IDs, mobiles, bank cards): none may appear anywhere in full."""
    return list(_plan(campus.seed).numbers)


def mismatches(campus: DemoCampus, findings: list[dict[str, object]]) -> list[str]:
    """One line per pii_leak finding missing, false or with other counts than the truth."""
    truth = expected_pii(campus)
    got: dict[str, dict[str, int]] = {}
    for finding in findings:
        detail = finding.get("detail")
        if finding.get("kind") != "pii_leak" or not isinstance(detail, dict):
            continue
        got[str(detail["url"])] = {k["kind"]: k["leaks"] for k in detail["kinds"] if k["leaks"]}
    wrong = [f"pii_leak missing for {url}" for url in truth if url not in got]
    wrong += [f"false pii_leak for {url}" for url in got if url not in truth]
    wrong += [
        f"pii_leak of {url}: {got[url]}, expected {want}"
        for url, want in truth.items()
        if got.get(url, want) != want
    ]
    return wrong
