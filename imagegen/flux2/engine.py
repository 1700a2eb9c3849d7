"""The in-repo FLUX.2 engine: diffusers' pictures, storyboard-shaped work made fast."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from imagegen.engine import CancelFn, EngineInfo, ProgressFn
from imagegen.errors import GenerationCancelled, ImageGenInputError
from imagegen.flux2.loading import Components, load_components
from imagegen.flux2.memory import Placement, check_policy, choose_policy
from imagegen.flux2.references import ReferenceEncoder, open_reference
from imagegen.flux2.sampling import Batch, decode, denoise, extract_reference_kv
from imagegen.flux2.text import PromptEncoder
from imagegen.flux2.variants import VARIANTS, WeightsInfo, inspect_weights, size_label
from imagegen.request import ImageRequest, file_sha256

logger = logging.getLogger(__name__)

ENGINE_VERSION = "1"
_DTYPES = ("bfloat16", "float16", "float32")


@dataclass(frozen=True)
class _Job:
    """One request with its resolved sampling settings and reference identity."""

    index: int
    request: ImageRequest
    steps: int
    guidance: float | None
    refs: tuple[str, ...]  # sha256 of each reference, in order

    @property
    def group(self) -> tuple[Any, ...]:
        r = self.request
        return (r.width, r.height, self.steps, self.guidance, self.refs)


class Flux2Engine:
    """FLUX.2 [klein] 4B/9B, base, 9B-kv and [dev] from a local diffusers-layout folder.

    For the same folder, prompt, size, steps, guidance, references and seed it makes the picture
    the matching diffusers pipeline makes. ``generate_many`` groups frames by size and reference
    set, caches prompt embeddings, reference latents and (9B-kv) the references' attention K/V.
    """

    name = "flux2"
    structured_prompts = True  # FLUX.2 reads JSON prompts as well as text

    def __init__(
        self,
        weights: Path | str,
        *,
        device: str | None = None,
        dtype: str | None = None,
        memory: str = "auto",
        fp8: bool = False,
        compile: bool = False,
        batch_size: int = 1,
        reuse_reference_kv: bool = True,
        max_tokens: int = 512,
        text_layers: tuple[int, ...] | None = None,
    ) -> None:
        self._setup(inspect_weights(Path(weights)), **_options(locals()))

    def _setup(
        self,
        info: WeightsInfo,
        *,
        device: str | None,
        dtype: str | None,
        memory: str,
        fp8: bool,
        compile: bool,
        batch_size: int,
        reuse_reference_kv: bool,
        max_tokens: int,
        text_layers: tuple[int, ...] | None,
    ) -> None:
        self.info = info
        if dtype is not None and dtype not in _DTYPES:
            raise ImageGenInputError(f"dtype {dtype!r} is not one of {', '.join(_DTYPES)}")
        if max_tokens < 1:
            raise ImageGenInputError(f"max_tokens must be at least 1, got {max_tokens}")
        if not 1 <= batch_size <= 16:
            raise ImageGenInputError(f"batch_size must be between 1 and 16, got {batch_size}")
        self.memory = check_policy(memory)
        self.variant = self.info.label
        self.version = f"{ENGINE_VERSION}-{self.info.label}-{self.info.fingerprint}"
        self._device_name = device
        self._dtype_name = dtype
        self._fp8 = fp8
        self._compile = compile
        self._batch_size = batch_size
        self._reuse_kv = reuse_reference_kv
        self._max_tokens = max_tokens
        self._text_layers = text_layers or self.info.variant.text_layers
        self._components: Components | None = None
        self._loaded: _Loaded | None = None

    @classmethod
    def from_pipeline(cls, pipe: Any, variant: str, **options: Any) -> Flux2Engine:
        """An engine sampling with an already built diffusers pipeline's components (benchmarks,
        LoRA-patched pipelines); ``variant`` names it (klein, klein-base, klein-kv, dev).

        The components are shared, not copied: ``compile`` and ``fp8`` change the caller's
        pipeline too."""
        if variant not in VARIANTS:
            raise ImageGenInputError(f"variant {variant!r} is not one of {', '.join(VARIANTS)}")
        engine = cls.__new__(cls)
        info = WeightsInfo(
            Path("<in memory>"), VARIANTS[variant], size_label(pipe.transformer.config), "memory"
        )
        engine._setup(info, **{**_DEFAULTS, **options})
        engine._components = Components(
            pipeline_class=type(pipe),
            text_encoder=pipe.text_encoder.eval(),
            tokenizer=pipe.tokenizer,
            transformer=pipe.transformer.eval(),
            vae=pipe.vae.eval(),
            scheduler=pipe.scheduler,
        )
        return engine

    @classmethod
    def probe(cls) -> EngineInfo:
        import importlib.util

        if importlib.util.find_spec("diffusers") is None:
            return EngineInfo(cls.name, False, "diffusers is not installed")
        return EngineInfo(
            cls.name,
            True,
            "FLUX.2 from a local weights folder (--weights / STORYBEAT_FLUX2_WEIGHTS)",
        )

    def generate(self, request: ImageRequest) -> Image.Image:
        return next(self.generate_many([request]))[1]

    def generate_many(
        self,
        requests: Sequence[ImageRequest],
        *,
        on_progress: ProgressFn | None = None,
        cancel: CancelFn | None = None,
        on_step: Callable[[int, int], None] | None = None,
    ) -> Iterator[tuple[int, Image.Image]]:
        """Yield ``(index, image)`` as frames finish; ``on_step(done, total)`` counts denoising
        steps over the whole call and ``cancel`` is checked between steps."""
        checked: dict[Path, str] = {}  # each distinct reference file decoded and hashed once
        jobs = [self._job(i, r, checked) for i, r in enumerate(requests)]
        if not jobs:
            return
        loaded = self._load()
        loaded.encode_prompts(jobs)
        total_steps = sum(j.steps for j in jobs)
        counter = _StepCounter(total_steps, on_step)
        done = 0
        for batch_jobs in _batches(jobs, self._batch_size):
            if cancel is not None and cancel():
                raise GenerationCancelled(f"cancelled after {done} of {len(jobs)} images")
            images = loaded.run(batch_jobs, cancel=cancel, on_step=counter.step)
            for job, image in zip(batch_jobs, images, strict=True):
                done += 1
                if on_progress is not None:
                    on_progress(done, len(jobs))
                yield job.index, image

    @property
    def cache_stats(self) -> dict[str, int]:
        """Hits and misses of the prompt, reference-latent and reference-K/V caches."""
        return {} if self._loaded is None else self._loaded.stats()

    def _job(self, index: int, request: ImageRequest, checked: dict[Path, str]) -> _Job:
        variant = self.info.variant
        if request.guidance is not None and not variant.uses_guidance:
            raise ImageGenInputError(
                f"request {index}: guidance is not used by FLUX.2 {self.variant}"
                " (a distilled model); leave it out, or use klein-base or dev weights"
            )
        for path in request.references:
            if path not in checked:
                open_reference(path)  # refuse unusable references before any work starts
                checked[path] = file_sha256(path)
        guidance = request.guidance if request.guidance is not None else variant.default_guidance
        steps = request.steps or variant.default_steps
        refs = tuple(checked[p] for p in request.references)
        return _Job(index, request, steps, guidance, refs)

    def _load(self) -> _Loaded:
        if self._loaded is None:
            self._loaded = _Loaded(self)
        return self._loaded


_DEFAULTS: dict[str, Any] = {
    "device": None,
    "dtype": None,
    "memory": "auto",
    "fp8": False,
    "compile": False,
    "batch_size": 1,
    "reuse_reference_kv": True,
    "max_tokens": 512,
    "text_layers": None,
}


def _options(values: dict[str, Any]) -> dict[str, Any]:
    return {name: values[name] for name in _DEFAULTS}


class _StepCounter:
    def __init__(self, total: int, callback: Callable[[int, int], None] | None) -> None:
        self.total = total
        self.done = 0
        self.callback = callback

    def step(self) -> None:
        self.done += 1
        if self.callback is not None:
            self.callback(self.done, self.total)


def _batches(jobs: list[_Job], size: int) -> Iterator[list[_Job]]:
    """Jobs grouped by shape and reference set (first-seen order), cut into batches of ``size``."""
    groups: dict[tuple[Any, ...], list[_Job]] = {}
    for job in jobs:
        groups.setdefault(job.group, []).append(job)
    for members in groups.values():
        for start in range(0, len(members), size):
            yield members[start : start + size]


class _Loaded:
    """The components on their device with the engine's caches."""

    def __init__(self, engine: Flux2Engine) -> None:
        import torch

        self.device = torch.device(engine._device_name or _default_device())
        dtype_name = engine._dtype_name or ("float32" if self.device.type == "cpu" else "bfloat16")
        self.variant = engine.info.variant
        self.components: Components = engine._components or load_components(
            engine.info, getattr(torch, dtype_name)
        )
        policy = engine.memory
        if policy == "auto":
            policy = (
                "gpu"
                if self.device.type == "cpu"
                else choose_policy(_free_bytes(self.device), self.components)
            )
        if engine._fp8:
            _quantize_fp8(self.components.transformer, self.device)
        self.placement = Placement(self.components, self.device, policy)
        if engine._compile:
            compile_blocks(self.components.transformer)
        self.prompts = PromptEncoder(
            self.components, self.variant, max_tokens=engine._max_tokens, layers=engine._text_layers
        )
        self.references = ReferenceEncoder(self.components)
        self.reuse_kv = engine._reuse_kv
        self._kv: dict[tuple[str, ...], Any] = {}
        self.kv_extractions = 0

    def uses_cfg(self, job: _Job) -> bool:
        return self.variant.cfg and job.guidance is not None and job.guidance > 1

    def encode_prompts(self, jobs: list[_Job]) -> None:
        """Encode every new prompt up front, so an offloaded text encoder moves in once."""
        texts = [j.request.prompt for j in jobs]
        if any(self.uses_cfg(j) for j in jobs):
            texts.append("")
        missing = self.prompts.missing(texts)
        if missing:
            with self.placement.using(self.components.text_encoder):
                for text in missing:
                    self.prompts.encode(text, self.device)

    def run(
        self, jobs: list[_Job], *, cancel: CancelFn | None, on_step: Callable[[], None]
    ) -> list[Image.Image]:
        first = jobs[0]
        batch = Batch(
            width=first.request.width,
            height=first.request.height,
            steps=first.steps,
            guidance=first.guidance,
            seeds=[j.request.seed for j in jobs],
            embeds=[self.prompts.encode(j.request.prompt, self.device) for j in jobs],
            negative=self.prompts.encode("", self.device) if self.uses_cfg(first) else None,
        )
        with self.placement.using(self.components.transformer):
            if first.refs:
                batch.ref_tokens, batch.ref_ids = self.references.encode(
                    first.request.references, first.refs, self.device
                )
                if self.variant.kv:
                    batch.ref_kv = self._reference_kv(first.refs, batch)
            latents = denoise(
                self.components, self.variant, batch, self.device, cancel=cancel, on_step=on_step
            )
        return decode(self.components, latents)

    def _reference_kv(self, refs: tuple[str, ...], batch: Batch) -> Any:
        if self.reuse_kv and refs in self._kv:
            return self._kv[refs]
        cache = extract_reference_kv(self.components, batch.ref_tokens, batch.ref_ids)
        self.kv_extractions += 1
        if self.reuse_kv:
            self._kv = {refs: cache}  # one reference set at a time: a storyboard shares one
        return cache

    def stats(self) -> dict[str, int]:
        return {
            "prompt_hits": self.prompts.hits,
            "prompt_misses": self.prompts.misses,
            "reference_hits": self.references.hits,
            "reference_misses": self.references.misses,
            "kv_extractions": self.kv_extractions,
        }


def compile_blocks(transformer: Any, backend: str = "inductor") -> None:
    """Compile each transformer block once with dynamic shapes, so a new image size or
    reference count reuses the compiled code instead of recompiling."""
    for block in [*transformer.transformer_blocks, *transformer.single_transformer_blocks]:
        block.compile(dynamic=True, backend=backend)


def _quantize_fp8(transformer: Any, device: Any) -> None:
    if device.type != "cuda":
        raise ImageGenInputError("fp8 needs a CUDA GPU (compute capability 8.9 or newer)")
    try:
        from torchao.quantization import Float8DynamicActivationFloat8WeightConfig, quantize_
    except ImportError as exc:
        raise ImageGenInputError("fp8 needs torchao: pip install torchao") from exc
    transformer.to(device)
    quantize_(transformer, Float8DynamicActivationFloat8WeightConfig())


def _default_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _free_bytes(device: Any) -> int:
    import torch

    free, _ = torch.cuda.mem_get_info(device)
    return int(free)
