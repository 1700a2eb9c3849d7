"""Where the model lives while it works: all on the accelerator, or offloaded to the CPU."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

from imagegen.errors import ImageGenInputError, OutOfMemoryError
from imagegen.flux2.loading import Components

logger = logging.getLogger(__name__)

POLICIES = ("gpu", "model-offload", "group-offload")
HEADROOM = 1.25  # activations, reference tokens and the allocator's slack on top of the weights
_NEXT = {
    "gpu": "model-offload",
    "model-offload": "group-offload",
    "group-offload": "fp8 (--fp8) or a smaller image / fewer references",
}


def module_bytes(module: Any) -> int:
    return sum(p.numel() * p.element_size() for p in module.parameters())


def choose_policy(free_bytes: int, components: Components, device_type: str = "cuda") -> str:
    """The fastest policy whose resident weights fit in ``free_bytes`` with headroom; weights
    already on a ``device_type`` device count as free (they are part of the budget)."""
    free_bytes += sum(
        module_bytes(m)
        for m in (components.text_encoder, components.transformer, components.vae)
        if any(p.device.type == device_type for p in m.parameters())
    )
    text = module_bytes(components.text_encoder)
    transformer = module_bytes(components.transformer)
    vae = module_bytes(components.vae)
    if (text + transformer + vae) * HEADROOM <= free_bytes:
        return "gpu"
    if (transformer + vae) * HEADROOM <= free_bytes:
        return "model-offload"
    return "group-offload"


def check_policy(name: str) -> str:
    if name not in (*POLICIES, "auto"):
        raise ImageGenInputError(
            f"memory policy {name!r} is not one of auto, {', '.join(POLICIES)}"
        )
    return name


class Placement:
    """Puts components on the device under a policy and moves them in and out as stages need."""

    def __init__(self, components: Components, device: Any, policy: str) -> None:
        self.components = components
        self.device = device
        self.policy = policy
        on_cpu = str(device) == "cpu"
        if on_cpu or policy == "gpu":
            for module in (components.text_encoder, components.transformer, components.vae):
                module.to(device)
        elif policy == "model-offload":
            components.vae.to(device)
        elif policy == "group-offload":
            from diffusers.hooks import apply_group_offloading

            components.vae.to(device)
            for module in (components.text_encoder, components.transformer):
                apply_group_offloading(
                    module,
                    onload_device=device,
                    offload_device="cpu",
                    offload_type="block_level",
                    num_blocks_per_group=1,
                    use_stream=True,
                )
        logger.info("FLUX.2 components placed on %s under policy %s", device, policy)

    @contextlib.contextmanager
    def using(self, module: Any) -> Iterator[None]:
        """Hold ``module`` on the accelerator (model offload) and raise a clear error on OOM."""
        import torch

        moved = self.policy == "model-offload" and str(self.device) != "cpu"
        try:
            if moved:
                module.to(self.device)
            yield
        except torch.OutOfMemoryError as exc:
            raise OutOfMemoryError(
                f"the accelerator ran out of memory under memory policy {self.policy!r};"
                f" try {_NEXT[self.policy]} (storybeat image --memory …,"
                " STORYBEAT_FLUX2_MEMORY)"
            ) from exc
        finally:
            if moved:
                module.to("cpu")
                torch.cuda.empty_cache()
