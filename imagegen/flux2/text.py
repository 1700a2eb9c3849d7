"""Prompt embeddings, encoded exactly as the diffusers pipelines do and kept in an LRU cache."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from imagegen.flux2.loading import Components
from imagegen.flux2.variants import Variant


class PromptEncoder:
    """Text → transformer conditioning, one prompt at a time (as diffusers), remembered by text."""

    def __init__(
        self,
        components: Components,
        variant: Variant,
        *,
        max_tokens: int,
        layers: tuple[int, ...],
        capacity: int = 64,
    ) -> None:
        self._components = components
        self._variant = variant
        self._max_tokens = max_tokens
        self._layers = layers
        self._capacity = capacity
        self._cache: OrderedDict[str, Any] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def missing(self, prompts: list[str]) -> list[str]:
        """The distinct prompts not in the cache yet, in first-seen order."""
        return [p for p in dict.fromkeys(prompts) if p not in self._cache]

    def encode(self, prompt: str, device: Any) -> Any:
        """``(1, tokens, dim)`` embeddings of ``prompt`` on ``device``."""
        if prompt in self._cache:
            self._cache.move_to_end(prompt)
            self.hits += 1
            return self._cache[prompt]
        self.misses += 1
        embeds = self._run(prompt, device)
        self._cache[prompt] = embeds
        if len(self._cache) > self._capacity:
            self._cache.popitem(last=False)
        return embeds

    def _run(self, prompt: str, device: Any) -> Any:
        import torch

        parts = self._components
        with torch.inference_mode():
            if self._variant.name == "dev":
                from diffusers.pipelines.flux2.system_messages import SYSTEM_MESSAGE

                return parts.pipeline_class._get_mistral_3_small_prompt_embeds(
                    text_encoder=parts.text_encoder,
                    tokenizer=parts.tokenizer,
                    prompt=[prompt],
                    device=device,
                    max_sequence_length=self._max_tokens,
                    system_message=SYSTEM_MESSAGE,
                    hidden_states_layers=self._layers,
                )
            return parts.pipeline_class._get_qwen3_prompt_embeds(
                text_encoder=parts.text_encoder,
                tokenizer=parts.tokenizer,
                prompt=[prompt],
                device=device,
                max_sequence_length=self._max_tokens,
                hidden_states_layers=self._layers,
            )
