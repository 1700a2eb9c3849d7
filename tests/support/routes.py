"""Every route of an app, walked from ``app.routes`` (so tests cover routes added later)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, params, routing


@dataclass(frozen=True)
class Route:
    """One method of one path, and how its body is sent (``json``, ``form`` or None)."""

    method: str
    path: str
    body: str | None
    dependant: Any

    @property
    def parameters(self) -> list[str]:
        """The path's ``{parameters}``, in order."""
        return [part[1:-1].split(":")[0] for part in self.path.split("/") if part.startswith("{")]


def routes(app: FastAPI) -> list[Route]:
    """Every method of every route (FastAPI's included routers walked into), mounts left out."""
    walk = getattr(routing, "iter_route_contexts", None)  # FastAPI keeps included routers apart
    found = []
    for route in walk(app.routes) if walk is not None else app.routes:
        methods, path = getattr(route, "methods", None), getattr(route, "path", None)
        if not methods or not path:
            continue
        dependant = getattr(route, "dependant", None)
        body = _body_kind(dependant)
        found += [Route(m, path, body, dependant) for m in sorted(methods) if m != "HEAD"]
    return found


def _body_kind(dependant: Any) -> str | None:
    fields = getattr(dependant, "body_params", None) or []
    if not fields:
        return None
    forms = [f for f in fields if isinstance(f.field_info, params.Form)]  # File is a Form
    return "form" if forms else "json"
