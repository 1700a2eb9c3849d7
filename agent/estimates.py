"""Before a render: what each stage will make, how long it should take and what it costs.

Counts come from the rules planner on the analysed track, so they are the render's own: one
reference per character and location, one storyboard frame and one clip per shot, every frame
of the song exported. Seconds come from this machine's learned rates (:mod:`agent.timings`)
where it has them, else from the defaults in :mod:`agent.estimate_rates`; every stage says
which in ``basis``. Nothing reused from earlier runs is subtracted: an estimate is for a render
from scratch.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from agent import planner
from agent.animation import handle_frames
from agent.config import Settings
from agent.engines import video_adapter
from agent.errors import AgentInputError
from agent.estimate_rates import (
    ADAPTER_DEFAULTS,
    API_PRICES,
    BFL_PRICES_READ,
    EXPORT_DEFAULT,
    FLUX2_MEASURED_ON,
    IMAGE_DEFAULTS,
    MEASURED_ON,
    UPLOAD_MEGAPIXELS,
    Linear,
    flux2_seconds,
)
from agent.schemas import Brief, RenderOptions, Shot
from agent.timings import Rate, load_timings, timing_key, worker_label
from audio import TrackAnalysis
from videogen import VideoAdapter

REFERENCE_SIZE = 512  # agent.nodes.REFERENCE_SIZE: character sheets and location plates
MAX_REFERENCES = 10  # imagegen.request.MAX_REFERENCES: references one frame carries at most


@dataclass(frozen=True)
class StageEstimate:
    """One stage: ``units`` of ``unit`` (plus ``frames`` of video), seconds (None: unknown)."""

    stage: str  # the progress name: brief, references, shots, storyboard, video, timeline, export
    node: str  # the graph node (agent.graph.STAGES)
    units: int
    unit: str
    seconds: float | None
    cost_usd: float | None  # None: the provider's price is not known here
    basis: str
    frames: int = 0
    size: str = ""


@dataclass(frozen=True)
class Estimate:
    """Every stage of one render and the totals; ``complete`` is False when a stage's seconds
    are unknown (``seconds`` then sums the known ones)."""

    engine: str
    adapter: str
    width: int
    height: int
    fps: int
    duration: float
    shots: int
    stages: tuple[StageEstimate, ...]

    @property
    def seconds(self) -> float:
        return sum(s.seconds for s in self.stages if s.seconds is not None)

    @property
    def complete(self) -> bool:
        return all(s.seconds is not None for s in self.stages)

    @property
    def cost_usd(self) -> float:
        """The known costs; ``cost_complete`` says whether that is all of them."""
        return sum(s.cost_usd for s in self.stages if s.cost_usd is not None)

    @property
    def cost_complete(self) -> bool:
        return all(s.cost_usd is not None for s in self.stages)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: seconds to the millisecond, costs to a hundredth of a cent."""
        data = asdict(self)
        for stage in data["stages"]:
            if stage["seconds"] is not None:
                stage["seconds"] = round(stage["seconds"], 3)
            if stage["cost_usd"] is not None:
                stage["cost_usd"] = round(stage["cost_usd"], 4)
        data["total"] = {
            "seconds": round(self.seconds, 3),
            "complete": self.complete,
            "cost_usd": round(self.cost_usd, 4),
            "cost_complete": self.cost_complete,
        }
        return data


@dataclass(frozen=True)
class _Image:
    width: int
    height: int
    references: int  # how many reference images go with it
    reference_mp: float  # their megapixels, for API prices


def estimate(
    settings: Settings,
    options: RenderOptions,
    analysis: TrackAnalysis,
    *,
    uploads: int = 0,
    history: Mapping[str, Rate] | None = None,
    api_price: float | None = None,
) -> Estimate:
    """The estimate for rendering ``analysis``'s track with ``options`` and ``settings``' engines.

    Parameters
    ----------
    uploads : number of reference images the musician gives (``--ref``).
    history : learned rates; default the ones saved in ``settings.data_dir``.
    api_price : USD per image for ``flux2-api``, instead of the list-price table; default
        ``settings.flux2_api_price`` (``STORYBEAT_FLUX2_API_PRICE``).

    Raises :class:`AgentInputError` for ``flux2`` without weights and the image engine's input
    errors for an unknown engine or a weights folder that is not FLUX.2.
    """
    from imagegen.registry import engine_key
    from videogen import seconds_to_frames

    rates = load_timings(settings.data_dir) if history is None else history
    engine = engine_key(settings.image_engine)
    worker, flux2_device = image_worker(settings)
    video = video_adapter(settings)  # refused as a render would refuse it: no key, no weights
    adapter = video.name
    upload_names = [f"upload-{i + 1}" for i in range(uploads)]
    brief = planner.write_brief(
        options.brief, template=options.template, analysis=analysis, uploads=upload_names
    )
    shots = planner.plan_shots(brief, analysis)
    width, height = options.size
    fps = options.fps
    plate = _Image(REFERENCE_SIZE, REFERENCE_SIZE, 0, 0.0)
    from_upload = _Image(REFERENCE_SIZE, REFERENCE_SIZE, 1, UPLOAD_MEGAPIXELS)  # a character's
    references = [from_upload if c.reference else plate for c in brief.characters]
    references += [plate] * len(brief.locations)
    frames = [_frame(shot, brief, upload_names, options) for shot in shots]
    handle = handle_frames(analysis.tempo, analysis.steady_beat, fps)  # made past each end
    clip_frames = [
        seconds_to_frames(s.end, fps) - seconds_to_frames(s.start, fps) + 2 * handle for s in shots
    ]
    export_frames = seconds_to_frames(analysis.duration, fps)
    if api_price is None:
        api_price = settings.flux2_api_price
    context = _ImageContext(settings, engine, worker, flux2_device, rates, api_price)
    planning = "rules planner, well under a second"
    if settings.llm:
        planning = f"LLM planner ({settings.llm}): not measured; counts are the rules planner's"
    plan_seconds = None if settings.llm else 0.0
    stages = (
        StageEstimate("brief", "write_brief", 1, "brief", plan_seconds, 0.0, planning),
        context.stage("references", "generate_references", references),
        StageEstimate("shots", "plan_shot_list", len(shots), "shot", plan_seconds, 0.0, planning),
        context.stage("storyboard", "draw_storyboard", frames),
        _video(video, settings.video_price, rates, shots, sum(clip_frames), width, height),
        StageEstimate("timeline", "assemble_timeline", 1, "timeline", 0.0, 0.0, "bookkeeping"),
        _export(export_frames, width, height),
    )
    return Estimate(worker, adapter, width, height, fps, analysis.duration, len(shots), stages)


def _frame(shot: Shot, brief: Brief, uploads: list[str], options: RenderOptions) -> _Image:
    """A storyboard frame as agent.nodes draws it: sides rounded up to 16, named references."""
    width, height = options.size
    generated = {c.name for c in brief.characters} | {loc.name for loc in brief.locations}
    named = [n for n in dict.fromkeys(shot.references) if n in generated or n in uploads]
    named = named[:MAX_REFERENCES]
    megapixels = sum(UPLOAD_MEGAPIXELS if n in uploads else REFERENCE_SIZE**2 / 1e6 for n in named)
    return _Image(-(-width // 16) * 16, -(-height // 16) * 16, len(named), megapixels)


def image_worker(settings: Settings) -> tuple[str, str]:
    """The image engine's timing label (with its variant) and, for flux2, its device.

    Checks the engine as building it would (unknown name, flux2 weights), without loading it.
    """
    from imagegen.registry import engine_key

    engine = engine_key(settings.image_engine)
    if engine == "flux2":
        from agent.engines import WEIGHTS_HINT
        from imagegen.flux2.variants import inspect_weights

        if settings.flux2_weights is None:
            raise AgentInputError(f"the flux2 image engine needs its weights: {WEIGHTS_HINT}")
        label = inspect_weights(settings.flux2_weights).label
        return worker_label("flux2", label), settings.flux2_device or _default_device()
    if engine == "flux2-api":
        return worker_label("flux2-api", f"flux-2-{settings.flux2_api_model}"), ""
    return engine, ""


def _default_device() -> str:
    try:
        import torch
    except ImportError:
        return "cpu"
    return "cuda" if torch.cuda.is_available() else "cpu"


class _ImageContext:
    """Seconds and cost of images for one engine: learned rate, else its default."""

    def __init__(
        self,
        settings: Settings,
        engine: str,
        worker: str,
        device: str,
        rates: Mapping[str, Rate],
        api_price: float | None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.worker = worker
        self.device = device
        self.rates = rates
        self.api_price = api_price

    def stage(self, stage: str, node: str, images: list[_Image]) -> StageEstimate:
        size = f"{images[0].width}x{images[0].height}" if images else ""
        seconds, basis = self._seconds(stage, images)
        cost, cost_basis = self._cost(images)
        if cost_basis:
            basis = f"{basis}; {cost_basis}"
        return StageEstimate(stage, node, len(images), "image", seconds, cost, basis, size=size)

    def _seconds(self, stage: str, images: list[_Image]) -> tuple[float | None, str]:
        if not images:
            return 0.0, "nothing to draw"
        width, height = images[0].width, images[0].height
        default = IMAGE_DEFAULTS.get(self.engine)
        learned = _learned(self.rates, stage, self.worker, width, height, default)
        if learned is not None:
            seconds, basis = learned
            return seconds * len(images), basis
        if default is not None:
            seconds = default.seconds(width, height) * len(images)
            return seconds, f"default for {self.engine} at {width}x{height}: {MEASURED_ON}"
        if self.engine == "flux2":
            return self._flux2(images)
        return None, f"{self.worker}: not measured on this machine yet (learned after a run)"

    def _flux2(self, images: list[_Image]) -> tuple[float | None, str]:
        label = self.worker.partition(":")[2]
        if not self.device.startswith("cuda"):
            return None, (
                f"flux2 {label} on {self.device}: not measured on CPU (expect it far slower than"
                " a GPU); learned after a run"
            )
        each = [flux2_seconds(label, i.references, i.width, i.height) for i in images]
        if any(s is None for s in each):
            return None, f"flux2 {label}: no measurement for this variant; learned after a run"
        basis = f"default for flux2 {label}: {FLUX2_MEASURED_ON}, scaled by pixels"
        if label == "klein-9b-kv":
            basis += " and references"
        if self.settings.flux2_compile or self.settings.flux2_fp8:
            basis += " (eager figure: compile/fp8 not included)"
        basis += "; other GPUs differ; loading the weights not included"
        return sum(s for s in each if s is not None), basis

    def _cost(self, images: list[_Image]) -> tuple[float, str]:
        if self.engine != "flux2-api":
            return 0.0, ""
        if self.api_price is not None:
            return self.api_price * len(
                images
            ), f"${self.api_price:g}/image (STORYBEAT_FLUX2_API_PRICE)"
        price = API_PRICES[self.settings.flux2_api_model]
        total = sum(price.per_image(i.width * i.height / 1e6 + i.reference_mp) for i in images)
        return total, BFL_PRICES_READ


def _learned(
    rates: Mapping[str, Rate],
    stage: str,
    worker: str,
    width: int,
    height: int,
    model: Linear | None,
) -> tuple[float, str] | None:
    """Seconds per unit this machine measured at this size, else at the nearest size it has
    (scaled by ``model``, or by pixel count without one); None if it has none."""
    nouns = ("clip", "frames") if stage == "video" else ("run", "images")
    exact = rates.get(timing_key(stage, worker, width, height))
    if exact is not None:
        return exact.seconds, _measured(exact, *nouns)
    prefix = f"{stage}/{worker}/"
    found: list[tuple[float, int, int, Rate]] = []
    for key, rate in rates.items():
        size = _size(key[len(prefix) :]) if key.startswith(prefix) else None
        if size is not None:
            distance = abs(math.log(size[0] * size[1] / (width * height)))
            found.append((distance, *size, rate))
    if not found:
        return None
    _, w, h, rate = min(found, key=lambda item: item[0])
    if model is not None:
        scale = model.seconds(width, height) / model.seconds(w, h)
    else:
        scale = width * height / (w * h)
    return rate.seconds * scale, f"{_measured(rate, *nouns)} at {w}x{h}, scaled to {width}x{height}"


def _size(text: str) -> tuple[int, int] | None:
    w, _, h = text.partition("x")
    if w.isdigit() and h.isdigit() and int(w) * int(h) > 0:
        return int(w), int(h)
    return None


def _measured(rate: Rate, sample: str, units: str) -> str:
    samples = f"{rate.samples} {sample}{'' if rate.samples == 1 else 's'}"
    return f"measured on this machine: {samples}, {rate.units} {units} (moving average)"


def _video(
    adapter: VideoAdapter,
    price: float | None,
    rates: Mapping[str, Rate],
    shots: Sequence[Shot],
    frames: int,
    width: int,
    height: int,
) -> StageEstimate:
    """Clips: seconds from this machine's rate or the default; for a hosted adapter, the
    seconds it bills (each shot's length snapped to the lengths the model makes) at ``price``
    per second."""
    name, capabilities = adapter.name, adapter.capabilities
    default = ADAPTER_DEFAULTS.get(name)
    learned = _learned(rates, "video", name, width, height, default)
    seconds: float | None
    if learned is not None:
        per_frame, basis = learned
        seconds = per_frame * frames
    elif default is not None:
        seconds = default.seconds(width, height) * frames
        basis = f"default for {name} at {width}x{height}: {MEASURED_ON}"
    else:
        seconds, basis = None, f"{name}: not measured on this machine yet (learned after a run)"
    cost: float | None = 0.0
    if not capabilities.local:
        billed = sum(capabilities.snap_duration(shot.duration) for shot in shots)
        if price is None:
            cost = None
            basis += f"; {billed:.0f} s generated, price unknown: set STORYBEAT_VIDEO_PRICE"
        else:
            cost = billed * price
            basis += f"; {billed:.0f} s generated at ${price:g}/s (STORYBEAT_VIDEO_PRICE)"
    size = f"{width}x{height}"
    return StageEstimate("video", "animate_shots", len(shots), "clip", seconds, cost, basis,
                         frames, size)  # fmt: skip


def _export(frames: int, width: int, height: int) -> StageEstimate:
    seconds = EXPORT_DEFAULT.seconds(width, height) * frames
    basis = f"default for export at {width}x{height}: {MEASURED_ON}; not learned"
    size = f"{width}x{height}"
    return StageEstimate("export", "export_cut", frames, "frame", seconds, 0.0, basis, frames, size)
