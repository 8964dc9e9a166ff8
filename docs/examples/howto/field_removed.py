"""FieldRemoved: v1 widgets had a `legacy_code`, which v2 dropped; v1 answers still carry one."""

from segue import FieldRemoved, Segue, Version
from segue_apps.demo.app import create_app, error_body

v1 = Version(
    "v1",
    ["/v1"],
    changes=[
        FieldRemoved(
            "legacy_code",
            compute=lambda widget: f"L-{widget['widget_id']}",
            schema={"type": "string"},
            routes=["GET /widgets/{id}"],
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
        "call": "GET /v1/widgets/w1",
        "status": 200,
        "answer": {
            "widget_id": "w1",
            "name": "Bolt",
            "grade": "high",
            "color": "red",
            "created_at": 1710000000000,
            "parts": None,
            "legacy_code": "L-w1",
        },
    },
]
