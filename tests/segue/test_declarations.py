"""Declarations are checked at start-up; bad ones fail naming themselves."""

from __future__ import annotations

import pytest

from segue import (
    ConflictError,
    DeclarationError,
    FieldAdded,
    FieldRenamed,
    RouteAbsent,
    RouteMoved,
    Segue,
    Version,
)
from segue.changes import Change
from segue_apps.demo.app import create_app


def build(*changes: Change) -> Segue:
    return Segue(create_app(), [Version("v2", ["/api/v2"]), Version("v1", ["/v1"], changes)])


def test_unknown_route_in_scope_fails_naming_declaration() -> None:
    """A field change scoped to a route nobody has is refused."""
    with pytest.raises(DeclarationError, match=r"FieldRenamed\(`id`.*GET /gadgets"):
        build(FieldRenamed("id", "widget_id", routes=["GET /gadgets"]))


def test_route_moved_to_unknown_route_fails() -> None:
    """A move to a route the newer version lacks is refused."""
    with pytest.raises(DeclarationError, match=r"PATCH /gadgets/\{id\}"):
        build(RouteMoved("PUT /gadgets/{id}", "PATCH /gadgets/{id}"))


def test_contradicting_renames_conflict() -> None:
    """Two declarations about one field of one route contradict each other."""
    with pytest.raises(ConflictError, match="both change `id`"):
        build(
            FieldRenamed("id", "widget_id", routes=["GET /widgets/{id}"]),
            FieldAdded("id", routes=["GET /widgets/{id}"]),
        )


def test_moved_route_colliding_with_existing_conflicts() -> None:
    """A move onto a route the old version already serves is refused."""
    with pytest.raises(ConflictError, match="two declarations give GET /widgets"):
        build(RouteMoved("GET /widgets", "GET /stats"))


def test_absent_and_moved_conflict() -> None:
    """A route cannot be both absent and moved."""
    with pytest.raises(ConflictError, match="RouteAbsent"):
        build(
            RouteMoved("PUT /widgets/{id}", "PATCH /widgets/{widget_id}"),
            RouteAbsent("PATCH /widgets/{widget_id}"),
        )


def test_moved_route_with_unpaired_parameter_fails() -> None:
    """A newer path parameter with no old counterpart cannot be filled."""
    with pytest.raises(DeclarationError, match="no old counterpart"):
        RouteMoved("GET /widgets", "GET /widgets/{widget_id}")


def test_newest_version_cannot_declare_changes() -> None:
    """The newest version is the app itself."""
    with pytest.raises(DeclarationError, match="newest"):
        Segue(create_app(), [Version("v2", ["/api/v2"], [FieldAdded("x")])])


def test_prefix_claimed_twice_conflicts() -> None:
    """Two versions cannot own one prefix."""
    with pytest.raises(ConflictError, match="/api/v2"):
        Segue(create_app(), [Version("v2", ["/api/v2"]), Version("v1", ["/api/v2"])])


def test_malformed_route_text_fails() -> None:
    """Route text must read `METHOD /path`."""
    with pytest.raises(DeclarationError, match="malformed route"):
        FieldRenamed("id", "x", routes=["/widgets"])
