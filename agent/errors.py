"""Errors raised by the agent package."""


class AgentError(Exception):
    """Root of every error the agent package raises."""


class AgentInputError(AgentError, ValueError):
    """A request the agent cannot act on; the message names the bad value."""


class OutputPathError(AgentInputError):
    """The export path cannot be written."""


class RenderCancelled(AgentError):
    """The user stopped the run; finished work is kept for the next run."""


class EditConflict(AgentError):
    """An edit made on a version of the brief, shot list or timeline that has changed since
    (in another tab, or by someone else); nothing was applied. The web answers 409."""
