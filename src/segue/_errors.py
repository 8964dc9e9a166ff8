"""Typed errors. Raised while declarations compile or tools read their input, never per
request.

SegueError
├── DeclarationError      a declaration is malformed or names an unknown route
│   └── ConflictError     two declarations contradict each other
├── LifecycleError        dates that cannot be true together (sunset before deprecation)
└── DocumentError         ``segue diff`` was given something that is not OpenAPI 3.x
"""

from __future__ import annotations


class SegueError(Exception):
    """Base of every error segue raises."""


class DeclarationError(SegueError):
    """A declaration is malformed or names a route its version does not have."""


class ConflictError(DeclarationError):
    """Two declarations of one version contradict each other."""


class LifecycleError(SegueError):
    """A version's lifecycle dates are impossible, e.g. a sunset before the deprecation."""


class DocumentError(SegueError, ValueError):
    """An input of ``segue diff`` is not an OpenAPI 3.x document (a ValueError too: it is
    bad input, and callers catching that keep working)."""
