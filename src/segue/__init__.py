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
"""

from segue._adapters import Adapter, Caller, adapter
from segue._errorbody import default_error_body
from segue._errors import (
    ConflictError,
    DeclarationError,
    DocumentError,
    LifecycleError,
    SegueError,
)
from segue._exchange import Request, Response
from segue._guide_examples import Scenario, Step
from segue._lifecycle import Brownout, Lifecycle, system_clock
from segue._middleware import Segue
from segue._service import ServiceOptions, ServiceSpec
from segue._usage import UsageRecorder, bearer_prefix
from segue._version import Version
from segue.changes import (
    Change,
    EnumMapped,
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
    "Brownout",
    "Caller",
    "Change",
    "ConflictError",
    "DeclarationError",
    "DocumentError",
    "EnumMapped",
    "ErrorEnvelopeReshaped",
    "FieldAdded",
    "FieldRemoved",
    "FieldRenamed",
    "Lifecycle",
    "LifecycleError",
    "PaginationReshaped",
    "QueryMapped",
    "Request",
    "Response",
    "RouteAbsent",
    "RouteMoved",
    "RouteRemoved",
    "Scenario",
    "Segue",
    "SegueError",
    "ServiceOptions",
    "ServiceSpec",
    "Step",
    "UsageRecorder",
    "Version",
    "adapter",
    "bearer_prefix",
    "default_error_body",
    "system_clock",
]
