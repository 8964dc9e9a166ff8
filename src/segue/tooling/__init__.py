"""Tooling around a versioned service: how it plugs into the ``segue`` command line, the
in-process harness that runs it, the OpenAPI diff and record/replay.

Services need only :class:`ServiceSpec`, :class:`ServiceOptions` and :class:`ServiceFlag`
from here; the rest is the command line's (``pip install 'segue[cli]'``).
"""

from segue.tooling._service import ServiceFlag, ServiceOptions, ServiceSpec

__all__ = ["ServiceFlag", "ServiceOptions", "ServiceSpec"]
