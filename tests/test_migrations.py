"""The migrations are the schema: ``upgrade head`` on an empty database (done once per run by
the ``app`` fixture) leaves nothing for autogenerate to add, on SQLite and on PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask

from marac_app.extensions import db


def test_upgrade_head_matches_the_models(app: Flask, db_transaction) -> None:
    context = MigrationContext.configure(
        db_transaction, opts={"compare_type": True, "render_as_batch": True}
    )
    diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations differ; write a migration for: {diff}"


def test_migrations_downgrade_to_base_and_upgrade_again(tmp_path) -> None:
    """Every revision is reversible: head → base → head on a fresh SQLite database."""
    import sqlalchemy as sa
    from flask_migrate import downgrade, upgrade

    from marac_app import create_app

    url = f"sqlite:///{tmp_path / 'roundtrip.sqlite3'}"
    fresh = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with fresh.app_context():
        upgrade()
        downgrade(revision="base")
        tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set(), f"downgrade left tables behind: {tables}"
        upgrade()
        assert "audit_event" in sa.inspect(db.engine).get_table_names()
        db.engine.dispose()
