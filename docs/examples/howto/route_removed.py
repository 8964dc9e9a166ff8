"""RouteRemoved: v1's GET /widgets/{id}/summary is retired; it answers 410 naming its
replacement."""

from segue import RouteRemoved, Segue, Version
from segue_apps.demo.app import create_app, error_body

v1 = Version(
    "v1",
    ["/v1"],
    changes=[
        RouteRemoved("GET /widgets/{id}/summary", replacement="GET /api/v2/widgets/{widget_id}"),
    ],
)
app = Segue(create_app(), [Version("v2", ["/api/v2"]), v1], error_body=error_body)

CALLS = [
    {
        "call": "GET /v1/widgets/w1/summary",
        "status": 410,
        "answer": {
            "error": "GET /widgets/{id}/summary was removed from v1: "
            "use GET /api/v2/widgets/{widget_id}",
            "code": "GONE",
            "details": {"replacement": "GET /api/v2/widgets/{widget_id}"},
        },
    },
]
