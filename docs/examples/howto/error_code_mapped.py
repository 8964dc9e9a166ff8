"""Error codes mapped many-to-one: v1 had one client-error code, `BAD_REQUEST`, where v2
names each case (`VALIDATION_FAILED`, `NOT_FOUND`)."""

from segue import ErrorCodeMapped, Segue, Version
from segue_apps.demo.app import create_app, error_body

v1 = Version(
    "v1",
    ["/v1"],
    changes=[ErrorCodeMapped({"VALIDATION_FAILED": "BAD_REQUEST", "NOT_FOUND": "BAD_REQUEST"})],
)
app = Segue(create_app(), [Version("v2", ["/api/v2"]), v1], error_body=error_body)

CALLS = [
    {
        "call": "GET /api/v2/widgets/w9",
        "status": 404,
        "answer": {"error": "widget not found", "code": "NOT_FOUND"},
    },
    {
        "call": "GET /v1/widgets/w9",
        "status": 404,
        "answer": {"error": "widget not found", "code": "BAD_REQUEST"},
    },
    {
        "call": "POST /v1/widgets",
        "json": {"name": ""},
        "status": 400,
        "answer": {
            "error": "request is invalid",
            "code": "BAD_REQUEST",
            "details": {
                "issues": [
                    {"path": "name", "message": "String should have at least 1 character"},
                    {"path": "grade", "message": "Field required"},
                    {"path": "color", "message": "Field required"},
                ]
            },
            "handoff": {"kind": "docs", "url": "https://example.test/docs", "label": "Docs"},
        },
    },
]
