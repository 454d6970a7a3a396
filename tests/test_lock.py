"""The hashed lock (requirements.lock, written by `make lock`) is what `make install` installs:
every dependency pyproject.toml asks for is pinned there at a version its range allows, and
every pin carries a hash (pip's --require-hashes refuses anything else)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\]+)")


def _pins() -> dict[str, tuple[Version, int]]:
    pins: dict[str, tuple[Version, int]] = {}
    current = None
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        match = PIN.match(line)
        if match:
            current = canonicalize_name(match.group(1))
            pins[current] = (Version(match.group(2)), 0)
        elif current and line.strip().startswith("--hash=sha256:"):
            version, hashes = pins[current]
            pins[current] = (version, hashes + 1)
    return pins


def test_every_dependency_is_pinned_within_its_range_with_hashes() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [Requirement(r) for r in project["dependencies"]]
    wanted += [Requirement(r) for r in project["optional-dependencies"]["test"]]
    pins = _pins()
    assert len(pins) > len(wanted)  # the dependencies' own dependencies are pinned too
    problems = []
    for requirement in wanted:
        pinned = pins.get(canonicalize_name(requirement.name))
        if pinned is None:
            problems.append(f"{requirement}: not in requirements.lock (run `make lock`)")
        elif pinned[0] not in requirement.specifier:
            problems.append(f"{requirement}: locked at {pinned[0]} (run `make lock`)")
    assert not problems, "\n".join(problems)
    assert all(hashes for _version, hashes in pins.values())


def test_make_install_installs_from_the_lock_with_hashes() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "--require-hashes -r requirements.lock" in makefile
    assert "pip install --quiet --no-deps -e ." in makefile
