"""The group bots against a strict fake of their APIs on loopback, and real databases.

WeCom, DingTalk and Feishu get the office summary or a site's digest, signed and within their
byte limits; a refusal (an HTTP 200 whose errcode or code is not 0) keeps a message queued and
a later run delivers it once; long reports go as numbered parts, in order, each once; the rate
limit holds across delivery runs on separate engines; the secrets reach neither the database
nor the logs; crawled text cannot make links or mentions.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from monitor.config import Notify
from monitor.reports import Report, channels, delivery, digests, group_digests, office_summary
from monitor.reports.channels import bot, dingtalk, feishu
from monitor.store import connect, sessions
from monitor.store.models import OutboxMessage
from tests.reports import data
from tests.reports.fakebots import (
    DINGTALK_SECRET,
    FEISHU_SECRET,
    NOTIFY,
    FakeBots,
    FakeBotServer,
    Received,
    dingtalk_sign,
    environ,
    feishu_sign,
)

NOW = dt.datetime(2026, 11, 26, 0, 30, tzinfo=dt.UTC)
DASHBOARD = "https://xxgk.example.edu.cn"
CONFIG = data.DEMO.model_copy(update={"notify": tuple(Notify(**entry) for entry in NOTIFY)})
SECOND = dt.timedelta(seconds=1)


@pytest.fixture
def bots() -> Iterator[FakeBots]:
    with FakeBotServer() as fake:
        yield fake


@pytest.fixture
def make(engine: Engine) -> sessionmaker[Session]:
    return sessions(engine)


def bot_channels(bots: FakeBots) -> list[bot.BotChannel]:
    return channels.bots(CONFIG, environ(bots))


def night_reports(**changes: object) -> list[Report]:
    night = data.night(dashboard_url=DASHBOARD, config=CONFIG, **changes)
    return [*digests(night), *group_digests(night), office_summary(night)]


def queue(make: sessionmaker[Session], reports: list[Report], found: list[bot.BotChannel]) -> int:
    with make.begin() as session:
        return delivery.queue(session, reports, found, now=NOW)


def send(make: sessionmaker[Session], bots: FakeBots, at: dt.datetime) -> delivery.DeliveryResult:
    return delivery.deliver(make, bot_channels(bots), now=at)


def only(bots: FakeBots, kind: str) -> list[bot.BotChannel]:
    return [c for c in bot_channels(bots) if c.kind.name == kind]


def short(key: str, n: int) -> Report:
    return Report("summary", key, (), f"第 {n} 份", "", "", f"## 第 {n} 份\n内容\n")


def long_report(lines: int = 400) -> Report:
    body = "\n".join(f"- 第 {i} 项：人事处/人才招聘 已 {i} 天未更新，请及时处理" for i in range(lines))
    subject = "【信息公开监测】演示大学日报：很多栏目需关注（2026-11-26）"
    return Report("summary", "summary:2026-11-26", (), subject, "", "", f"## {subject}\n{body}\n")


# ----------------------------------------------------------------------------- what groups get


def test_each_group_gets_its_report_signed_and_within_its_limits(
    make: sessionmaker[Session], bots: FakeBots
) -> None:
    assert queue(make, night_reports(), bot_channels(bots)) == 3
    assert send(make, bots, NOW) == delivery.DeliveryResult(sent=3, failed=0, pending=0)
    assert [r.accepted for r in bots.received] == [True, True, True]  # signatures, shapes, sizes passed
    wecom, feishu_, digest = bots.accepted("wecom"), bots.accepted("feishu"), bots.accepted("dingtalk")
    assert wecom[0].text.startswith("## 【信息公开监测】演示大学日报：")
    assert "### 网站情况" in wecom[0].text
    assert f"[校内OA系统]({DASHBOARD}/sites/oa)：**无法检查**，1/1 个栏目需关注" in wecom[0].text
    assert f"[在信息公开监测平台查看详情]({DASHBOARD})" in wecom[0].text
    header = feishu_[0].body["card"]["header"]["title"]["content"]  # type: ignore[index]
    assert header.startswith("【信息公开监测】演示大学日报：")
    assert "##" not in feishu_[0].text
    assert digest[0].body["markdown"]["title"].startswith("【信息公开监测】人事处：")  # type: ignore[index]
    assert "人才招聘" in digest[0].text
    assert "新闻网" not in digest[0].text
    assert queue(make, night_reports(), bot_channels(bots)) == 0  # a key is queued once, ever
    assert send(make, bots, NOW + dt.timedelta(days=1)) == delivery.DeliveryResult(0, 0, 0)


def test_the_signatures_are_the_documented_ones() -> None:
    # the fake computes them from the API documentation; the code under test must agree
    assert dingtalk.sign(DINGTALK_SECRET, timestamp_ms=1700000000123).replace("%2B", "+") == (
        dingtalk_sign(DINGTALK_SECRET, "1700000000123").replace("/", "%2F").replace("=", "%3D")
    )
    assert feishu.sign(FEISHU_SECRET, timestamp_s=1700000000) == feishu_sign(FEISHU_SECRET, "1700000000")


def test_an_unsigned_or_wrongly_signed_request_is_refused(bots: FakeBots) -> None:
    [good] = only(bots, "dingtalk")
    wrong = bot.BotChannel("x", good.kind, "digests", url=good.url, secret="SECwrong")
    payload = bot.BotChannel.render(good, long_report(3), now=NOW).parts[0]
    with pytest.raises(delivery.Refused, match="310000"):
        wrong.send(payload)
    assert good.send(payload).startswith('{"errcode": 0')


def test_each_dialect_keeps_the_lines_apart() -> None:
    summary = office_summary(data.night(dashboard_url=DASHBOARD, config=CONFIG))
    ding = json.loads(bot.BotChannel("d", dingtalk.KIND, "summary").render(summary, now=NOW).parts[0])["text"]
    assert ding.count("\n> ") == 3  # the three quote lines of the summary's head
    assert not re.search(r"(?m)^> .*\n> ", ding)  # DingTalk would run them into one line
    card = json.loads(bot.BotChannel("f", feishu.KIND, "summary").render(summary, now=NOW).parts[0])["text"]
    assert not re.search(r"(?m)^(#|> )", card)  # a card's markdown has no headings or quotes
    assert "**网站情况**" in card


@pytest.mark.parametrize(
    ("code", "success"), [(0, True), ("0", False), (False, False), (None, False), (1, False), (0.0, False)]
)
def test_only_the_integer_zero_is_success(code: object, success: bool) -> None:
    assert bot.success(code) is success


# ----------------------------------------------------------------------------- refusals


REFUSALS = {
    "wecom": {"errcode": -1, "errmsg": "system busy"},
    "dingtalk": {"errcode": 400102, "errmsg": "机器人已停用"},
    "feishu": {"code": 19024, "msg": "Key Words Not Found"},
}


@pytest.mark.parametrize("kind", ["wecom", "dingtalk", "feishu"])
def test_a_refused_message_stays_queued_and_is_delivered_once_later(
    make: sessionmaker[Session], bots: FakeBots, kind: str
) -> None:
    found = only(bots, kind)
    assert queue(make, night_reports(), found) == 1
    bots.script(kind, REFUSALS[kind])
    assert delivery.deliver(make, found, now=NOW) == delivery.DeliveryResult(sent=0, failed=1, pending=1)
    with make() as session:
        [row] = session.scalars(select(OutboxMessage))
        assert row.sent_at is None
        assert row.attempts == 1
        assert str(REFUSALS[kind].get("errcode", 19024)) in str(row.last_error)
    assert delivery.deliver(make, found, now=NOW + 30 * SECOND) == delivery.DeliveryResult(0, 0, 1)
    assert delivery.deliver(make, found, now=NOW + 61 * SECOND) == delivery.DeliveryResult(1, 0, 0)
    assert delivery.deliver(make, found, now=NOW + dt.timedelta(days=1)) == delivery.DeliveryResult(0, 0, 0)
    assert [r.accepted for r in bots.received] == [False, True]


def test_dingtalk_blocked_for_ten_minutes_holds_every_message_of_the_bot(
    make: sessionmaker[Session], bots: FakeBots
) -> None:
    found = only(bots, "dingtalk")
    assert queue(make, [*night_reports(), *night_reports(at="2026-11-27")], found) == 2
    bots.script("dingtalk", {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"})
    result = delivery.deliver(make, found, now=NOW)
    assert (result.sent, result.failed, result.pending, result.deferred) == (0, 1, 2, 1)
    assert delivery.deliver(make, found, now=NOW + dt.timedelta(minutes=9, seconds=59)).sent == 0
    assert len(bots.received) == 1  # nothing was asked of the blocked bot
    assert delivery.deliver(make, found, now=NOW + dt.timedelta(minutes=10)).sent == 2
    assert len(bots.accepted("dingtalk")) == 2


def test_a_bot_down_leaves_its_messages_queued_and_the_other_bots_go(
    make: sessionmaker[Session], bots: FakeBots
) -> None:
    found = bot_channels(bots)
    down = bot.BotChannel("office-wecom", found[0].kind, "summary", url="http://127.0.0.1:9/x?key=k")
    assert queue(make, night_reports(), found) == 3
    result = delivery.deliver(make, [down, *found[1:]], now=NOW)
    assert (result.sent, result.failed, result.pending) == (2, 1, 1)
    assert delivery.deliver(make, found, now=NOW + dt.timedelta(minutes=2)).sent == 1
    assert len(bots.accepted()) == 3


def test_a_bot_whose_variable_is_unset_says_so_and_keeps_its_messages(
    make: sessionmaker[Session], bots: FakeBots
) -> None:
    env = {k: v for k, v in environ(bots).items() if k != "XXGK_FEISHU_OFFICE_SECRET"}
    found = channels.bots(CONFIG, env)
    assert queue(make, night_reports(), found) == 3
    result = delivery.deliver(make, found, now=NOW)
    assert (result.sent, result.pending) == (2, 1)
    assert result.problems == (
        "office-feishu: $XXGK_FEISHU_OFFICE_SECRET is not set (the feishu signing secret)",
    )
    assert bots.accepted("feishu") == []


# ----------------------------------------------------------------------------- parts


@pytest.mark.parametrize(("kind", "limit"), [("wecom", 4096), ("dingtalk", 20000), ("feishu", 20 * 1024)])
def test_a_long_report_goes_as_numbered_parts_within_the_byte_limit(
    make: sessionmaker[Session], bots: FakeBots, kind: str, limit: int
) -> None:
    report = long_report(1200 if kind != "wecom" else 400)
    found = [bot.BotChannel(c.id, c.kind, "summary", url=c.url, secret=c.secret) for c in only(bots, kind)]
    assert queue(make, [report], found) == 1
    with make() as session:
        n = len(list(session.scalars(select(OutboxMessage))))
    assert n >= 3
    assert n > len(report.markdown) // limit + 1  # more parts than counting characters would make
    bots.script(kind, _ok(kind), REFUSALS[kind])  # the first part goes, the second is refused
    result = delivery.deliver(make, found, now=NOW)
    assert (result.sent, result.failed, result.deferred) == (1, 1, n - 2)  # the rest waits for part 2
    assert delivery.deliver(make, found, now=NOW + 61 * SECOND).sent == n - 1
    assert delivery.deliver(make, found, now=NOW + dt.timedelta(days=1)).sent == 0
    parts = bots.accepted(kind)
    assert [p.text.rsplit("\n", 1)[-1] for p in parts] == [f"（{i}/{n}）" for i in range(1, n + 1)]
    assert all(len(p.raw if kind == "feishu" else p.text.encode()) <= limit for p in parts)
    if kind != "wecom":  # DingTalk's title and Feishu's card header carry the number too
        titles = [title_of(p) for p in parts]
        assert titles == [f"{report.subject}（{i}/{n}）" for i in range(1, n + 1)]
    rejoined = "\n".join(p.text.rsplit("\n", 1)[0] for p in parts)
    assert rejoined == found[0].kind.adapt(report.markdown).strip("\n")  # cut on lines, nothing lost


def title_of(received: Received) -> str:
    assert received.body is not None
    if received.kind == "dingtalk":
        return str(received.body["markdown"]["title"])
    return str(received.body["card"]["header"]["title"]["content"])


def _ok(kind: str) -> dict[str, object]:
    return {"code": 0, "msg": "success"} if kind == "feishu" else {"errcode": 0, "errmsg": "ok"}


@pytest.mark.parametrize("limit", [40, 100, 4096])
def test_split_cuts_on_lines_by_utf8_bytes_and_numbers_the_parts(limit: int) -> None:
    text = "\n".join(["## 标题", "短行", "信" * 60, "- 第二项 ok", "x" * 150, "末行"])
    parts = bot.split(text, limit=limit, size=bot.utf8)
    assert all(bot.utf8(part) <= limit for part in parts)
    if len(parts) == 1:
        assert parts == [text]
        return
    marks = [part.rsplit("\n", 1)[1] for part in parts]
    assert marks == [f"（{i}/{len(parts)}）" for i in range(1, len(parts) + 1)]
    assert "".join(part.rsplit("\n", 1)[0].replace("\n", "") for part in parts) == text.replace("\n", "")


# ----------------------------------------------------------------------------- rate limit


def test_the_rate_limit_holds_across_runs_on_separate_engines(
    make: sessionmaker[Session], db_url: str, bots: FakeBots
) -> None:
    found = only(bots, "wecom")
    reports = [
        Report("summary", f"summary:n{i}", (), f"第 {i} 份", "", "", f"## 第 {i} 份\n内容\n")
        for i in range(25)
    ]
    assert queue(make, reports, found) == 25
    first = delivery.deliver(make, found, now=NOW)
    assert (first.sent, first.deferred, first.pending) == (20, 5, 5)
    engine = connect(db_url)  # another process's engine: all it shares is the database
    try:
        other = sessions(engine)
        assert delivery.deliver(other, found, now=NOW + 59 * SECOND).sent == 0
        bots.sent_times.clear()  # a minute has passed for the fake's own window too
        assert delivery.deliver(other, found, now=NOW + 61 * SECOND).sent == 5
    finally:
        engine.dispose()
    assert [r.accepted for r in bots.received] == [True] * 25  # the API's limit was never hit


def test_two_runs_at_once_share_the_rate_limit(
    make: sessionmaker[Session], db_url: str, bots: FakeBots
) -> None:
    found = only(bots, "wecom")
    assert queue(make, [short(f"summary:c{i}", i) for i in range(30)], found) == 30
    engines = [connect(db_url), connect(db_url)]
    results: list[delivery.DeliveryResult] = []
    try:

        def run(engine: Engine) -> None:
            results.append(delivery.deliver(sessions(engine), found, now=NOW))

        runs = [threading.Thread(target=run, args=(engine,)) for engine in engines]
        for thread in runs:
            thread.start()
        for thread in runs:
            thread.join()
    finally:
        for engine in engines:
            engine.dispose()
    assert sum(r.sent for r in results) == 20
    assert [r.accepted for r in bots.received] == [True] * 20


def test_a_run_with_a_clock_waits_out_a_short_window(make: sessionmaker[Session], bots: FakeBots) -> None:
    found = only(bots, "feishu")
    reports = [
        Report("summary", f"summary:f{i}", (), f"第 {i} 份", "", "", f"## 第 {i} 份\n内容\n")
        for i in range(8)
    ]
    assert queue(make, reports, found) == 8
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        time.sleep(seconds)  # real time: the fake's window of a second is real time too

    def clock() -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    result = delivery.deliver(make, found, now=clock(), clock=clock, max_wait=10, sleep=sleep)
    assert result.sent == 8
    assert len(slept) == 1
    assert 1 <= slept[0] <= 1.1


# ----------------------------------------------------------------------------- secrets and text


def test_secrets_reach_neither_the_database_nor_the_logs(
    make: sessionmaker[Session], bots: FakeBots, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    found = bot_channels(bots)
    queue(make, night_reports(), found)
    bots.script("wecom", {"errcode": -1, "errmsg": "busy"})
    delivery.deliver(make, found, now=NOW)
    down = [bot.BotChannel(c.id, c.kind, c.send_what, url=c.url.replace(str(bots.port), "9"), secret=c.secret)
            for c in found]  # fmt: skip
    queue(make, night_reports(at="2026-11-27"), found)
    delivery.deliver(make, down, now=NOW + dt.timedelta(hours=1))
    values = list(environ(bots).values())
    tokens = re.findall(r"(?:key|access_token)=([\w-]+)", " ".join(values))
    secrets = [*values, *tokens, values[3].rsplit("/", 1)[1]]  # the URLs, the secrets, the tokens
    with make() as session:
        stored = " ".join(
            f"{row.channel} {row.recipients} {row.subject} {row.message.decode()} {row.last_error} "
            f"{row.dedupe_key} {row.message_key}"
            for row in session.scalars(select(OutboxMessage))
        )
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "Connection refused" in stored
    assert "office-wecom" in logged
    for secret in secrets:
        assert secret not in stored
        assert secret not in logged


HOSTILE = (
    '[点我](http://evil.example) @all <at user_id="all">所有人</at> <@all> **粗** # 标题\n## 新行 `code`'
)


def test_crawled_text_cannot_make_links_or_mentions(make: sessionmaker[Session], bots: FakeBots) -> None:
    night = data.night(dashboard_url=DASHBOARD, config=CONFIG)
    lag = data.finding(
        "disclosure_lag", "majors", "new", f"清单第 13 项的信息「{HOSTILE}」", site="rsc", slug="majors"
    )
    crawl = (*night.crawl, data.fetch("rsc", "rczp", "parse_failed", HOSTILE))
    checked = data.night(dashboard_url=DASHBOARD, config=CONFIG, findings=[*night.check["findings"], lag])
    hostile = checked.__class__(**{**vars(checked), "crawl": crawl})
    reports = [*group_digests(hostile), office_summary(hostile)]
    queue(make, reports, bot_channels(bots))
    assert send(make, bots, NOW).sent == 3
    for received in bots.accepted():
        text = received.text
        assert "点我" in text  # shown, as text
        assert "evil.example)" not in text
        assert "](http://evil" not in text
        assert "@all" not in text
        assert "<at" not in text
        assert "<@" not in text
        assert not re.search(r"(?m)^#+ 新行", text)
        links = re.findall(r"\]\(([^)]*)\)", text)
        assert all(link.startswith(DASHBOARD) for link in links)
