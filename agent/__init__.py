"""The studio agent: the LangGraph graph of stages, the rules planner and the CLI.

The graph, the studio and `render` import the engines, so they load on first use.
"""

from importlib import import_module
from typing import Any

from agent.config import Settings
from agent.errors import AgentError, AgentInputError, OutputPathError, RenderCancelled
from agent.schemas import Brief, RenderOptions, Shot

_LAZY = {
    "build_graph": "agent.graph",
    "render": "agent.render",
    "RenderResult": "agent.render",
    "Studio": "agent.studio",
    "open_studio": "agent.studio",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'agent' has no attribute {name!r}")


__all__ = [
    "AgentError",
    "AgentInputError",
    "Brief",
    "OutputPathError",
    "RenderCancelled",
    "RenderOptions",
    "RenderResult",
    "Settings",
    "Shot",
    "Studio",
    "build_graph",
    "open_studio",
    "render",
]
