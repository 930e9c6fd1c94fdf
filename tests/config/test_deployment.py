"""A config folder: one institution per *.yaml, an optional regulator.yaml, unique ids, one-line errors."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from monitor.cli import main
from monitor.deployment import load_deployment, load_selected
from monitor.errors import ConfigError
from tests.config.test_config import BASE, CHECKLIST

ROOT = Path(__file__).resolve().parents[2]


def institution(key: str, name: str, *, checklist: str = str(CHECKLIST)) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data["institution"] = {"id": key, "name": name, "contact": f"xxgk@{key}.edu.cn"}
    data["checklist"] = checklist
    data["mail"] = {"office": [f"office@{key}.edu.cn"]}
    data["schedule"] = {"crawl": "30 1 * * *" if key == "sjtu" else "0 2 * * *", "weekly": "0 8 * * MON"}
    return data


def write(path: Path, data: dict[str, Any] | str) -> Path:
    text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "deployment"
    root.mkdir()
    write(root / "hit.yaml", institution("hit", "哈尔滨工业大学"))
    write(root / "sjtu.yaml", institution("sjtu", "上海交通大学"))
    write(root / "zju.yaml", institution("zju", "浙江大学"))
    regulator = {
        "regulator": {"id": "moe", "name": "教育部办公厅", "contact": "xxgk@moe.edu.cn"},
        "mail": {"to": ["xxgk@moe.edu.cn", "duty@moe.edu.cn"], "dashboard_url": "https://xxgk.moe.edu.cn/"},
    }
    write(root / "regulator.yaml", regulator)
    return root


def test_a_folder_holds_one_institution_per_file_each_with_its_own_sections(folder: Path) -> None:
    found = load_deployment(folder)
    assert found.ids() == ["hit", "sjtu", "zju"]
    assert found.path_of("sjtu") == folder / "sjtu.yaml"
    assert found.get("sjtu").schedule.crawl == "30 1 * * *"
    assert found.get("hit").mail.office == ("office@hit.edu.cn",)
    assert found.regulator is not None
    assert found.regulator.regulator.name == "教育部办公厅"
    assert found.regulator.mail.to == ("xxgk@moe.edu.cn", "duty@moe.edu.cn")
    assert [c.institution.id for c in found.select(["zju", "hit", "zju"])] == ["zju", "hit"]


def test_a_file_is_a_deployment_of_one_without_a_regulator() -> None:
    found = load_deployment(ROOT / "config" / "hit.yaml")
    assert found.ids() == ["hit"]
    assert found.regulator is None


def test_the_checklist_a_folder_holds_is_no_institution(tmp_path: Path) -> None:
    write(tmp_path / "checklist.yaml", CHECKLIST.read_text(encoding="utf-8"))
    write(tmp_path / "a.yaml", institution("aaa", "甲大学", checklist="checklist.yaml"))
    write(tmp_path / "b.yaml", institution("bbb", "乙大学", checklist="checklist.yaml"))
    found = load_deployment(tmp_path)
    assert found.ids() == ["aaa", "bbb"]
    assert found.get("aaa").checklist is found.get("bbb").checklist  # read once


def test_a_duplicate_id_names_both_files(folder: Path) -> None:
    write(folder / "zz-copy.yaml", institution("hit", "哈工大（副本）"))
    with pytest.raises(ConfigError) as caught:
        load_deployment(folder)
    assert str(caught.value) == (
        f"{folder / 'zz-copy.yaml'}: institution.id: "
        f"duplicate institution id 'hit' (also in {folder / 'hit.yaml'})"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("regulator: {name: 省教育厅}\n", "regulator.id: required key is missing"),
        ("regulator: {id: Hlj, name: 省教育厅}\n", "regulator.id: expected an id of lowercase letters"),
        ("regulator: {id: hlj, name: x}\nmail: {to: [not-an-address]}\n", "mail.to[0]: expected an e-mail"),
        ("regulator: {id: hlj, name: x}\nrecipients: []\n", "recipients: unknown key"),
        (
            "regulator: {id: hlj, name: x}\nmail: {dashboard_url: ftp://x}\n",
            "mail.dashboard_url: expected an",
        ),
        ("- just\n- a list\n", "expected a mapping of keys at the top level"),
        ("regulator: {id: hlj, name: x\n", "invalid YAML"),
    ],
)
def test_a_bad_regulator_file_is_one_line_naming_it(folder: Path, text: str, message: str) -> None:
    path = write(folder / "regulator.yaml", text)
    with pytest.raises(ConfigError) as caught:
        load_deployment(folder)
    line = str(caught.value)
    assert line.startswith(f"{path}: ")
    assert message in line
    assert "\n" not in line


def test_an_empty_folder_and_an_unknown_institution_are_one_line(tmp_path: Path, folder: Path) -> None:
    with pytest.raises(ConfigError, match="missing: no such config file"):
        load_deployment(tmp_path / "missing")  # a missing path is read as a file
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ConfigError, match=r"empty: no institution files \(\*\.yaml"):
        load_deployment(empty)
    with pytest.raises(
        ConfigError, match=r"no institution 'hti' in .* \(it holds hit, sjtu, zju\); did you mean 'hit'\?"
    ):
        load_deployment(folder).get("hti")


def test_a_broken_institution_file_is_named(folder: Path) -> None:
    bad = institution("zju", "浙江大学")
    bad["campuses"][0]["sites"][0]["columns"][0]["cms"] = "webplu"
    write(folder / "zju.yaml", bad)
    with pytest.raises(
        ConfigError, match=r"zju\.yaml: campuses\[0\]\.sites\[0\]\.columns\[0\]\.cms: expected one of"
    ):
        load_deployment(folder)


def cli(folder: Path, tmp_path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--config", str(folder), "--db", f"sqlite:///{tmp_path}/x.db", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout + result.stderr


def test_every_command_takes_institution_and_a_one_institution_command_asks_for_it(
    folder: Path, tmp_path: Path
) -> None:
    code, out = cli(folder, tmp_path, "init")
    assert code == 0, out
    assert [line.split(":")[0] for line in out.splitlines()[1:] if not line.startswith(" ")] == [
        "hit", "sjtu", "zju"
    ]  # fmt: skip
    code, out = cli(folder, tmp_path, "init", "--institution", "sjtu")
    assert code == 0
    assert "sjtu:" in out
    assert "hit:" not in out
    code, out = cli(folder, tmp_path, "ack", "column_stale:today/notices", "--by", "me")
    assert code == 1
    assert out.strip().endswith("holds 3 institutions (hit, sjtu, zju): choose one with --institution ID")
    code, out = cli(folder, tmp_path, "stats", "--institution", "nope", "--format", "json")
    assert code == 1
    assert "no institution 'nope'" in out
    assert len(out.strip().splitlines()) == 1
    code, out = cli(folder, tmp_path, "schedule", "--list")
    assert code == 0, out
    assert [line.split()[:2] for line in out.splitlines()] == [
        ["hit:", "nightly"], ["hit:", "weekly"], ["sjtu:", "nightly"], ["sjtu:", "weekly"],
        ["zju:", "nightly"], ["zju:", "weekly"],
    ]  # fmt: skip
    for command in (["crawl"], ["check"], ["stats"], ["report"], ["user", "add"], ["serve"], ["schedule"]):
        code, out = cli(folder, tmp_path, *command, "--help")
        assert code == 0, command
        assert "--institution ID" in out, command


def test_one_institution_of_an_unchanged_folder_is_read_alone(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the index lives under ./var/cache/deployments
    assert not load_selected(folder, ["sjtu"]).partial  # no index yet: the whole folder is read
    whole = load_deployment(folder)
    found = load_selected(folder, ["sjtu", "hit"])
    assert found.partial
    assert found.ids() == ["sjtu", "hit"]
    assert found.get("sjtu") == whole.get("sjtu")
    assert found.path_of("hit") == folder / "hit.yaml"
    assert found.regulator == whole.regulator
    assert not load_selected(folder, []).partial
    # an unknown id gets the whole read's error, listing what the folder holds
    with pytest.raises(ConfigError, match=r"no institution 'mit' in .* \(it holds hit, sjtu, zju\)"):
        load_selected(folder, ["mit"])


@pytest.mark.parametrize("change", ["edit another", "add a file", "remove a file"])
def test_any_change_to_the_folder_means_reading_it_all(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    monkeypatch.chdir(tmp_path)
    load_deployment(folder)
    assert load_selected(folder, ["sjtu"]).partial
    if change == "edit another":  # a duplicate id now: only a whole read can see it
        write(folder / "zju.yaml", institution("sjtu", "上海交通大学（二）"))
        with pytest.raises(ConfigError, match="duplicate institution id 'sjtu'"):
            load_selected(folder, ["sjtu"])
        return
    if change == "add a file":
        write(folder / "pku.yaml", "institution: [broken\n")
        with pytest.raises(ConfigError, match=r"pku\.yaml: invalid YAML"):
            load_selected(folder, ["sjtu"])
        return
    (folder / "zju.yaml").unlink()
    found = load_selected(folder, ["sjtu"])
    assert not found.partial
    assert found.ids() == ["hit", "sjtu"]
    assert load_selected(folder, ["sjtu"]).partial  # the whole read left a new index
