"""The LLM planner: a chat model writes the brief and the shots' creative fields.

Every answer is validated; an unusable one gets one repair message carrying the errors, and
whatever is still unusable after `retries` asks falls back to the rules planner with a warning.
The rules planner always owns the clock: the LLM never moves a cut.
"""

from __future__ import annotations

import importlib
import json
import logging
import re
from collections.abc import Callable
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from pydantic import ValidationError

from agent.errors import AgentInputError
from agent.planner.llm_checks import (
    BRIEF_REPAIR,
    BRIEF_REQUEST,
    BRIEF_SYSTEM,
    HEX,
    SHOTS_SYSTEM,
    check_brief,
    merge_shot,
    music_summary,
    parse_json,
    read_answers,
    repair_request,
    shots_request,
)
from agent.schemas import Brief, Shot
from audio import TrackAnalysis

__all__ = ["PROVIDERS", "LLMPlanner", "chat_model_from_spec", "music_summary"]

logger = logging.getLogger(__name__)

# provider → (module, chat model class, pip package), used when `langchain` isn't installed
PROVIDERS: dict[str, tuple[str, str, str]] = {
    "openai": ("langchain_openai", "ChatOpenAI", "langchain-openai"),
    "anthropic": ("langchain_anthropic", "ChatAnthropic", "langchain-anthropic"),
    "ollama": ("langchain_ollama", "ChatOllama", "langchain-ollama"),
}
_SPEC = re.compile(r"^([a-z][a-z0-9_-]*):(\S+)$")


class LLMPlanner:
    """Brief and shot list from a chat model, with the rules planner as the safety net.

    Parameters
    ----------
    model
        Any LangChain chat model.
    retries
        How many times the model is asked in all for one artifact: the first ask, then repair
        messages carrying the errors. At least 1.
    """

    def __init__(self, model: BaseChatModel, *, retries: int = 2) -> None:
        if retries < 1:
            raise AgentInputError(f"retries must be at least 1, got {retries}")
        self.model = model
        self.retries = retries

    def write_brief(
        self,
        user_text: str,
        template: str,
        mood_summary: dict[str, Any],
        fallback: Callable[[], Brief],
    ) -> tuple[Brief, list[str]]:
        """The model's brief, else `fallback()`; the second item lists warnings."""
        messages: list[BaseMessage] = [
            SystemMessage(BRIEF_SYSTEM),
            HumanMessage(
                BRIEF_REQUEST.format(
                    template=template,
                    music=json.dumps(mood_summary, default=str),
                    text=user_text or "(none)",
                )
            ),
        ]
        wanted = [h.upper() for h in HEX.findall(user_text)]

        def check(data: object) -> Brief:
            return check_brief(data, user_text=user_text, template=template, colours=wanted)

        try:
            structured = self.model.with_structured_output(Brief)
        except NotImplementedError:
            structured = None
        last = ""
        for attempt in range(self.retries):
            reply = ""
            try:
                if structured is not None:
                    data: object = _plain(structured.invoke(messages))
                    reply = json.dumps(data, default=str)
                else:
                    reply = _text(self.model.invoke(messages))
                    data = parse_json(reply)
                return check(data), []
            except (ValueError, TypeError) as exc:  # ValidationError and JSON errors included
                last = _errors(exc)
                repair = HumanMessage(BRIEF_REPAIR.format(errors=last))
                messages = [*messages, AIMessage(reply or "(unusable answer)"), repair]
            except Exception as exc:  # a time-out or a provider error: never crash the render
                last = f"the model failed: {exc}"
            logger.info("LLM brief, attempt %d unusable: %s", attempt + 1, last)
        return fallback(), [
            f"the LLM's brief was unusable ({_short(last)}); the rules planner wrote it"
        ]

    def plan_shots(
        self, brief: Brief, analysis: TrackAnalysis, fallback: Callable[[], list[Shot]]
    ) -> tuple[list[Shot], list[str]]:
        """The rules planner's cuts with the model's creative fields; the second item warns."""
        rules = fallback()
        by_index = {s.index: s for s in rules}
        done: dict[int, Shot] = {}
        pending: dict[int, str] = dict.fromkeys(by_index, "not written")
        messages: list[BaseMessage] = [
            SystemMessage(SHOTS_SYSTEM),
            HumanMessage(shots_request(brief, rules)),
        ]
        general = ""
        for attempt in range(self.retries):
            try:
                reply = _text(self.model.invoke(messages))
            except Exception as exc:  # a time-out or a provider error: never crash the render
                general = f"the model failed: {exc}"
                logger.info("LLM shot list, attempt %d failed: %s", attempt + 1, general)
                continue
            try:
                answers = read_answers(parse_json(reply), sorted(pending))
                general = ""
            except ValueError as exc:
                answers, general = {}, _errors(exc)
            for index, answer in answers.items():
                try:
                    done[index] = merge_shot(by_index[index], answer, brief)
                    del pending[index]
                except (ValueError, TypeError) as exc:  # TypeError: a list where a name goes
                    pending[index] = str(exc)
            if not pending:
                return [done[s.index] for s in rules], []
            repair = repair_request(pending, general)
            messages = [*messages, AIMessage(reply), HumanMessage(repair)]
            logger.info("LLM shot list, attempt %d: %s", attempt + 1, repair)
        if not done:
            why = general or "; ".join(f"shot {i + 1}: {w}" for i, w in sorted(pending.items()))
            return rules, [
                f"the LLM's shot list was unusable ({_short(why)}); the rules planner wrote it"
            ]
        names = ", ".join(str(i + 1) for i in sorted(pending))
        reasons = "; ".join(f"shot {i + 1}: {w}" for i, w in sorted(pending.items()))
        return [done.get(s.index, s) for s in rules], [
            f"the LLM's shots {names} were unusable ({_short(reasons)}); "
            "the rules planner wrote them"
        ]


def chat_model_from_spec(spec: str) -> BaseChatModel:
    """A chat model from ``"provider:model"``, e.g. ``"openai:gpt-4o-mini"``, ``"ollama:llama3.1"``.

    Uses ``langchain.chat_models.init_chat_model`` when `langchain` is installed, else the
    provider's own package (openai, anthropic, ollama). Raises AgentInputError for a malformed
    spec, an unknown provider or a missing package, naming what to install.
    """
    match = _SPEC.match(spec.strip())
    if match is None:
        raise AgentInputError(
            "STORYBEAT_LLM must look like 'provider:model' (e.g. 'openai:gpt-4o-mini'), "
            f"got {spec!r}"
        )
    provider, model = match.groups()
    try:
        init_chat_model = importlib.import_module("langchain.chat_models").init_chat_model
    except ImportError:
        init_chat_model = None
    package = PROVIDERS.get(provider, ("", "", f"langchain-{provider}"))[2]
    if init_chat_model is not None:
        try:
            chat: BaseChatModel = init_chat_model(model, model_provider=provider)
        except ImportError as exc:
            raise AgentInputError(
                f"the LLM {spec!r} needs the package {package!r}: pip install {package}"
            ) from exc
        except ValueError as exc:
            raise AgentInputError(f"the LLM {spec!r} cannot be built: {exc}") from exc
        return chat
    if provider not in PROVIDERS:
        raise AgentInputError(
            f"unknown LLM provider {provider!r}; known: {', '.join(sorted(PROVIDERS))} "
            "(pip install langchain for the others)"
        )
    module, cls, package = PROVIDERS[provider]
    try:
        factory = getattr(importlib.import_module(module), cls)
    except ImportError as exc:
        raise AgentInputError(
            f"the LLM {spec!r} needs the package {package!r}: pip install {package}"
        ) from exc
    chat = factory(model=model)
    return chat


def _plain(data: object) -> object:
    return data.model_dump() if isinstance(data, Brief) else data


def _text(message: BaseMessage) -> str:
    if isinstance(message.content, str):
        return message.content
    parts = [p if isinstance(p, str) else str(p.get("text", "")) for p in message.content]
    return "".join(parts)


def _errors(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'brief'}: {e['msg']}" for e in exc.errors()
        )
    return str(exc)


def _short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
