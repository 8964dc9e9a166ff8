"""PaginationReshaped: v1 search answers a top-level `next_cursor`; v2 a `pagination` block."""

from segue import PaginationReshaped, Segue, Version
from segue_apps.demo.app import create_app, error_body

v1 = Version(
    "v1",
    ["/v1"],
    changes=[
        PaginationReshaped(
            old={"next_cursor": "next_cursor"},
            new={"next_cursor": "pagination.next_cursor", "limit": "pagination.limit"},
            routes=["GET /widgets/search"],
        ),
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
        "call": "GET /api/v2/widgets/search?q=bolt",
        "status": 200,
        "answer": {
            "data": [{"widget_id": "w1", "name": "Bolt", "snippet": "Bolt"}],
            "pagination": {"limit": 20, "next_cursor": None},
        },
    },
    {
        "call": "GET /v1/widgets/search?q=bolt",
        "status": 200,
        "answer": {
            "data": [{"widget_id": "w1", "name": "Bolt", "snippet": "Bolt"}],
            "next_cursor": None,
        },
    },
]
