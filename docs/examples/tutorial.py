"""The tutorial's service: the demo widgets app (v2) wrapped in segue, with a v1."""

from datetime import UTC, datetime

from segue import EnumMapped, FieldRenamed, Lifecycle, QueryMapped, RouteMoved, Segue, Version
from segue_apps.demo.app import create_app, error_body

ONE_WIDGET = ["GET /widgets/{id}", "PUT /widgets/{id}"]
GRADES = {"full": "high", "maybe": "medium", "none": "low"}

v1 = Version(
    "v1",
    ["/v1"],
    changes=[
        # v1 updates with PUT; v2 with PATCH (and calls the path parameter widget_id).
        RouteMoved("PUT /widgets/{id}", "PATCH /widgets/{widget_id}"),
        # v1 calls a widget's id `id`, v2 `widget_id`: at the top and in list items.
        FieldRenamed("id", "widget_id", routes=ONE_WIDGET),
        FieldRenamed("data[].id", "widget_id", routes=["GET /widgets"]),
        # v1 grades are full/maybe/none, v2 grades high/medium/low, both ways.
        EnumMapped("grade", GRADES, routes=ONE_WIDGET),
        EnumMapped("data[].grade", GRADES, routes=["GET /widgets"]),
        # v1 shows parts unless ?fields=!parts; v2 only with ?include=parts.
        QueryMapped(
            "fields",
            "include",
            values={"!parts": None},
            default="parts",
            routes=["GET /widgets/{id}"],
        ),
    ],
    lifecycle=Lifecycle(
        deprecated_at=datetime(2026, 1, 1, tzinfo=UTC),
        sunset_at=datetime(2031, 12, 31, 23, 59, 59, tzinfo=UTC),
        migration_url="https://example.test/migrate",
    ),
)

app = Segue(create_app(), [Version("v2", ["/api/v2"]), v1], error_body=error_body)
