"""RouteMoved: v1 updates a widget with PUT, v2 with PATCH (and names the parameter widget_id)."""

from segue import RouteMoved, Segue, Version
from segue_apps.demo.app import create_app, error_body

v1 = Version("v1", ["/v1"], changes=[RouteMoved("PUT /widgets/{id}", "PATCH /widgets/{widget_id}")])
app = Segue(create_app(), [Version("v2", ["/api/v2"]), v1], error_body=error_body)

CALLS = [
    {
        "call": "POST /api/v2/widgets",
        "json": {"name": "Bolt", "grade": "high", "color": "red"},
        "status": 201,
        "answer": {
            "widget_id": "w1",
            "name": "Bolt",
            "grade": "high",
            "color": "red",
            "created_at": 1710000000000,
            "parts": None,
        },
    },
    {
        "call": "PUT /v1/widgets/w1",
        "json": {"name": "Nut"},
        "status": 200,
        "answer": {
            "widget_id": "w1",
            "name": "Nut",
            "grade": "high",
            "color": "red",
            "created_at": 1710000000000,
            "parts": None,
        },
    },
    {
        "call": "PATCH /v1/widgets/w1",
        "json": {"name": "Nut"},
        "status": 405,
        "answer": {"error": "PATCH is not allowed", "code": "METHOD_NOT_ALLOWED"},
    },
]
