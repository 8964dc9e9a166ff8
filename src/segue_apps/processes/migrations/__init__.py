"""Alembic migrations of the processes service."""
