"""Breaking changes between two OpenAPI documents, and the `segue diff`/`openapi` commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from segue import SegueError
from segue.tooling._diff import DocumentError, Finding, Kind, Report, diff
from segue.tooling.cli import app

Schema = dict[str, Any]


def obj(required: tuple[str, ...] = (), **properties: Schema) -> Schema:
    return {"type": "object", "properties": properties, "required": list(required)}


STR: Schema = {"type": "string"}
INT: Schema = {"type": "integer"}


def operation(
    response: Schema | None = None,
    request: Schema | None = None,
    parameters: list[Schema] | None = None,
    status: str = "200",
) -> Schema:
    op: Schema = {"responses": {status: {"description": "ok"}}}
    if response is not None:
        op["responses"][status]["content"] = {"application/json": {"schema": response}}
    if request is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": request}}}
    if parameters is not None:
        op["parameters"] = parameters
    return op


def document(paths: dict[str, dict[str, Schema]], **components: Schema) -> Schema:
    doc: Schema = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": paths}
    if components:
        doc["components"] = {"schemas": components}
    return doc


def one(path: str, method: str, op: Schema) -> Schema:
    return document({path: {method: op}})


def query(name: str, required: bool = False, schema: Schema = STR) -> Schema:
    return {"name": name, "in": "query", "required": required, "schema": schema}


def kinds(findings: tuple[Finding, ...]) -> list[tuple[Kind, str]]:
    return [(f.kind, f.location) for f in findings]


def test_identical_documents_have_no_findings() -> None:
    """A document compared with itself reports nothing."""
    doc = one("/items", "get", operation(obj(("id",), id=STR)))
    assert diff(doc, doc) == Report()


def test_removed_route_is_breaking() -> None:
    """A method and path the old document had and the new lacks is a removed route."""
    old = document({"/items": {"get": operation(), "post": operation()}})
    new = document({"/items": {"get": operation()}})
    assert diff(old, new).breaking == (
        Finding(Kind.ROUTE_REMOVED, "POST /items", "", "the route is gone"),
    )


def test_renamed_path_parameter_is_not_a_change() -> None:
    """Path templates compare by shape, so renaming a path parameter changes nothing."""
    param = {"in": "path", "required": True, "schema": STR}
    old = one("/items/{id}", "get", operation(parameters=[{**param, "name": "id"}]))
    new = one("/items/{item_id}", "get", operation(parameters=[{**param, "name": "item_id"}]))
    assert diff(old, new) == Report()


def test_removed_response_field_in_array_is_located() -> None:
    """A field dropped from objects inside an array is named by its path through the array."""
    old = one("/items", "get", operation(obj(data={"type": "array", "items": obj(id=STR)})))
    new = one("/items", "get", operation(obj(data={"type": "array", "items": obj()})))
    assert kinds(diff(old, new).breaking) == [
        (Kind.RESPONSE_FIELD_REMOVED, "response 200 body.data[].id")
    ]


def test_renamed_response_field_is_removed_and_added() -> None:
    """A rename reports the old name as removed (breaking) and the new one as an addition."""
    old = one("/items", "get", operation(obj(id=STR)))
    new = one("/items", "get", operation(obj(item_id=STR)))
    report = diff(old, new)
    assert kinds(report.breaking) == [(Kind.RESPONSE_FIELD_REMOVED, "response 200 body.id")]
    assert kinds(report.additions) == [(Kind.RESPONSE_FIELD_ADDED, "response 200 body.item_id")]


def test_response_field_removed_behind_ref_is_found() -> None:
    """Local ``$ref``s are resolved before comparing."""
    ref = {"$ref": "#/components/schemas/Item"}
    old = document({"/items": {"get": operation(ref)}}, Item=obj(id=STR, name=STR))
    new = document({"/items": {"get": operation(ref)}}, Item=obj(id=STR))
    assert kinds(diff(old, new).breaking) == [
        (Kind.RESPONSE_FIELD_REMOVED, "response 200 body.name")
    ]


def test_response_field_no_longer_required_is_breaking() -> None:
    """A response field that was always present and may now be absent is reported."""
    old = one("/items", "get", operation(obj(("id",), id=STR)))
    new = one("/items", "get", operation(obj(id=STR)))
    (finding,) = diff(old, new).breaking
    assert (finding.kind, finding.detail) == (Kind.RESPONSE_FIELD_REMOVED, "'id' may now be absent")


def test_new_required_request_field_is_breaking() -> None:
    """A request body property that is new and required rejects old clients' requests."""
    old = one("/items", "post", operation(request=obj(("name",), name=STR)))
    new = one("/items", "post", operation(request=obj(("name", "size"), name=STR, size=INT)))
    assert kinds(diff(old, new).breaking) == [(Kind.REQUEST_FIELD_REQUIRED, "request body.size")]


def test_request_field_becoming_required_is_breaking() -> None:
    """An existing optional request property that turns required is reported."""
    old = one("/items", "post", operation(request=obj(name=STR)))
    new = one("/items", "post", operation(request=obj(("name",), name=STR)))
    assert kinds(diff(old, new).breaking) == [(Kind.REQUEST_FIELD_REQUIRED, "request body.name")]


def test_new_optional_request_field_is_an_addition() -> None:
    """A new optional request property is listed only as an addition."""
    old = one("/items", "post", operation(request=obj(name=STR)))
    new = one("/items", "post", operation(request=obj(name=STR, note=STR)))
    report = diff(old, new)
    assert report.breaking == ()
    assert kinds(report.additions) == [(Kind.REQUEST_FIELD_ADDED, "request body.note")]


def test_new_required_parameter_is_breaking() -> None:
    """A new required query parameter is breaking."""
    old = one("/items", "get", operation(parameters=[]))
    new = one("/items", "get", operation(parameters=[query("sort", required=True)]))
    assert kinds(diff(old, new).breaking) == [(Kind.PARAMETER_REQUIRED, "query parameter sort")]


def test_removed_query_parameter_is_breaking() -> None:
    """A query parameter the new document no longer lists is removed."""
    old = one("/items", "get", operation(parameters=[query("limit")]))
    new = one("/items", "get", operation(parameters=[]))
    assert kinds(diff(old, new).breaking) == [(Kind.PARAMETER_REMOVED, "query parameter limit")]


def test_narrowed_request_enum_says_request() -> None:
    """A value removed from a request enum is reported as no longer accepted."""
    old = one(
        "/items", "post", operation(request=obj(grade={"type": "string", "enum": ["a", "b"]}))
    )
    new = one("/items", "post", operation(request=obj(grade={"type": "string", "enum": ["a"]})))
    (finding,) = diff(old, new).breaking
    assert (finding.kind, finding.location) == (Kind.ENUM_NARROWED, "request body.grade")
    assert finding.detail == "request no longer accepts ['b']"


def test_narrowed_response_enum_says_response() -> None:
    """A value removed from a response enum is reported as no longer returned."""
    old = one("/items", "get", operation(obj(grade={"enum": ["a", "b"]})))
    new = one("/items", "get", operation(obj(grade={"enum": ["b"]})))
    (finding,) = diff(old, new).breaking
    assert (finding.kind, finding.location) == (Kind.ENUM_NARROWED, "response 200 body.grade")
    assert finding.detail == "response no longer returns ['a']"


def test_narrowed_query_enum_is_breaking() -> None:
    """Enums in parameter schemas are compared as request values."""
    old = one("/items", "get", operation(parameters=[query("o", schema={"enum": ["asc", "desc"]})]))
    new = one("/items", "get", operation(parameters=[query("o", schema={"enum": ["asc"]})]))
    assert kinds(diff(old, new).breaking) == [(Kind.ENUM_NARROWED, "query parameter o")]


def test_changed_type_is_breaking() -> None:
    """A response field whose ``type`` differs is a changed type."""
    old = one("/items", "get", operation(obj(count=INT)))
    new = one("/items", "get", operation(obj(count=STR)))
    (finding,) = diff(old, new).breaking
    assert (finding.kind, finding.detail) == (Kind.TYPE_CHANGED, "type was integer, now string")


def test_nullable_to_non_nullable_response_is_a_type_change() -> None:
    """Dropping the null branch of an ``anyOf`` in a response changes its type."""
    old = one("/items", "get", operation(obj(note={"anyOf": [STR, {"type": "null"}]})))
    new = one("/items", "get", operation(obj(note=STR)))
    (finding,) = diff(old, new).breaking
    assert (finding.kind, finding.location) == (Kind.TYPE_CHANGED, "response 200 body.note")
    assert finding.detail == "type was string|null, now string"


def test_request_accepting_null_is_an_addition() -> None:
    """A request field that now also accepts null widens, which breaks nobody."""
    old = one("/items", "post", operation(request=obj(note=STR)))
    new = one("/items", "post", operation(request=obj(note={"type": ["string", "null"]})))
    report = diff(old, new)
    assert report.breaking == ()
    assert kinds(report.additions) == [(Kind.TYPE_WIDENED, "request body.note")]


def test_removed_success_status_is_breaking() -> None:
    """A 2xx status the route no longer answers with is reported with what replaced it."""
    old = one("/items", "post", operation(status="200"))
    new = one("/items", "post", operation(status="201"))
    (finding,) = diff(old, new).breaking
    assert (finding.kind, finding.location) == (Kind.STATUS_REMOVED, "response 200")
    assert finding.detail == "200 is no longer returned (now 201)"


def test_field_kept_in_another_union_branch_is_not_removed() -> None:
    """``anyOf`` branches are read as one union, so a field moving between branches stays."""
    old = one("/items", "get", operation({"anyOf": [obj(id=STR, a=INT), obj(b=INT)]}))
    new = one("/items", "get", operation({"oneOf": [obj(a=INT), obj(b=INT, id=STR)]}))
    assert diff(old, new).breaking == ()


def test_fields_of_all_of_parts_are_merged() -> None:
    """``allOf`` parts are read together, so a field moving between parts stays."""
    old = one("/items", "get", operation({"allOf": [obj(id=STR), obj(name=STR)]}))
    new = one("/items", "get", operation({"allOf": [obj(id=STR, name=STR)]}))
    assert diff(old, new) == Report()


def test_non_openapi_input_raises_document_error() -> None:
    """A dict without an ``openapi: 3.x`` field is refused, as one of segue's own errors."""
    with pytest.raises(DocumentError, match=r"old: not an OpenAPI 3\.x document") as raised:
        diff({"swagger": "2.0", "paths": {}}, document({}))
    assert isinstance(raised.value, SegueError)


def test_finding_as_dict_names_kind_route_location_detail() -> None:
    """A finding serialises to the four documented keys."""
    old = one("/items", "get", operation(obj(id=STR)))
    new = one("/items", "get", operation(obj()))
    assert diff(old, new).as_dict()["breaking"] == [
        {
            "kind": "response-field-removed",
            "route": "GET /items",
            "location": "response 200 body.id",
            "detail": "'id' is no longer returned",
        }
    ]


runner = CliRunner()


def write(tmp_path: Path, name: str, doc: Any) -> str:
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return str(path)


def test_cli_diff_exits_0_without_breaking_changes(tmp_path: Path) -> None:
    """`segue diff` exits 0 when nothing breaks."""
    doc = write(tmp_path, "a.json", one("/items", "get", operation(obj(id=STR))))
    result = runner.invoke(app, ["diff", doc, doc])
    assert result.exit_code == 0
    assert "no breaking changes" in result.stdout


def test_cli_diff_exits_1_and_lists_breaking_changes(tmp_path: Path) -> None:
    """`segue diff` prints each breaking change and exits 1."""
    old = write(tmp_path, "old.json", one("/items", "get", operation(obj(id=STR))))
    new = write(tmp_path, "new.json", one("/items", "get", operation(obj())))
    result = runner.invoke(app, ["diff", old, new])
    assert result.exit_code == 1
    assert "response-field-removed: GET /items response 200 body.id" in result.stdout


def test_cli_diff_json_format_prints_the_report(tmp_path: Path) -> None:
    """`--format json` prints the report as one JSON object."""
    old = write(tmp_path, "old.json", document({"/items": {"get": operation()}}))
    new = write(tmp_path, "new.json", document({}))
    result = runner.invoke(app, ["diff", old, new, "--format", "json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["breaking"][0]["kind"] == "route-removed"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "No such file"),
        ("{", "not JSON"),
        ({"paths": {}}, "not an OpenAPI 3.x document"),
    ],
    ids=["missing", "not-json", "not-openapi"],
)
def test_cli_diff_exits_2_on_unreadable_input(tmp_path: Path, content: Any, message: str) -> None:
    """A missing, non-JSON or non-OpenAPI input exits 2 with a message."""
    good = write(tmp_path, "good.json", document({}))
    bad = str(tmp_path / "bad.json") if content is None else write(tmp_path, "bad.json", content)
    result = runner.invoke(app, ["diff", bad, good])
    assert result.exit_code == 2
    assert message in result.stderr


def test_cli_openapi_prints_a_version_document() -> None:
    """`segue openapi demo v1` prints v1's derived document without a server."""
    result = runner.invoke(app, ["openapi", "demo", "v1"])
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["info"]["version"] == "v1"
    assert "/v1/widgets/{id}" in doc["paths"]


def test_cli_openapi_exits_2_on_unknown_version() -> None:
    """A version the service does not have exits 2 naming the ones it has."""
    result = runner.invoke(app, ["openapi", "demo", "v9"])
    assert result.exit_code == 2
    assert "known: v2, v1" in result.stderr
