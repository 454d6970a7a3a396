"""Hypothesis posts random, unicode, control-character, over-long (10k+), missing and
wrongly-typed values to every POST form found by crawling every GET page of the two-area world
as each role: never a 500, always 2xx/3xx/4xx, and on a 4xx no row was added or removed.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security.conftest import Answer, FormSpec, Prober, SecurityWorld, crawl_forms, row_counts
from tests.security.test_gate_and_matrix import ALLOWED, Probers, probers  # noqa: F401

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
LONG = st.integers(10_001, 12_000).map(lambda n: "x" * n)
WRONG = st.sampled_from(
    [
        "abc",
        "-1",
        "0",
        "99999999999999999999",
        "2026-02-30",
        "1e9",
        "<b>",
        "' OR 1=1 --",
        "\x00",
        " ",
        "NaN",
        "１２",
    ]
)
VALUE = st.one_of(st.none(), TEXT, LONG, WRONG)


def _fields(spec: FormSpec) -> list[str]:
    return sorted(n for n in spec.fields if n != "csrf_token")


def test_random_values_to_every_form(
    app: Flask,
    sw: SecurityWorld,
    probers: Probers,
    db_transaction: sa.Connection,
) -> None:
    forms = crawl_forms(app, sw, probers, ALLOWED)
    assert len(forms) >= 25, sorted(forms)  # the crawl found the app's forms
    before = row_counts(db_transaction)
    problems: list[str] = []

    for action, (role, spec) in sorted(forms.items()):
        prober = probers[role]
        names = _fields(spec)

        def inspect(answer: Answer, action: str = action, role: str = role) -> None:
            if 400 <= answer.status < 500:
                after = row_counts(db_transaction)
                changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
                if changed:
                    problems.append(f"{action} as {role}: {answer.status} but rows {changed}")

        _attack(action, role, prober, names, inspect, problems)()
    assert not problems, "\n".join(sorted(set(problems))[:40])


def _attack(
    action: str, role: str, prober: Prober, names: list[str], inspect: Any, problems: list[str]
) -> Any:
    @settings(
        max_examples=15, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(st.fixed_dictionaries({n: VALUE for n in names}))
    def attack(values: dict[str, Any]) -> None:
        data = {k: v for k, v in values.items() if v is not None}
        answer = prober.request("POST", action, data, inspect=inspect)
        if not 200 <= answer.status < 500:
            shown = {k: (v if len(v) < 40 else f"{v[:20]!r}…({len(v)})") for k, v in data.items()}
            problems.append(f"{action} as {role}: {answer.status} {answer.body[:300]} with {shown}")

    return attack
