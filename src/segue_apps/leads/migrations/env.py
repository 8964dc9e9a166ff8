"""Alembic environment: runs on the connection handed over by `segue_apps.common.migrate`."""

from segue_apps.common.migrate import run_env

run_env()
