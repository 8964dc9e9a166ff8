"""Alembic migrations of the leads schema."""
