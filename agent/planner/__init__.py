"""The rules planner: brief and shot list from the user's text, a template and the music."""

from agent.planner.brief import write_brief
from agent.planner.cuts import plan_cuts
from agent.planner.shots import plan_shots

__all__ = ["plan_cuts", "plan_shots", "write_brief"]
