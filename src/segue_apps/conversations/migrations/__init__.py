"""Alembic migrations of the conversations service (applied on start-up)."""
