"""segue: serve every version of an HTTP JSON API from one implementation of the newest.

Example::

    from segue import FieldRenamed, Lifecycle, Segue, Version

    app = Segue(
        newest_app,
        [
            Version("v2", ["/api/v2"]),
            Version("v1", ["/v1"], changes=[FieldRenamed("id", "item_id")]),
        ],
    )

The request core is importable from here; the families around it are public submodules:
:mod:`segue.changes` (every change kind, also re-exported here), :mod:`segue.guide`
(the migration guide and its example scenarios), :mod:`segue.usage` (usage figures, needs
SQLAlchemy), :mod:`segue.tooling` (the command line's service plug-in) and
:mod:`segue.types` (the ASGI type aliases).
"""

from segue._adapters import Adapter, Caller, adapter
from segue._api import Api, Match, find_api
from segue._errorbody import default_error_body
from segue._errors import (
    ConflictError,
    DeclarationError,
    DocumentError,
    LifecycleError,
    SegueError,
)
from segue._exchange import Request, Response
from segue._lifecycle import Brownout, Clock, Lifecycle, system_clock
from segue._segue import Segue
from segue._version import Version
from segue.changes import (
    Change,
    EnumMapped,
    ErrorCodeMapped,
    ErrorEnvelopeReshaped,
    FieldAdded,
    FieldRemoved,
    FieldRenamed,
    PaginationReshaped,
    QueryMapped,
    RouteAbsent,
    RouteMoved,
    RouteRemoved,
)

__all__ = [
    "Adapter",
    "Api",
    "Brownout",
    "Caller",
    "Change",
    "Clock",
    "ConflictError",
    "DeclarationError",
    "DocumentError",
    "EnumMapped",
    "ErrorCodeMapped",
    "ErrorEnvelopeReshaped",
    "FieldAdded",
    "FieldRemoved",
    "FieldRenamed",
    "Lifecycle",
    "LifecycleError",
    "Match",
    "PaginationReshaped",
    "QueryMapped",
    "Request",
    "Response",
    "RouteAbsent",
    "RouteMoved",
    "RouteRemoved",
    "Segue",
    "SegueError",
    "Version",
    "adapter",
    "default_error_body",
    "find_api",
    "system_clock",
]
