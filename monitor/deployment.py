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

import hashlib
import json
import os
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

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
    partial: bool = False  # only some institutions of the folder (load_selected)

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


K = TypeVar("K", bound=Hashable)


def joined(keys: Iterable[K], hosts_of: Callable[[K], Iterable[str]]) -> list[list[K]]:
    """The keys (sites, institutions) joined by a host they share, a union-find over their hosts;
    each group and the groups in the order of ``keys``. No host is in two groups, which is how
    the crawl keeps a host's politeness in one crawler (`crawler.run.host_groups`,
    `monitor.distributed.plan`)."""
    order = list(keys)
    parent = {key: key for key in order}

    def root(key: K) -> K:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    owner: dict[str, K] = {}
    for key in order:
        for host in hosts_of(key):
            if host in owner:
                parent[root(key)] = root(owner[host])
            else:
                owner[host] = key
    groups: dict[K, list[K]] = {}
    for key in order:
        groups.setdefault(root(key), []).append(key)
    return list(groups.values())


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
    _write_index(
        path, {config.institution.id: file.name for config, file in zip(configs, institutions, strict=True)}
    )
    return Deployment(path, tuple(configs), paths, found)


def load_selected(path: Path, ids: Iterable[str]) -> Deployment:
    """A deployment of only the institutions ``ids`` of a folder, read without the others when the
    folder's index is current; otherwise (or for one file, or no ids) :func:`load_deployment`.

    Reading a folder of 3,000 institutions takes seconds; a command on one of them should not.
    Every full read of a folder leaves an index (institution id → file, and every ``*.yaml``
    file's size and change times) under ``var/cache/deployments/``. While no file of the folder
    has changed, been added or removed since, the ids, their files and their uniqueness are what
    that read checked, and only the chosen files (and the checklists they name) are read and
    validated again; any change and the whole folder is read, as without an index.
    """
    wanted = list(dict.fromkeys(ids))
    if not wanted or not path.is_dir():
        return load_deployment(path)
    named = _current_index(path)
    if named is None or any(key not in named for key in wanted):
        return _whole(path, wanted)
    kept: dict[Path, Checklist] = {}
    files = {key: path / named[key] for key in wanted}
    configs = [
        config_from_mapping(file, _yaml.load_mapping(file), checklists=kept) for file in files.values()
    ]
    for key, config in zip(files, configs, strict=True):
        if config.institution.id != key:  # edited within the clock's resolution: read it all
            return _whole(path, wanted)
    regulator = path / REGULATOR_FILE
    found = load_regulator(regulator) if regulator.exists() else None
    return Deployment(path, tuple(configs), files, found, partial=True)


def _whole(path: Path, wanted: list[str]) -> Deployment:
    found = load_deployment(path)
    found.select(wanted)  # an unknown id is the whole read's one line, listing what there is
    return found


INDEX_DIR = Path("var") / "cache" / "deployments"


def index_path(folder: Path) -> Path:
    digest = hashlib.sha256(str(folder.resolve()).encode("utf-8")).hexdigest()[:20]
    return INDEX_DIR / f"{digest}.json"


def _signature(folder: Path) -> dict[str, list[int]]:
    """Every ``*.yaml`` file of the folder: [size, mtime_ns, ctime_ns] (any write changes ctime)."""
    found = {}
    for file in folder.glob("*.yaml"):
        try:
            stat = file.stat()
        except OSError:
            continue
        found[file.name] = [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns]
    return found


def _write_index(folder: Path, ids: dict[str, str]) -> None:
    """Best effort: a read-only or full disk only means the next command reads the whole folder."""
    target = index_path(folder)
    document = {"version": 1, "folder": str(folder.resolve()), "files": _signature(folder), "ids": ids}
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        os.replace(partial, target)
    except OSError:
        return


def _current_index(folder: Path) -> dict[str, str] | None:
    """Institution id → file name from the folder's index, or None when it is missing or stale."""
    try:
        document = json.loads(index_path(folder).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(document, dict) or document.get("version") != 1:
        return None
    if document.get("folder") != str(folder.resolve()) or document.get("files") != _signature(folder):
        return None
    ids = document.get("ids")
    if not isinstance(ids, dict):
        return None
    names = {name for name in document["files"] if "/" not in name and "\\" not in name}
    return {key: name for key, name in ids.items() if isinstance(key, str) and name in names}


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
