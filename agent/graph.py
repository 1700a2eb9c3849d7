"""The studio graph: one node per stage, compiled without a checkpointer (injected later)."""

from __future__ import annotations

import functools
from typing import Any

from langgraph.graph import END, START, StateGraph

from agent import nodes
from agent.state import RenderState
from agent.studio import Studio

STAGES: tuple[tuple[str, object], ...] = (
    ("write_brief", nodes.write_brief),
    ("generate_references", nodes.generate_references),
    ("plan_shot_list", nodes.plan_shot_list),
    ("draw_storyboard", nodes.draw_storyboard),
    ("animate_shots", nodes.animate_shots),
    ("assemble_timeline", nodes.assemble_timeline),
    ("export_cut", nodes.export_cut),
)


# Stage node → the state key holding what it produced.
PRODUCES = {
    "write_brief": "brief",
    "generate_references": "references",
    "plan_shot_list": "shots",
    "draw_storyboard": "frames",
    "animate_shots": "clips",
    "assemble_timeline": "timeline",
    "export_cut": "export",
}


def build_graph(review: bool = False) -> StateGraph[RenderState, Studio, RenderState, RenderState]:
    """Brief → References → Shot List → Storyboard → Video → Timeline → Export; with
    ``review`` a gate after each stage pauses for the musician's decision (:mod:`agent.review`)."""
    from agent.review import GATED, gate_name, make_gate

    graph = StateGraph(RenderState, context_schema=Studio)
    previous: str | None = START
    for i, (name, node) in enumerate(STAGES):
        graph.add_node(name, node)  # type: ignore[call-overload]
        if previous is not None:
            graph.add_edge(previous, name)
        previous = name
        if review and name in GATED:
            following = STAGES[i + 1][0]
            gate = gate_name(name)
            graph.add_node(  # type: ignore[call-overload]
                gate, make_gate(name, following), destinations=(following, name, gate)
            )
            graph.add_edge(name, gate)
            previous = None  # the gate's decision picks the next node
    graph.add_edge(STAGES[-1][0], END)
    return graph


@functools.cache
def _compiled(review: bool) -> Any:
    return build_graph(review).compile()


def compiled_graph(review: bool, checkpointer: Any) -> Any:
    """The graph compiled once per process (compiling costs ~70 ms: LangGraph inspects every
    node), bound to ``checkpointer``."""
    return _compiled(review).copy(update={"checkpointer": checkpointer})
