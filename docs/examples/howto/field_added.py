"""FieldAdded: v2 requires `color`, which v1 clients never send; v1 answers never show it."""

from segue import FieldAdded, Segue, Version
from segue_apps.demo.app import create_app, error_body

v1 = Version(
    "v1",
    ["/v1"],
    changes=[
        FieldAdded("color", default="grey", routes=["POST /widgets"], on="both"),
        FieldAdded("pagination.total", routes=["GET /widgets"]),
    ],
)
app = Segue(create_app(), [Version("v2", ["/api/v2"]), v1], error_body=error_body)

CALLS = [
    {
        "call": "POST /v1/widgets",
        "json": {"name": "Bolt", "grade": "high"},
        "status": 201,
        "answer": {
            "widget_id": "w1",
            "name": "Bolt",
            "grade": "high",
            "created_at": 1710000000000,
            "parts": None,
        },
    },
    {
        "call": "GET /api/v2/widgets/w1",
        "status": 200,
        "answer": {
            "widget_id": "w1",
            "name": "Bolt",
            "grade": "high",
            "color": "grey",
            "created_at": 1710000000000,
            "parts": None,
        },
    },
    {
        "call": "GET /v1/widgets",
        "status": 200,
        "answer": {
            "data": [
                {
                    "widget_id": "w1",
                    "name": "Bolt",
                    "grade": "high",
                    "color": "grey",
                    "created_at": 1710000000000,
                    "parts": None,
                }
            ],
            "pagination": {"limit": 20, "next_cursor": None},
        },
    },
]
