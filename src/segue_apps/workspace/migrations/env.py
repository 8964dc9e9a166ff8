"""Alembic environment: runs on the connection handed over by `segue_apps.common.migrate`."""

from __future__ import annotations

from alembic import context

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reachable from the alembic CLI
    raise RuntimeError("run migrations through segue_apps.common.migrate.upgrade()")

context.configure(
    connection=connection,
    target_metadata=None,
    version_table=config.attributes.get("version_table", "alembic_version"),
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
