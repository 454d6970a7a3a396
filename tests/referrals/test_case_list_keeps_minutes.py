"""A discussed case cannot leave its case list: the database refuses (ON DELETE RESTRICT on
the minutes' key to the agenda item), not a check in referrals that a new table could miss."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marac_app.action_items.models import ActionItem
from marac_app.extensions import db
from marac_app.minutes.models import MinuteEntry
from marac_app.referrals.models import AgendaItem
from tests.distribution.world import DW, dw  # noqa: F401 - a meeting with minutes and actions


def _item(app, dw: DW) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(AgendaItem.id).where(
                AgendaItem.meeting_id == dw.meeting.id, AgendaItem.case_id == dw.case.id
            )
        )


def _counts(app, item_id: int) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(
            db.session.scalar(sa.select(sa.func.count()).select_from(model).where(column))
            for model, column in (
                (AgendaItem, AgendaItem.id == item_id),
                (MinuteEntry, MinuteEntry.agenda_item_id == item_id),
                (ActionItem, ActionItem.agenda_item_id == item_id),
            )
        )


def test_removing_a_discussed_case_is_refused_and_keeps_its_minutes(app, auth, dw: DW) -> None:
    item_id = _item(app, dw)
    before = _counts(app, item_id)
    assert before[0] == 1 and before[1] > 0
    auth.sign_in_as(dw.coordinator)
    response = auth.post(
        f"/cases/case-list/items/{item_id}/remove",
        {},
        form_path=f"/cases/meetings/{dw.meeting.id}/case-list",
    )
    assert response.status_code == 302
    page = auth.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "cannot be taken off the case list" in page
    assert _counts(app, item_id) == before


def test_the_database_itself_refuses_deleting_an_agenda_item_with_minutes(
    app, dw: DW, db_transaction
) -> None:
    item_id = _item(app, dw)
    savepoint = db_transaction.begin_nested()
    with pytest.raises(sa.exc.IntegrityError):
        db_transaction.execute(sa.text("DELETE FROM agenda_item WHERE id = :id"), {"id": item_id})
    savepoint.rollback()
