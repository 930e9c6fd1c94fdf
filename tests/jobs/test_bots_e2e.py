"""Issue 13 end to end: crawl and check the demo campus, then `xxgk report --send` delivers the
office summary to a WeCom and a Feishu group and a site's digest to a DingTalk group (a fake of
the three APIs on loopback, strict about shapes, byte limits and signatures), beside e-mail; a
message refused once is delivered by the next run, exactly once; `--test-channel` works for
each kind; a bad `notify` entry is one line."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from aiosmtpd.controller import Controller

from monitor import jobs, store
from monitor.config import load_config
from monitor.reports import delivery
from tests.jobs import test_mail_e2e
from tests.jobs.test_mail_e2e import Inbox, xxgk
from tests.reports.fakebots import NOTIFY, FakeBots, FakeBotServer, environ

ROOT = Path(__file__).resolve().parents[2]
demo = test_mail_e2e.demo  # the demo campus on loopback, and its config
smtp = test_mail_e2e.smtp  # aiosmtpd on loopback
KIND, KINDS = "notify[0].kind", "wecom, dingtalk, feishu"


@pytest.fixture
def bots() -> Iterator[FakeBots]:
    with FakeBotServer() as fake:
        yield fake


def with_notify(config_path: Path, notify: list[dict[str, object]]) -> Path:
    """The config at ``config_path`` with a ``notify`` list (written beside it)."""
    data = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    path = config_path.with_name("notify.yaml")
    path.write_text(yaml.safe_dump({**data, "notify": notify}, allow_unicode=True), encoding="utf-8")
    return path


def troubled_site(check: dict[str, object]) -> str:
    columns = check["columns"]
    assert isinstance(columns, list)
    return str(next(c["site"] for c in columns if c["status"] != "fresh"))


def test_report_send_reaches_every_group_and_a_refusal_is_delivered_once_by_the_next_run(
    demo: tuple[object, Path], db_url: str, smtp: tuple[Inbox, Controller], bots: FakeBots
) -> None:
    _, demo_path = demo
    inbox, controller = smtp
    assert xxgk(demo_path, db_url, "crawl", "--full")[0] == 0
    code, out = xxgk(demo_path, db_url, "check", "--format", "json")
    assert code == 0, out
    site = troubled_site(json.loads(out))
    notify = [dict(entry) for entry in NOTIFY]
    notify[1]["sites"] = [site]
    config_path = with_notify(demo_path, notify)
    env = {**environ(bots), "XXGK_SMTP_URL": f"smtp://127.0.0.1:{controller.port}"}
    bots.script("dingtalk", {"errcode": 400102, "errmsg": "机器人已停用"})
    code, out = xxgk(config_path, db_url, "report", "--send", env=env)
    assert code == 0, out
    assert "1 failed" in out
    assert len(bots.accepted("wecom")) >= 1
    assert len(bots.accepted("feishu")) >= 1
    assert bots.accepted("dingtalk") == []
    assert len(inbox.messages) > 1  # e-mail goes on beside the bots
    config = load_config(config_path)
    summary_start = "## 【信息公开监测】" + config.institution.name
    assert bots.accepted("wecom")[0].text.startswith(summary_start)
    assert config.institution.name in bots.accepted("feishu")[0].body["card"]["header"]["title"]["content"]  # type: ignore[index]

    # the next run (past the refusal's backoff) delivers the digest, once
    rt = jobs.Runtime(config_path=config_path, db_url=db_url, secrets=environ(bots), email=False)
    engine = store.connect(db_url)
    try:
        later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2)
        result = delivery.deliver(store.sessions(engine), jobs.channel_list(rt, config), now=later)
    finally:
        engine.dispose()
    assert (result.sent, result.failed) == (1, 0)
    [digest] = bots.accepted("dingtalk")
    assert config.site(site).name in digest.text
    assert digest.query["sign"]  # signed, and the fake checked the signature
    assert digest.query["timestamp"]
    before = len(bots.received)
    code, out = xxgk(config_path, db_url, "report", "--send", env=env)
    assert code == 0, out
    assert len(bots.received) == before  # nothing is sent twice


@pytest.mark.parametrize(
    ("channel", "answer"),
    [
        ("office-wecom", '"errcode": 0'),
        ("rsc-dingtalk", '"errcode": 0'),
        ("office-feishu", '"code": 0'),
        ("email", "accepted by smtp://"),
    ],
)  # fmt: skip
def test_test_channel_sends_one_short_message_and_prints_the_answer(
    tmp_path: Path, bots: FakeBots, smtp: tuple[Inbox, Controller], channel: str, answer: str
) -> None:
    inbox, controller = smtp
    config_path = with_notify(_demo_config(tmp_path), NOTIFY)
    env = {**environ(bots), "XXGK_SMTP_URL": f"smtp://127.0.0.1:{controller.port}"}
    code, out = xxgk(
        config_path, f"sqlite:///{tmp_path / 'x.db'}", "report", "--test-channel", channel, env=env
    )
    assert code == 0, out
    assert out.startswith(f"{channel}: ")
    assert answer in out
    assert len(bots.accepted()) + len(inbox.messages) == 1
    texts = [r.text for r in bots.accepted()] + [str(m["Subject"]) for m in inbox.messages]
    assert "测试消息" in texts[0]


def test_a_refused_test_message_is_one_line_with_the_apis_answer(tmp_path: Path, bots: FakeBots) -> None:
    config_path = with_notify(_demo_config(tmp_path), NOTIFY)
    bots.script("wecom", {"errcode": 93000, "errmsg": "invalid webhook url"})
    db = f"sqlite:///{tmp_path / 'x.db'}"
    code, out = xxgk(config_path, db, "report", "--test-channel", "office-wecom", env=environ(bots))
    assert (code, out) == (1, "xxgk: error: wecom answered 93000: invalid webhook url\n")
    code, out = xxgk(config_path, db, "report", "--test-channel", "nobody", env=environ(bots))
    assert code == 1
    assert out == (
        "xxgk: error: no channel 'nobody' "
        "(the channels are email, office-wecom, rsc-dingtalk, office-feishu)\n"
    )


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"kind": "wecon"}, f"{KIND}: expected one of {KINDS} (got 'wecon'; did you mean 'wecom'?)"),
        ({"kind": "slack"}, f"{KIND}: expected one of {KINDS} (got 'slack')"),
        ({"secret_env": "XXGK_X"}, "notify[0].secret_env: wecom bots are not signed"),
    ],
)  # fmt: skip
def test_a_notify_entry_the_registry_cannot_serve_is_one_line(
    tmp_path: Path, change: dict[str, str], error: str
) -> None:
    notify = [{**NOTIFY[0], **change}]
    config_path = with_notify(_demo_config(tmp_path), notify)
    code, out = xxgk(config_path, f"sqlite:///{tmp_path / 'x.db'}", "report")
    assert (code, out) == (1, f"xxgk: error: {config_path}: {error}\n")


def test_an_unset_webhook_variable_is_one_line_for_test_channel(tmp_path: Path) -> None:
    config_path = with_notify(_demo_config(tmp_path), NOTIFY)
    code, out = xxgk(
        config_path, f"sqlite:///{tmp_path / 'x.db'}", "report", "--test-channel", "office-wecom"
    )
    assert (code, out) == (
        1,
        "xxgk: error: office-wecom: $XXGK_WECOM_OFFICE is not set (the wecom webhook URL)\n",
    )


def _demo_config(tmp_path: Path) -> Path:
    data = yaml.safe_load((ROOT / "config" / "demo.yaml").read_text(encoding="utf-8"))
    data["checklist"] = str(ROOT / "config" / "checklist.yaml")
    path = tmp_path / "demo.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_send_without_an_smtp_server_goes_to_the_bots_only(tmp_path: Path, bots: FakeBots) -> None:
    config_path = with_notify(_demo_config(tmp_path), NOTIFY)
    db = f"sqlite:///{tmp_path / 'x.db'}"
    assert xxgk(config_path, db, "init")[0] == 0
    assert xxgk(config_path, db, "check")[0] == 0  # nothing crawled: every column could not be checked
    code, out = xxgk(config_path, db, "report", "--send", env=environ(bots))
    assert code == 0, out
    assert "email: $XXGK_SMTP_URL is not set: no e-mail sent, the group bots only" in out
    assert {r.kind for r in bots.accepted()} == {"wecom", "feishu", "dingtalk"}
    assert not (tmp_path / "var").exists()


def test_the_nightly_job_delivers_to_the_bots_too(
    demo: tuple[object, Path], db_url: str, smtp: tuple[Inbox, Controller], bots: FakeBots
) -> None:
    _, demo_path = demo
    inbox, controller = smtp
    config_path = with_notify(demo_path, [NOTIFY[0], NOTIFY[2]])
    assert xxgk(config_path, db_url, "init")[0] == 0
    smtp_url = f"smtp://127.0.0.1:{controller.port}"
    rt = jobs.Runtime(config_path=config_path, db_url=db_url, smtp_url=smtp_url, secrets=environ(bots))
    jobs.configure(rt)
    done = jobs.nightly()
    assert done.failures == []
    assert done.steps[-1].startswith("delivery: ")
    assert "0 failed, 0 pending" in done.steps[-1]
    assert {r.kind for r in bots.accepted()} == {"wecom", "feishu"}
    assert len(inbox.messages) > 1
