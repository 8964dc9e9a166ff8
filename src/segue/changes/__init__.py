"""The declarative change kinds, one module per family."""

from segue.changes._base import BodyChange, Change, QueryChange
from segue.changes._enums import EnumMapped
from segue.changes._fields import FieldAdded, FieldRemoved, FieldRenamed
from segue.changes._query import QueryMapped
from segue.changes._reshape import ErrorEnvelopeReshaped, PaginationReshaped
from segue.changes._routes import RouteAbsent, RouteMoved, RouteRemoved

__all__ = [
    "BodyChange",
    "Change",
    "EnumMapped",
    "ErrorEnvelopeReshaped",
    "FieldAdded",
    "FieldRemoved",
    "FieldRenamed",
    "PaginationReshaped",
    "QueryChange",
    "QueryMapped",
    "RouteAbsent",
    "RouteMoved",
    "RouteRemoved",
]
