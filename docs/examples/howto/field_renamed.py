"""FieldRenamed: v1 calls a widget's id `id`, v2 `widget_id` — in bodies and list items."""

from segue import FieldRenamed, Segue, Version
from segue_apps.demo.app import create_app, error_body

v1 = Version(
    "v1",
    ["/v1"],
    changes=[
        FieldRenamed("id", "widget_id", routes=["GET /widgets/{id}"]),
        FieldRenamed("data[].id", "widget_id", routes=["GET /widgets"]),
    ],
)
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
        "call": "GET /v1/widgets/w1",
        "status": 200,
        "answer": {
            "name": "Bolt",
            "grade": "high",
            "color": "red",
            "created_at": 1710000000000,
            "parts": None,
            "id": "w1",
        },
    },
    {
        "call": "GET /v1/widgets",
        "status": 200,
        "answer": {
            "data": [
                {
                    "name": "Bolt",
                    "grade": "high",
                    "color": "red",
                    "created_at": 1710000000000,
                    "parts": None,
                    "id": "w1",
                }
            ],
            "pagination": {"limit": 20, "next_cursor": None, "total": 1},
        },
    },
]
