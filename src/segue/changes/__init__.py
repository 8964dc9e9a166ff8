"""The declarative change kinds, one module per family.

A new kind subclasses :class:`BodyChange` or :class:`QueryChange` and describes itself for
the migration guide with ``field_rows`` (:class:`FieldRow`), ``route_rows``
(:class:`RouteRow`) and ``behaviour``, each given the :class:`Step` between two versions.
"""

from segue.changes._base import (
    NO_FIELD,
    BodyChange,
    Change,
    FieldRow,
    Group,
    QueryChange,
    RouteRow,
    Step,
)
from segue.changes._codes import ErrorCodeMapped
from segue.changes._enums import EnumMapped
from segue.changes._fields import FieldAdded, FieldRemoved, FieldRenamed
from segue.changes._query import QueryMapped
from segue.changes._reshape import ErrorEnvelopeReshaped, PaginationReshaped
from segue.changes._routes import RouteAbsent, RouteMoved, RouteRemoved

__all__ = [
    "NO_FIELD",
    "BodyChange",
    "Change",
    "EnumMapped",
    "ErrorCodeMapped",
    "ErrorEnvelopeReshaped",
    "FieldAdded",
    "FieldRemoved",
    "FieldRenamed",
    "FieldRow",
    "Group",
    "PaginationReshaped",
    "QueryChange",
    "QueryMapped",
    "RouteAbsent",
    "RouteMoved",
    "RouteRemoved",
    "RouteRow",
    "Step",
]
