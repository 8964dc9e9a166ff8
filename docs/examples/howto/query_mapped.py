"""QueryMapped: v1 shows parts unless `?fields=!parts`; v2 only with `?include=parts`."""

from segue import QueryMapped, Segue, Version
from segue_apps.demo.app import create_app, error_body

v1 = Version(
    "v1",
    ["/v1"],
    changes=[
        QueryMapped(
            "fields",
            "include",
            values={"!parts": None, "parts": "parts"},
            default="parts",
            routes=["GET /widgets/{id}"],
        ),
    ],
)
app = Segue(create_app(), [Version("v2", ["/api/v2"]), v1], error_body=error_body)

CALLS = [
    {
        "call": "POST /api/v2/widgets",
        "json": {"name": "Bolt", "grade": "high", "color": "red", "parts": ["head"]},
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
        "call": "GET /v1/widgets/w1",
        "status": 200,
        "answer": {
            "widget_id": "w1",
            "name": "Bolt",
            "grade": "high",
            "color": "red",
            "created_at": 1710000000000,
            "parts": [{"part_id": "w1p0", "label": "head"}],
        },
    },
    {
        "call": "GET /v1/widgets/w1?fields=!parts",
        "status": 200,
        "answer": {
            "widget_id": "w1",
            "name": "Bolt",
            "grade": "high",
            "color": "red",
            "created_at": 1710000000000,
            "parts": None,
        },
    },
]
