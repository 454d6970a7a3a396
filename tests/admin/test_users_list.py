"""The admin's list of users: one page at a time (db.paginate), any page number safe."""

from __future__ import annotations

import pytest

from marac_app.admin.views import USERS_PER_PAGE
from marac_app.auth.models import Role


@pytest.fixture()
def crowded(make_user, monkeypatch):
    """An admin and enough people for two pages (the page size made small)."""
    monkeypatch.setattr("marac_app.admin.views.USERS_PER_PAGE", 2)
    admin = make_user(Role.ADMIN, name="Aaron Admin")
    for n in range(3):
        make_user(Role.CHAIR, name=f"Zed Chair {n}")
    return admin


def test_the_page_size_is_fifty() -> None:
    assert USERS_PER_PAGE == 50


def test_pages_of_users(crowded, auth, client) -> None:
    auth.sign_in_as(crowded)
    first = client.get("/admin/users").get_data(as_text=True)
    assert "Zed Chair 0" in first and "Zed Chair 2" not in first and "page=2" in first
    second = client.get("/admin/users?page=2").get_data(as_text=True)
    assert "Zed Chair 0" not in second and "Zed Chair 2" in second


@pytest.mark.parametrize("page", ["abc", "-3", "0", "99999999999999999999", "2.5", ""])
def test_any_page_number_answers(crowded, auth, client, page) -> None:
    auth.sign_in_as(crowded)
    response = client.get(f"/admin/users?page={page}")
    assert response.status_code == 200


def test_a_page_beyond_the_end_shows_the_last(crowded, auth, client) -> None:
    auth.sign_in_as(crowded)
    text = client.get("/admin/users?page=40").get_data(as_text=True)
    assert "Zed Chair 2" in text and "No users match" not in text
