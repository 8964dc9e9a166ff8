"""A small widget API with a v1 and a v2 that together use every segue change kind.

It exists to exercise the framework (tests and the overhead benchmark); its store is an
in-memory dict.
"""

from segue_apps.demo.app import create_app
from segue_apps.demo.versions import build

__all__ = ["build", "create_app"]
