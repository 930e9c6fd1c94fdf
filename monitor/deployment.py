"""A deployment: the institutions one database serves, and the regulator who watches them.

``--config`` names either one institution's YAML file (a deployment of one) or a folder in which
every ``*.yaml`` file is one institution, each with its own checklist, crawl, mail, notify and
schedule sections, and an optional ``regulator.yaml`` names the regulator (a provincial
education department, the ministry) and its own recipients::

    regulator:
      id: hlj
      name: 黑龙江省教育厅
      contact: xxgk@hlj.edu.cn
    mail:
      to: [xxgk@hlj.edu.cn]            # receive the regulator's ranking
      dashboard_url: https://xxgk.hlj.edu.cn/

A file of the folder that an institution names as its checklist (``checklist: checklist.yaml``)
is that checklist, not an institution. Institution ids are unique across the folder: a second
file with the same id is an error naming both files.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from monitor import _yaml
from monitor.config import (
    Checklist,
    Config,
    Email,
    HttpUrl,
    Id,
    NonEmpty,
    _Frozen,
    checklist_path,
    config_from_mapping,
)
from monitor.errors import ConfigError

REGULATOR_FILE = "regulator.yaml"


class Regulator(_Frozen):
    id: Id
    name: NonEmpty
    contact: Email | None = None


class RegulatorMail(_Frozen):
    to: tuple[Email, ...] = ()
    dashboard_url: HttpUrl | None = None


class RegulatorConfig(_Frozen):
    """``regulator.yaml``: who watches the institutions of the folder, and who receives what."""

    regulator: Regulator
    mail: RegulatorMail = RegulatorMail()


@dataclass(frozen=True)
class Deployment:
    """The institutions of one `--config` (a file or a folder), in file-name order."""

    source: Path
    institutions: tuple[Config, ...]
    paths: dict[str, Path] = field(repr=False)  # institution id → its YAML file
    regulator: RegulatorConfig | None = None

    @property
    def is_folder(self) -> bool:
        return self.source.is_dir()

    def ids(self) -> list[str]:
        return [config.institution.id for config in self.institutions]

    def get(self, institution_id: str) -> Config:
        for config in self.institutions:
            if config.institution.id == institution_id:
                return config
        raise ConfigError(
            f"no institution {institution_id!r} in {self.source} "
            f"(it holds {_listed(self.ids())}){_yaml.did_you_mean(institution_id, self.ids())}"
        )

    def select(self, ids: Iterable[str]) -> tuple[Config, ...]:
        """The institutions of `ids` (each once, in the order given); every one when `ids` is empty."""
        wanted = list(dict.fromkeys(ids))
        return tuple(self.get(i) for i in wanted) if wanted else self.institutions

    def path_of(self, institution_id: str) -> Path:
        self.get(institution_id)
        return self.paths[institution_id]


def _listed(ids: list[str]) -> str:
    shown = ", ".join(ids[:8])
    return shown + (f" and {len(ids) - 8} more" if len(ids) > 8 else "")


def load_deployment(path: Path) -> Deployment:
    """One institution's file, or a folder of them (and its regulator.yaml); validate everything."""
    if not path.is_dir():
        data = _yaml.load_mapping(path)
        config = config_from_mapping(path, data)
        return Deployment(path, (config,), {config.institution.id: path})
    files = sorted(p for p in path.glob("*.yaml") if p.is_file() and p.name != REGULATOR_FILE)
    read = {file: _yaml.load_mapping(file) for file in files}
    checklists = {_named(file, data) for file, data in read.items() if "institution" in data}
    institutions = {file: data for file, data in read.items() if file.resolve() not in checklists}
    if not institutions:
        raise ConfigError(f"{path}: no institution files (*.yaml with an 'institution' key) in this folder")
    kept: dict[Path, Checklist] = {}
    configs = [config_from_mapping(file, data, checklists=kept) for file, data in institutions.items()]
    paths: dict[str, Path] = {}
    for file, config in zip(institutions, configs, strict=True):
        key = config.institution.id
        if key in paths:
            raise ConfigError(
                f"{file}: institution.id: duplicate institution id {key!r} (also in {paths[key]})"
            )
        paths[key] = file
    regulator = path / REGULATOR_FILE
    found = load_regulator(regulator) if regulator.exists() else None
    return Deployment(path, tuple(configs), paths, found)


def _named(file: Path, data: dict[str, object]) -> Path | None:
    try:
        return checklist_path(file, data).resolve()
    except ConfigError:
        return None  # reported when the file is validated as an institution


def load_regulator(path: Path) -> RegulatorConfig:
    data = _yaml.load_mapping(path)
    try:
        return RegulatorConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_yaml.describe(path, exc)) from None
