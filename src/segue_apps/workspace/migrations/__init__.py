"""Alembic migrations of the workspace service (applied on start-up)."""
