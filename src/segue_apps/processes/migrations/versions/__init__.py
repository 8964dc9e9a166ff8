"""Revisions of the processes schema."""
