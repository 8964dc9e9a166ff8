"""RouteAbsent: v2 added GET /stats; v1 never had it, so it answers 404 there."""

from segue import RouteAbsent, Segue, Version
from segue_apps.demo.app import create_app, error_body

v1 = Version("v1", ["/v1"], changes=[RouteAbsent("GET /stats")])
app = Segue(create_app(), [Version("v2", ["/api/v2"]), v1], error_body=error_body)

CALLS = [
    {"call": "GET /api/v2/stats", "status": 200, "answer": {"widgets": 0, "by_grade": {}}},
    {
        "call": "GET /v1/stats",
        "status": 404,
        "answer": {"error": "no route GET /stats in v1", "code": "NOT_FOUND"},
    },
]
