"""The `xxgk` command line end to end: init, stats in every format, errors, unbuilt commands."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from monitor import store
from monitor.cli import main
from monitor.config import load_config

ROOT = Path(__file__).resolve().parents[2]
HIT = str(ROOT / "config" / "hit.yaml")


def xxgk(*args: str, db: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--config", HIT, "--db", db, *args])
    return result.exit_code, result.stdout, result.stderr


def test_init_then_stats_json_lists_the_reports_35_rows(db_url: str) -> None:
    code, out, err = xxgk("init", db=db_url)
    assert code == 0, err
    assert "3 campuses, 35 sites" in out
    code, out, err = xxgk(
        "stats", "--from", "2021-09-01", "--to", "2022-08-31", "--format", "json", db=db_url
    )
    assert code == 0, err
    doc = json.loads(out)
    assert (doc["from"], doc["to"]) == ("2021-09-01", "2022-08-31")
    assert [(c["id"], c["name"], len(c["sites"])) for c in doc["campuses"]] == [
        ("main", "校本部", 13),
        ("weihai", "威海校区", 12),
        ("shenzhen", "深圳校区", 10),
    ]
    first = doc["campuses"][0]["sites"][0]
    assert first == {
        "id": "www",
        "name": "主页",
        "url": "www.hit.edu.cn",
        "count": 0,
        "manual": False,
        "last_year": 0,
    }
    assert all(site["count"] == 0 for c in doc["campuses"] for site in c["sites"])


def test_second_init_changes_nothing(db_url: str) -> None:
    assert xxgk("init", db=db_url)[0] == 0
    code, out, _ = xxgk("init", db=db_url)
    assert code == 0
    assert "added" not in out
    assert "retired" not in out


def test_stats_md_is_the_reports_table(db_url: str) -> None:
    xxgk("init", db=db_url)
    code, out, err = xxgk("stats", "--from", "2021-09-01", "--to", "2022-08-31", "--format", "md", db=db_url)
    assert code == 0, err
    assert "2021年9月1日至2022年8月31日，校本部新增的主动公开信息数达0条，详见下表：" in out
    assert "| 序号 | 网站名称 | 网址 | 数量 |" in out
    assert "| 4 | 今日哈工大 | today.hit.edu.cn | 0 |" in out
    assert out.count("| 总计 |") == 3


def _seed_items(db_url: str) -> None:
    config = load_config(Path(HIT))
    engine = store.connect(db_url)
    now = dt.datetime(2022, 9, 1, tzinfo=dt.UTC)
    with store.sessions(engine).begin() as session:
        columns = store.column_ids(session, institution_key="hit")
        today = config.site("today")
        for column_index, column in enumerate(today.columns):
            items = [
                store.NewItem(
                    url=f"http://today.hit.edu.cn/article/2022/0{1 + i % 9}/01/{column_index * 100 + i}",
                    title=f"通知 {i}",
                    published_on=dt.date(2022, 1 + i % 9, 1),
                    date_source="list",
                    is_attachment=False,
                )
                for i in range(10)
            ]
            store.upsert_items(
                session,
                site_id=store.site_ids(session, institution_key="hit")["today"],
                column_id=columns[("today", column.id)],
                items=items,
                seen_at=now,
            )
    engine.dispose()


def test_stats_counts_items_published_in_the_period(db_url: str, tmp_path: Path) -> None:
    xxgk("init", db=db_url)
    _seed_items(db_url)  # 2 columns × 10 items, months 1..9 of 2022; months 9 fall outside
    code, out, _ = xxgk("stats", "--from", "2021-09-01", "--to", "2022-08-31", "--format", "json", db=db_url)
    assert code == 0
    sites = {s["id"]: s["count"] for c in json.loads(out)["campuses"] for s in c["sites"]}
    assert sites["today"] == 18
    assert sum(sites.values()) == 18
    target = tmp_path / "stats.xlsx"
    code, _, err = xxgk("stats", "--from", "2021-09-01", "--to", "2022-08-31", "--format", "xlsx",
                        "--out", str(target), db=db_url)  # fmt: skip
    assert code == 0, err
    book = load_workbook(target)
    assert book.sheetnames == ["校本部", "威海校区", "深圳校区"]
    rows = list(book["校本部"].iter_rows(values_only=True))
    assert rows[1] == ("序号", "网站名称", "网址", "数量", "人工填报")
    assert rows[5][:4] == (4, "今日哈工大", "today.hit.edu.cn", 18)
    assert rows[-1][1:4] == ("总计", None, 18)


def test_stats_csv_has_a_row_per_site_and_a_total_per_campus(db_url: str) -> None:
    xxgk("init", db=db_url)
    code, out, _ = xxgk("stats", "--from", "2021-09-01", "--to", "2022-08-31", "--format", "csv", db=db_url)
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0] == "校区,序号,网站名称,网址,数量,人工填报"
    assert len(lines) == 1 + 35 + 3


def test_stats_on_an_uninitialised_database_says_run_init(tmp_path: Path) -> None:
    code, _, err = xxgk("stats", "--format", "json", db=f"sqlite:///{tmp_path}/empty.db")
    assert code == 1
    assert "xxgk init" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["stats", "--from", "2022-13-01", "--to", "2022-12-31"], "expected a date as YYYY-MM-DD"),
        (["stats", "--from", "2022-09-01"], "give both --from and --to"),
        (["stats", "--from", "2022-09-01", "--to", "2022-08-31"], "is after --to"),
        (["stats", "--format", "pdf"], "'pdf' is not one of"),
        (["stats", "--format", "xlsx"], "--format xlsx needs --out FILE"),
    ],
)
def test_stats_usage_errors_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    code, _, err = xxgk(*args, db=f"sqlite:///{tmp_path}/x.db")
    assert code == 2
    assert message in err


def test_bad_config_is_one_line_and_exit_1(tmp_path: Path) -> None:
    text = Path(HIT).read_text(encoding="utf-8").replace("cms: webplus", "cms: webplu", 1)
    bad = tmp_path / "hit.yaml"
    bad.write_text(text, encoding="utf-8")
    (tmp_path / "checklist.yaml").write_bytes((ROOT / "config" / "checklist.yaml").read_bytes())
    result = CliRunner().invoke(main, ["--config", str(bad), "--db", f"sqlite:///{tmp_path}/x.db", "init"])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"xxgk: error: {bad}: campuses[0].sites[")
    assert ".cms: expected one of webplus, vsb, drupal, jsonapi, auto (got 'webplu'" in result.stderr


def test_unreachable_database_is_one_line_and_exit_1() -> None:
    code, _, err = xxgk("init", db="postgresql+psycopg://xxgk:secret@127.0.0.1:1/x")
    assert code == 1
    assert err.startswith("xxgk: error: ")
    assert "secret" not in err
    assert err.count("\n") == 1


def test_console_script_runs(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "--config", HIT, "--db", f"sqlite:///{tmp_path}/x.db", "init"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "35 sites" in done.stdout


def test_every_command_module_is_known_to_the_lazy_group() -> None:
    """A command defined in a module that LAZY_COMMANDS does not name would never be found."""
    cli_main = importlib.import_module("monitor.cli.main")  # the module (monitor.cli.main is the group)
    for module in set(cli_main.LAZY_COMMANDS.values()):
        importlib.import_module(module)
    defined = set(main.commands)
    assert defined == {"init", "stats", *cli_main.LAZY_COMMANDS}
    for name, module in cli_main.LAZY_COMMANDS.items():
        assert main.commands[name].callback is not None
        assert sys.modules[module] is not None, name


def test_stats_imports_neither_the_mailer_nor_the_web_server(tmp_path: Path) -> None:
    heavy = ("monitor.jobs", "monitor.web", "monitor.reports", "fastapi", "uvicorn", "jinja2", "alembic")
    probe = (
        "import sys; from monitor.cli import main; "
        "main(['--config', sys.argv[1], '--db', sys.argv[2], 'stats', '--format', 'json'], "
        "standalone_mode=False); "
        f"print(sorted(m for m in {heavy!r} if m in sys.modules), file=sys.stderr)"
    )
    db = f"sqlite:///{tmp_path}/x.db"
    assert xxgk("init", db=db)[0] == 0
    done = subprocess.run(
        [sys.executable, "-c", probe, HIT, db], capture_output=True, text=True, check=False, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "[]"


def test_crawl_refuses_while_another_crawl_holds_the_lock(db_url: str) -> None:
    assert xxgk("init", db=db_url)[0] == 0
    engine = store.connect(db_url)
    try:
        with store.sessions(engine)() as session:
            now = dt.datetime.now(dt.UTC)
            held = store.locks.acquire(
                session, name="crawl", ttl=dt.timedelta(hours=1), now=now, holder="nightly-host:42"
            )
            assert held is None
        code, _, err = xxgk("crawl", db=db_url)
        assert code == 1
        assert (
            err == "xxgk: error: busy: a crawl is running (nightly-host:42); try again when it has finished\n"
        )
        with store.sessions(engine)() as session:  # the other crawl's lock is left alone
            assert store.locks.acquire(session, name="crawl", ttl=dt.timedelta(hours=1), now=now) == (
                "nightly-host:42"
            )
    finally:
        engine.dispose()
