"""Route keys and path templates: ``GET /conversations/{conversation_id}``.

Templates are compared by shape (``/conversations/{}``), so a declaration may name a
route with either version's parameter names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote

from segue._errors import DeclarationError

_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]+")
METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class RouteKey:
    """One route of one version: an HTTP method and a path template relative to the prefix."""

    method: str
    path: str
    params: tuple[str, ...] = field(compare=False, default=())
    shape: str = field(compare=False, default="")

    @classmethod
    def parse(cls, text: str | RouteKey) -> RouteKey:
        """Parse ``"PUT /conversations/{id}"``; raise DeclarationError when malformed."""
        if isinstance(text, RouteKey):
            return text
        method, _, path = text.strip().partition(" ")
        return cls.of(method, path.strip())

    @classmethod
    def of(cls, method: str, path: str) -> RouteKey:
        method = method.upper()
        if method not in METHODS or not path.startswith("/"):
            raise DeclarationError(f"malformed route {method} {path!r}: want 'METHOD /path'")
        params = tuple(_PARAM.findall(path))
        if len(set(params)) != len(params):
            raise DeclarationError(f"route {method} {path} repeats a path parameter")
        return cls(method, path, params, _PARAM.sub("{}", path))

    @property
    def ident(self) -> tuple[str, str]:
        """Identity by shape: the same route whatever its parameters are called."""
        return (self.method, self.shape)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"

    def pattern(self) -> re.Pattern[str]:
        """A regex matching concrete paths of this template, one named group per parameter."""
        out, pos = [], 0
        for match in _PARAM.finditer(self.path):
            out.append(re.escape(self.path[pos : match.start()]))
            out.append(f"(?P<{match.group(1)}>[^/]+)")
            pos = match.end()
        out.append(re.escape(self.path[pos:]))
        return re.compile("".join(out) + "$")

    def fill(self, values: dict[str, str]) -> str:
        """The concrete path for ``values`` (each value percent-encoded as one segment)."""
        parts = self.path.split("{")
        out = [parts[0]]
        for part in parts[1:]:
            name, _, literal = part.partition("}")
            value = values[name]
            out.append(value if _UNRESERVED.fullmatch(value) else quote(value, safe=""))
            out.append(literal)
        return "".join(out)


def specificity(key: RouteKey) -> tuple[int, int]:
    """Sort key so literal segments win over parameters (``/search`` before ``/{id}``)."""
    segments = key.path.strip("/").split("/")
    return (-sum(1 for s in segments if not s.startswith("{")), -len(segments))
