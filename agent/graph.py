"""The studio graph: one node per stage, compiled without a checkpointer (injected later)."""

from __future__ import annotations

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


def build_graph() -> StateGraph[RenderState, Studio, RenderState, RenderState]:
    """Brief → References → Shot List → Storyboard → Video → Timeline → Export."""
    graph = StateGraph(RenderState, context_schema=Studio)
    previous = START
    for name, node in STAGES:
        graph.add_node(name, node)  # type: ignore[call-overload]
        graph.add_edge(previous, name)
        previous = name
    graph.add_edge(previous, END)
    return graph
