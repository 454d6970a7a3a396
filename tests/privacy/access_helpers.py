"""Helpers for the subject-request tests: attach a requester's record in a role, and review
every passage through the real review page."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask

from marac_app.extensions import db
from marac_app.privacy import subjects
from marac_app.privacy.models import SubjectRequest, SubjectRole

PASSAGE_RE = re.compile(r'name="passage" value="([^"]+)"')


def attach_role(
    app: Flask,
    request_id: int,
    role: SubjectRole,
    *,
    name: str | None = None,
    case_id: int | None = None,
) -> int:
    """Attach the record of ``name`` (default: the request's person) in ``role`` as the DPO
    would after the search; returns the case id."""
    with app.app_context():
        found = db.session.get(SubjectRequest, request_id)
        matches = [
            m
            for m in subjects.find_matches(name or found.person_name)
            if m.role == role and (case_id is None or m.case_id == case_id)
        ]
        assert matches, f"no {role} match"
        subjects.attach_all(found, [matches[0].value], actor=found.handled_by)
        db.session.commit()
        return matches[0].case_id


def review_path(request_id: int, case_id: int) -> str:
    return f"/privacy/requests/{request_id}/cases/{case_id}/review"


def passage_keys(auth: Any, request_id: int, case_id: int) -> list[str]:
    page = auth.client.get(review_path(request_id, case_id))
    assert page.status_code == 200, page.status_code
    return PASSAGE_RE.findall(page.get_data(as_text=True))


def decide(auth: Any, request_id: int, case_id: int, key: str, decision: str, **extra: str) -> Any:
    path = review_path(request_id, case_id)
    return auth.post(path, {"passage": key, "decision": decision, **extra})


def disclose_all(auth: Any, request_id: int, case_id: int) -> list[str]:
    keys = passage_keys(auth, request_id, case_id)
    for key in keys:
        response = decide(auth, request_id, case_id, key, "disclose")
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return keys
