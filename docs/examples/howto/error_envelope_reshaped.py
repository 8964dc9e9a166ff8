"""ErrorEnvelopeReshaped: v1 errors are `{error, code, path?}`, v2's
`{error, code, details?, handoff?}`."""

from segue import ErrorEnvelopeReshaped, Segue, Version
from segue_apps.demo.app import create_app, error_body

v1 = Version(
    "v1",
    ["/v1"],
    changes=[
        ErrorEnvelopeReshaped(
            old={"message": "error", "code": "code", "path": "path"},
            new={
                "message": "error",
                "code": "code",
                "path": "details.issues[0].path",
                "details": "details",
                "handoff": "handoff",
            },
        ),
    ],
)
app = Segue(create_app(), [Version("v2", ["/api/v2"]), v1], error_body=error_body)

CALLS = [
    {
        "call": "POST /api/v2/widgets",
        "json": {"grade": "high"},
        "status": 400,
        "answer": {
            "error": "request is invalid",
            "code": "VALIDATION_FAILED",
            "details": {
                "issues": [
                    {"path": "name", "message": "Field required"},
                    {"path": "color", "message": "Field required"},
                ]
            },
            "handoff": {"kind": "docs", "url": "https://example.test/docs", "label": "Docs"},
        },
    },
    {
        "call": "POST /v1/widgets",
        "json": {"grade": "high"},
        "status": 400,
        "answer": {"error": "request is invalid", "code": "VALIDATION_FAILED", "path": "name"},
    },
    {
        "call": "GET /v1/widgets/w9",
        "status": 404,
        "answer": {"error": "widget not found", "code": "NOT_FOUND"},
    },
]
