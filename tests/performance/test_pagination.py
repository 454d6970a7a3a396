"""Lists that can grow with the years are paged."""

from __future__ import annotations

import re

from marac_app.auth.models import Role


def test_admin_user_list_is_paged(auth, client, make_user) -> None:
    for n in range(53):
        make_user(Role.AGENCY_REP, name=f"Pagey Person {n:02d}")
    auth.sign_in_as(make_user(Role.ADMIN))
    first = client.get("/admin/users?q=pagey+person").get_data(as_text=True)
    assert "53 users (page 1 of 2)" in first
    assert len(re.findall(r">Pagey Person \d\d<", first)) == 50
    assert "Pagey Person 00<" in first and "Pagey Person 50<" not in first
    second = client.get("/admin/users?q=pagey+person&page=2").get_data(as_text=True)
    assert "53 users (page 2 of 2)" in second
    assert re.findall(r">(Pagey Person \d\d)<", second) == [
        "Pagey Person 50",
        "Pagey Person 51",
        "Pagey Person 52",
    ]
