"""Each version's OpenAPI document: the newest from the app, older ones derived.

An older version's document is the next newer one's with that version's declarations
applied to it — paths and methods moved, parameters renamed, fields renamed, added or
removed, enums re-spelled, envelopes reshaped — and adapters supplying their own schemas.
Schemas are dereferenced per operation first, so a change scoped to some routes never
leaks into a schema another route shares.
"""

from __future__ import annotations

import copy
from typing import Any

from segue._lifecycle import Lifecycle
from segue._plan import RoutePlan, VersionPlan
from segue._routes import RouteKey
from segue._version import Version

Doc = dict[str, Any]
_METHODS = ("get", "post", "put", "patch", "delete")


def deref(node: Any, doc: Doc, seen: tuple[str, ...] = ()) -> Any:
    """``node`` with local ``$ref``s replaced by copies of their targets (cycles kept)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            if ref in seen:
                return {"$ref": ref}
            target: Any = doc
            for part in ref[2:].split("/"):
                target = target.get(part, {}) if isinstance(target, dict) else {}
            extra = {k: v for k, v in node.items() if k != "$ref"}
            return deref({**target, **extra}, doc, (*seen, ref))
        return {k: deref(v, doc, seen) for k, v in node.items()}
    if isinstance(node, list):
        return [deref(v, doc, seen) for v in node]
    return node


def lifecycle_info(lifecycle: Lifecycle) -> dict[str, Any]:
    """The lifecycle as a JSON-able dict (for documents and the discovery list)."""
    return {
        "deprecated_at": lifecycle.deprecated_at.isoformat() if lifecycle.deprecated_at else None,
        "sunset_at": lifecycle.sunset_at.isoformat() if lifecycle.sunset_at else None,
        "migration_url": lifecycle.migration_url,
        "successor_url": lifecycle.successor_url,
        "brownouts": [
            {"start": b.start.isoformat(), "end": b.end.isoformat()} for b in lifecycle.brownouts
        ],
    }


def newest_operations(doc: Doc, prefix: str) -> dict[RouteKey, dict[str, Any]]:
    """The newest document's operations under ``prefix``, keyed by relative route."""
    out = {}
    for path, item in doc.get("paths", {}).items():
        if path != prefix and not path.startswith(prefix + "/"):
            continue
        for method in _METHODS:
            if method in item:
                key = RouteKey.of(method, path[len(prefix) :] or "/")
                out[key] = deref(item[method], doc)
    return out


def older_operations(
    plan: VersionPlan, newer: dict[RouteKey, dict[str, Any]]
) -> dict[RouteKey, dict[str, Any]]:
    """Apply one version's declarations to the next newer version's operations."""
    by_ident = {key.ident: op for key, op in newer.items()}
    return {route.key: _operation(route, by_ident) for route in plan.routes}


def _operation(route: RoutePlan, newer: dict[tuple[str, str], dict[str, Any]]) -> dict[str, Any]:
    if route.removed is not None:
        return {
            "summary": f"Removed: use {route.removed.replacement}",
            "deprecated": True,
            "parameters": _path_parameters(route, []),
            "responses": {"410": {"description": route.removed.describe()}},
        }
    op: dict[str, Any] = copy.deepcopy(newer.get(route.target.ident, {})) if route.target else {}
    op.setdefault("responses", {})
    notes: list[str] = []
    op["parameters"] = _path_parameters(route, op.get("parameters", []))
    for query_op in reversed(route.query_ops):
        op["parameters"] = query_op.parameters_down(op["parameters"])
        notes.append(query_op.describe())
    request_schema = op.get("requestBody", {}).get("content", {}).get("application/json", {})
    for body_op in reversed(route.request_ops):
        if "schema" in request_schema:
            body_op.schema_up(request_schema["schema"])
    for status, response in op["responses"].items():
        ops = route.response_ops if status.startswith("2") else route.error_ops
        schema = response.get("content", {}).get("application/json", {}).get("schema")
        for body_op in ops if isinstance(schema, dict) else ():
            body_op.schema_down(schema)
    notes.extend(o.describe() for o in route.response_ops if o not in route.request_ops)
    notes.extend(o.describe() for o in route.request_ops)
    if route.adapter is not None:
        _apply_adapter(route, op)
        notes.append(route.adapter.describe())
    if not op["parameters"]:
        del op["parameters"]
    if notes:
        op["x-segue-changes"] = notes
    op.pop("operationId", None)
    return op


def _path_parameters(route: RoutePlan, parameters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    old_name = {new: old for old, new in route.params.items()}
    out, named = [], set()
    for param in parameters:
        if param.get("in") != "path":
            out.append(param)
            continue
        name = old_name.get(param["name"])
        if name is not None:
            out.append({**param, "name": name})
            named.add(name)
    for name in route.key.params:
        if name not in named:
            out.append({"name": name, "in": "path", "required": True, "schema": {"type": "string"}})
    return out


def _apply_adapter(route: RoutePlan, op: dict[str, Any]) -> None:
    assert route.adapter is not None
    found = route.adapter
    if found.request_schema is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": copy.deepcopy(found.request_schema)}},
        }
    if found.response_schema is not None:
        op["responses"][str(found.status_code)] = {
            "description": "Successful response",
            "content": {"application/json": {"schema": copy.deepcopy(found.response_schema)}},
        }
    if found.query_params:
        declared = {param["name"] for param in found.query_params}
        kept = [
            param
            for param in op.get("parameters", [])
            if not (param.get("in") == "query" and param.get("name") in declared)
        ]
        op["parameters"] = kept + [copy.deepcopy(param) for param in found.query_params]
    if route.target is None:
        # No newer route to inherit answers from: the adapter answers with its success
        # status or with whatever the calls it makes answer.
        op["responses"].setdefault(str(found.status_code), {"description": "Successful response"})
        op["responses"]["default"] = {"description": "Any answer of the calls the adapter makes"}
    if not op.get("summary"):
        op["summary"] = found.describe()


def _rename_path_params(op: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    params = [
        {**p, "name": names.get(p["name"], p["name"])} if p.get("in") == "path" else p
        for p in op.get("parameters", [])
    ]
    return {**op, "parameters": params}


def document(
    base: Doc,
    version: Version,
    operations: dict[RouteKey, dict[str, Any]],
) -> Doc:
    """A whole OpenAPI document for ``version`` from its operations."""
    paths: dict[str, dict[str, Any]] = {}
    canonical: dict[str, RouteKey] = {}
    prefix = version.prefixes[0]
    for key in sorted(operations, key=lambda k: (k.path, k.method)):
        op = operations[key]
        # OpenAPI forbids two templates of one shape: spell each shape one way.
        first = canonical.setdefault(key.shape, key)
        if first.params != key.params:
            op = _rename_path_params(op, dict(zip(key.params, first.params, strict=True)))
        if version.lifecycle.deprecated_at is not None:
            op = {**op, "deprecated": True}
        paths.setdefault(prefix + first.path, {})[key.method.lower()] = op
    info = dict(base.get("info", {}))
    info["version"] = version.name
    if version.title:
        info["title"] = version.title
    also = list(version.prefixes[1:])
    if also:
        info["description"] = (
            info.get("description", "") + f"\n\nAlso served under {', '.join(also)}."
        ).strip()
    out: Doc = {
        "openapi": base.get("openapi", "3.1.0"),
        "info": info,
        "paths": paths,
        "x-segue-lifecycle": lifecycle_info(version.lifecycle),
    }
    security = base.get("components", {}).get("securitySchemes")
    if security:
        out["components"] = {"securitySchemes": security}
    if "security" in base:
        out["security"] = base["security"]
    return out


def documents(
    newest: Doc, newest_version: Version, plans: list[VersionPlan], prefix: str
) -> dict[str, Doc]:
    """Every version's document by name: the newest as the app gives it (plus its
    lifecycle), each older one derived from the next newer one's operations."""
    operations = newest_operations(newest, prefix)
    first = dict(newest)
    first["x-segue-lifecycle"] = lifecycle_info(newest_version.lifecycle)
    docs = {newest_version.name: first}
    for plan in plans:
        operations = older_operations(plan, operations)
        docs[plan.version.name] = document(newest, plan.version, operations)
    return docs
