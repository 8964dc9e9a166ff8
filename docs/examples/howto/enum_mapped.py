"""EnumMapped: v1 grades are full/maybe/none, v2's high/medium/low — requests and answers."""

from segue import EnumMapped, Segue, Version
from segue_apps.demo.app import create_app, error_body

GRADES = {"full": "high", "maybe": "medium", "none": "low"}
v1 = Version(
    "v1",
    ["/v1"],
    changes=[
        EnumMapped("grade", GRADES, routes=["POST /widgets", "GET /widgets/{id}"]),
        EnumMapped("data[].grade", GRADES, routes=["GET /widgets"]),
    ],
)
app = Segue(create_app(), [Version("v2", ["/api/v2"]), v1], error_body=error_body)

CALLS = [
    {
        "call": "POST /v1/widgets",
        "json": {"name": "Bolt", "grade": "maybe", "color": "red"},
        "status": 201,
        "answer": {
            "widget_id": "w1",
            "name": "Bolt",
            "grade": "maybe",
            "color": "red",
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
            "grade": "medium",
            "color": "red",
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
                    "grade": "maybe",
                    "color": "red",
                    "created_at": 1710000000000,
                    "parts": None,
                }
            ],
            "pagination": {"limit": 20, "next_cursor": None, "total": 1},
        },
    },
]
