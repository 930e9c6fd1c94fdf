"""requirements.lock, the versions `./dev` installs, keeps up with pyproject.toml.

Every dependency that pyproject.toml names (the test extra included) is pinned in the lock at a
version its range admits, and the lock pins nothing twice. `./dev lock` re-resolves the file.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)", re.MULTILINE)


def pins() -> dict[str, Version]:
    found = PIN.findall((ROOT / "requirements.lock").read_text(encoding="utf-8"))
    names = [canonicalize_name(name) for name, _ in found]
    assert len(names) == len(set(names)), "a package is pinned twice"
    return {canonicalize_name(name): Version(version) for name, version in found}


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [
        Requirement(text) for text in (*project["dependencies"], *project["optional-dependencies"]["test"])
    ]


def test_every_declared_dependency_is_pinned_within_its_range() -> None:
    locked = pins()
    for requirement in declared():
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{requirement} is not in requirements.lock: run ./dev lock"
        assert requirement.specifier.contains(locked[name], prereleases=True), (
            f"requirements.lock pins {name}=={locked[name]}, outside {requirement}: run ./dev lock"
        )


def test_the_lock_is_made_by_pip_compile_from_pyproject() -> None:
    head = (ROOT / "requirements.lock").read_text(encoding="utf-8").split("\n\n", 1)[0]
    assert "pip-compile" in head
    assert "--extra=test" in head
    assert "pyproject.toml" in head
