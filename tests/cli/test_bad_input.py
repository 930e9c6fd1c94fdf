"""Every command answers bad input with one line and a non-zero exit, never a traceback.

Two walks: every command (and subcommand) of `xxgk --help` with an option it does not have, and a
table of bad values per command (dates out of range or malformed, URLs, files, numbers, choices).
Commands run in process (CliRunner) against the real HIT config and an SQLite file in tmp_path.
"""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from monitor.cli import main

ROOT = Path(__file__).resolve().parents[2]
HIT = str(ROOT / "config" / "hit.yaml")


def run(tmp_path: Path, *args: str, config: str = HIT) -> tuple[int, list[str]]:
    """Exit code and the non-blank lines printed (stdout and stderr together)."""
    result = CliRunner().invoke(
        main, ["--config", config, "--db", f"sqlite:///{tmp_path}/x.db", *args], prog_name="xxgk"
    )
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a traceback: the test fails with it
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    return result.exit_code, lines


def command_paths() -> list[tuple[str, ...]]:
    """Every command and subcommand, as argv prefixes (`("user", "add")`)."""
    ctx = click.Context(main)
    paths: list[tuple[str, ...]] = []

    def walk(group: click.Group, prefix: tuple[str, ...]) -> None:
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            assert command is not None, name
            if isinstance(command, click.Group):
                walk(command, (*prefix, name))
            else:
                paths.append((*prefix, name))

    walk(main, ())
    return paths


@pytest.mark.parametrize("path", command_paths(), ids=" ".join)
def test_an_unknown_option_is_one_line_and_exit_2(tmp_path: Path, path: tuple[str, ...]) -> None:
    code, lines = run(tmp_path, *path, "--zqx")
    assert code == 2
    command = "xxgk " + " ".join(path)
    assert lines == [f"{command}: error: No such option '--zqx'. (see '{command} --help')"]


def test_the_walk_covers_the_documented_commands() -> None:
    names = {path[0] for path in command_paths()}
    assert {
        "init",
        "stats",
        "crawl",
        "check",
        "discover",
        "extract",
        "report",
        "serve",
        "user",
        "demo",
    } <= names


BAD = [
    (
        ("stats", "--from", "0001-01-01", "--to", "0001-12-31"),
        2,
        "expected a date from 1990-01-01 to 2099-12-31",
    ),
    (
        ("stats", "--from", "2021-09-01", "--to", "9999-12-31"),
        2,
        "expected a date from 1990-01-01 to 2099-12-31",
    ),
    (("stats", "--from", "2021-02-30", "--to", "2021-03-01"), 2, "expected a date as YYYY-MM-DD"),
    (("stats", "--from", "2022-09-01", "--to", "2021-08-31"), 2, "after"),
    (("stats", "--format", "pdf"), 2, "'pdf' is not one of"),
    (("check", "--at", "0001-01-01"), 2, "expected a date from 1990-01-01 to 2099-12-31"),
    (("check", "--at", "yesterday"), 2, "expected a date as YYYY-MM-DD"),
    (("crawl", "--today", "0001-01-01"), 2, "expected a date from 1990-01-01 to 2099-12-31"),
    (("crawl", "--site", "no-such-site"), 1, "no-such-site"),
    (("crawl", "--timeout", "0"), 2, "--timeout"),
    (("discover", "ftp://x.edu.cn/"), 2, "expected an http:// or https:// URL"),
    (("discover", "http://x.edu.cn/", "--max-pages", "-3"), 2, "--max-pages"),
    (("extract", "missing.html"), 2, "no such file"),
    (("extract", "http://"), 2, "expected an http:// or https:// URL"),
    (("import-counts", "missing.csv"), 2, "missing.csv"),
    (("ack",), 2, "Missing argument"),
    (("ack", "no-such-finding", "--by", "clerk"), 2, "no-such-finding"),
    (("serve", "--port", "99999"), 2, "--port"),
    (("demo", "--port", "http"), 2, "--port"),
    (("user", "add", "clerk", "--role", "king", "--password-stdin"), 2, "--role"),
    (("report", "--out", "/proc/no-such-dir/x"), 1, ""),
]


@pytest.mark.parametrize(("args", "code", "words"), BAD, ids=[" ".join(args) for args, _, _ in BAD])
def test_a_bad_value_is_one_line_naming_it(
    tmp_path: Path, args: tuple[str, ...], code: int, words: str
) -> None:
    assert run(tmp_path, "init")[0] == 0
    got, lines = run(tmp_path, *args)
    assert got == code, lines
    assert len(lines) == 1, lines
    assert "error" in lines[0]
    assert words in lines[0]


def test_a_missing_config_is_one_line_for_every_command_that_needs_it(tmp_path: Path) -> None:
    for args in (("init",), ("stats",), ("check",), ("crawl",), ("report", "--out", str(tmp_path))):
        code, lines = run(tmp_path, *args, config=str(tmp_path / "missing.yaml"))
        assert code == 1, args
        assert len(lines) == 1, (args, lines)
        assert "missing.yaml" in lines[0]


@pytest.mark.parametrize("args", [("stats",), ("check",), ("report", "--out", "mail"), ("rules",)])
def test_a_read_only_command_on_a_missing_database_creates_nothing(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    db = tmp_path / "no" / "such" / "dir" / "xxgk.db"
    result = CliRunner().invoke(main, ["--config", HIT, "--db", f"sqlite:///{db}", *args], prog_name="xxgk")
    if args == ("rules",):  # needs no database at all
        assert result.exit_code == 0
    else:
        assert result.exit_code == 1
        assert result.stderr == f"xxgk: error: database sqlite:///{db} does not exist: run `xxgk init`\n"
    assert not (tmp_path / "no").exists()


def test_init_makes_the_database_and_its_directory(tmp_path: Path) -> None:
    db = tmp_path / "new" / "dir" / "xxgk.db"
    result = CliRunner().invoke(main, ["--config", HIT, "--db", f"sqlite:///{db}", "init"], prog_name="xxgk")
    assert result.exit_code == 0, result.output
    assert db.is_file()


def test_an_unknown_bot_kind_is_refused_by_every_command_not_only_report(tmp_path: Path) -> None:
    import yaml

    data = yaml.safe_load(Path(HIT).read_text(encoding="utf-8"))
    data["checklist"] = str(ROOT / "config" / "checklist.yaml")
    data["notify"] = [{"id": "office-bot", "kind": "wechat", "webhook_env": "XXGK_WECHAT"}]
    config = tmp_path / "bots.yaml"
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    for args in (("init",), ("check",), ("stats",)):
        code, lines = run(tmp_path, *args, config=str(config))
        assert code == 1, args
        expected = "notify[0].kind: expected one of wecom, dingtalk, feishu (got 'wechat')"
        assert lines == [f"xxgk: error: {config}: {expected}"]
