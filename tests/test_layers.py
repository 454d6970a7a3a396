"""Features depend downward only. This test reads every module's imports (``ast``, nothing
is run) and fails on an import of a higher feature, or of one not yet placed in ``LAYERS``.

The order, lowest first. A feature may import any feature below it and the shared modules
(``marac_app.common``, ``db``, ``extensions``, ``audit``, ``audit_actions``, ``permissions``,
``mail``, ``template_helpers``); the top-level wiring (``__init__``, ``cli``, ``demo``,
``models``) may import anything. Imports under ``if TYPE_CHECKING:`` are annotations only and
are read too: an annotation of a higher feature's type is still a design smell.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "marac_app"

LAYERS: tuple[str, ...] = (
    "agencies",  # areas and agencies: every other feature belongs to one
    "auth",  # users, sessions, passwords
    "notifications",  # notify(user, kind, link, text): features above call it
    "jobs",  # background jobs (any feature may queue one)
    "protocol",  # the ISP and the confidentiality statement
    "meetings",
    "referrals",  # cases, referrals, case lists, restriction of processing
    "attendance",
    "action_items",
    "documents",  # HTML → tagged PDF and stamping; knows no feature above it
    "minutes",  # entries, risk summaries, approval, the minutes document and its PDF
    "research",  # agencies' research returns before the meeting (issue 14)
    "distribution",  # recipients, copies, the master cache
    "transfers",  # MARAC-to-MARAC transfers: referral, minutes extract, actions, the pack
    "safeguards",  # safe addresses: address alerts, actions needing it, notices, flags
    "privacy",  # subject requests, retention, erasure
    "reports",
    "coordination",  # co-ordinated cases: triage, their page and sign-off (uses research)
    "audit_review",
    "admin",
    "main",
)
RANK = {feature: index for index, feature in enumerate(LAYERS)}


def imported_features(source: str, module_feature: str) -> list[tuple[int, str]]:
    """(line, feature) for every import in ``source`` of another feature of marac_app."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "marac_app":
                names = [f"marac_app.{alias.name}" for alias in node.names]
            else:
                names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            is_feature = len(parts) > 1 and (ROOT / parts[1]).is_dir()
            if parts[0] == "marac_app" and is_feature and parts[1] != module_feature:
                found.append((node.lineno, parts[1]))
    return found


def violations(root: Path = ROOT) -> list[str]:
    problems = []
    for path in sorted(root.glob("*/**/*.py")):
        feature = path.relative_to(root).parts[0]
        if feature == "common":
            for line, target in imported_features(path.read_text(), feature):
                problems.append(f"{path.relative_to(root)}:{line} common imports {target}")
            continue
        if feature not in RANK:
            problems.append(f"{feature}: a new feature — place it in LAYERS")
            continue
        for line, target in imported_features(path.read_text(), feature):
            if target == "common":
                continue
            if target not in RANK:
                problems.append(f"{path.relative_to(root)}:{line} imports unplaced {target}")
            elif RANK[target] > RANK[feature]:
                problems.append(
                    f"{path.relative_to(root)}:{line} {feature} imports {target} (higher)"
                )
    return sorted(set(problems))


def test_features_import_only_features_below_them() -> None:
    assert violations() == []


def test_a_planted_upward_import_is_caught(tmp_path: Path) -> None:
    """The check can fail: referrals importing privacy (the knot this test keeps untied)."""
    for feature in ("referrals", "privacy", "common"):
        (tmp_path / feature).mkdir()
    (tmp_path / "referrals" / "services.py").write_text(
        "from marac_app.privacy.restriction import is_restricted\n"
        "def f():\n    from marac_app.minutes import models\n"
    )
    (tmp_path / "privacy" / "services.py").write_text("from marac_app.referrals import models\n")
    (tmp_path / "common" / "x.py").write_text("from marac_app.auth.models import User\n")
    assert violations(tmp_path) == [
        "common/x.py:1 common imports auth",
        "referrals/services.py:1 referrals imports privacy (higher)",
        "referrals/services.py:3 referrals imports minutes (higher)",
    ]


@pytest.mark.parametrize("feature", LAYERS)
def test_every_layer_exists(feature: str) -> None:
    assert (ROOT / feature).is_dir(), f"{feature} is in LAYERS but not in marac_app"
