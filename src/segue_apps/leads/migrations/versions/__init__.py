"""Revisions of the leads schema."""
