"""Estimates: the counts a render makes, learned rates over defaults, API prices, honest gaps."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from agent import planner
from agent.animation import handle_frames
from agent.config import Settings
from agent.errors import AgentInputError
from agent.estimate_rates import API_PRICES
from agent.estimates import REFERENCE_SIZE, Estimate, StageEstimate, estimate
from agent.schemas import RenderOptions
from agent.timings import SMOOTHING, load_timings, record_timing
from audio import TrackAnalysis
from tests.support.analysis import analysis_of
from videogen import seconds_to_frames

BRIEF = "a woman and a man race from the rooftop to the beach"
STAGES = ["brief", "references", "shots", "storyboard", "video", "timeline", "export"]


def _analysis(duration: float, tempo: float = 120.0) -> TrackAnalysis:
    third = duration / 3
    sections = [
        (0.0, third, "verse", 0.4),
        (third, 2 * third, "chorus", 0.9),
        (2 * third, duration, "outro", 0.3),
    ]
    return analysis_of(sections, tempo)


SONG = _analysis(60.0)


def _settings(tmp_path: Path, **values: object) -> Settings:
    return Settings(data_dir=tmp_path / "data", **values)  # type: ignore[arg-type]


def _stage(result: Estimate, name: str) -> StageEstimate:
    return {s.stage: s for s in result.stages}[name]


def _weights(folder: Path) -> Path:
    """A FLUX.2 [klein] 9B-kv folder as inspect_weights sees it (configs, empty weight files)."""
    folder.mkdir()
    parts = ("scheduler", "text_encoder", "tokenizer", "transformer", "vae")
    index = {"_class_name": "Flux2KleinKVPipeline", **{p: ["diffusers", "X"] for p in parts}}
    (folder / "model_index.json").write_text(json.dumps(index))
    for part in parts:
        (folder / part).mkdir()
    (folder / "scheduler" / "scheduler_config.json").write_text("{}")
    (folder / "tokenizer" / "tokenizer.json").write_text("{}")
    for part in ("text_encoder", "vae"):
        (folder / part / "config.json").write_text("{}")
        (folder / part / "model.safetensors").write_bytes(b"")
    shape = {"num_layers": 8, "num_single_layers": 24, "joint_attention_dim": 12288}
    (folder / "transformer" / "config.json").write_text(
        json.dumps({**shape, "guidance_embeds": False})
    )
    (folder / "transformer" / "diffusion_pytorch_model.safetensors").write_bytes(b"")
    return folder


def test_counts_are_the_ones_the_planner_makes(tmp_path: Path) -> None:
    options = RenderOptions(brief=BRIEF, resolution="360p")
    result = estimate(_settings(tmp_path), options, SONG, uploads=1)

    brief = planner.write_brief(BRIEF, template="story", analysis=SONG, uploads=["upload-1"])
    shots = planner.plan_shots(brief, SONG)
    assert [s.stage for s in result.stages] == STAGES
    references = _stage(result, "references")
    assert references.units == len(brief.characters) + len(brief.locations) >= 3
    assert references.size == f"{REFERENCE_SIZE}x{REFERENCE_SIZE}"
    storyboard = _stage(result, "storyboard")
    assert storyboard.units == len(shots) == result.shots == _stage(result, "video").units
    assert storyboard.size == "640x368"  # drawn in multiples of 16, cropped by the adapter
    clip_frames = sum(seconds_to_frames(s.end, 24) - seconds_to_frames(s.start, 24) for s in shots)
    handles = 2 * handle_frames(SONG.tempo, SONG.steady_beat, 24) * len(shots)
    assert clip_frames == 60 * 24  # the song, tiled by the shots
    assert _stage(result, "video").frames == clip_frames + handles  # as the agent makes them
    assert _stage(result, "export").units == seconds_to_frames(SONG.duration, 24)
    assert result.complete
    assert result.cost_usd == 0.0
    assert result.seconds == pytest.approx(sum(s.seconds or 0.0 for s in result.stages))
    assert "default for previz" in storyboard.basis


def test_the_agent_draws_references_at_the_size_estimated() -> None:
    from agent import nodes

    assert nodes.REFERENCE_SIZE == REFERENCE_SIZE


def test_learned_rates_override_the_defaults_after_a_run(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    options = RenderOptions(brief=BRIEF, resolution="720p")
    before = estimate(settings, options, SONG)
    shots = before.shots
    assert "default" in _stage(before, "storyboard").basis

    record_timing(settings.data_dir, "storyboard/previz/1280x720", 2.0 * shots, shots)
    record_timing(settings.data_dir, "video/motion/1280x720", 0.5 * 100, 100)
    after = estimate(settings, options, SONG)
    storyboard = _stage(after, "storyboard")
    assert storyboard.seconds == pytest.approx(2.0 * shots)
    assert storyboard.basis.startswith("measured on this machine: 1 run")
    video = _stage(after, "video")
    assert video.seconds == pytest.approx(0.5 * video.frames)
    assert "default" in _stage(after, "export").basis  # export is not learned

    record_timing(settings.data_dir, "storyboard/previz/1280x720", 4.0, 1)
    moved = _stage(estimate(settings, options, SONG), "storyboard").seconds
    assert moved == pytest.approx((SMOOTHING * 4.0 + (1 - SMOOTHING) * 2.0) * shots)


def test_a_rate_learned_at_another_size_is_scaled(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    record_timing(settings.data_dir, "video/motion/640x360", 0.01 * 500, 500)
    small = _stage(estimate(settings, RenderOptions(resolution="360p"), SONG), "video")
    large = _stage(estimate(settings, RenderOptions(resolution="1080p"), SONG), "video")
    assert small.seconds == pytest.approx(0.01 * small.frames)
    assert large.seconds is not None and large.seconds > 3 * small.seconds
    assert "at 640x360, scaled to 1920x1080" in large.basis


def test_flux2_api_cost_follows_the_frames_and_the_model(tmp_path: Path) -> None:
    settings = _settings(tmp_path, image_engine="flux2-api")
    options = RenderOptions(brief=BRIEF, resolution="720p")
    short = estimate(settings, options, _analysis(30.0))
    long = estimate(settings, options, SONG)
    frames = _stage(long, "storyboard")
    assert long.shots > short.shots
    assert _stage(long, "storyboard").cost_usd > _stage(short, "storyboard").cost_usd
    pro = API_PRICES["pro"]
    per_frame = frames.cost_usd / frames.units
    assert pro.first_mp < per_frame < pro.first_mp + pro.extra_mp  # 0.92 MP + references
    assert "BFL list price" in frames.basis
    assert frames.seconds is None and not long.complete  # hosted: not measured here yet

    flat = estimate(settings, options, SONG, api_price=0.05)
    assert _stage(flat, "storyboard").cost_usd == pytest.approx(0.05 * frames.units)
    assert flat.cost_usd == pytest.approx(0.05 * (frames.units + _stage(flat, "references").units))
    from_env = _settings(tmp_path, image_engine="flux2-api", flux2_api_price=0.05)
    assert estimate(from_env, options, SONG).cost_usd == pytest.approx(flat.cost_usd)
    dearer = estimate(
        _settings(tmp_path, image_engine="flux2-api", flux2_api_model="max"), options, SONG
    )
    assert dearer.cost_usd > long.cost_usd


def test_flux2_on_a_cpu_is_labelled_not_measured(tmp_path: Path) -> None:
    weights = _weights(tmp_path / "klein-9b-kv")
    options = RenderOptions(brief=BRIEF, aspect="1:1", resolution="1080p")
    cpu = _settings(tmp_path, image_engine="flux2", flux2_weights=weights, flux2_device="cpu")
    result = estimate(cpu, options, SONG)
    storyboard = _stage(result, "storyboard")
    assert storyboard.seconds is None
    assert "not measured on CPU" in storyboard.basis
    assert not result.complete and storyboard.cost_usd == 0.0

    gpu = cpu.model_copy(update={"flux2_device": "cuda"})
    storyboard = _stage(estimate(gpu, options, SONG), "storyboard")
    assert storyboard.seconds is not None
    per_frame = storyboard.seconds / storyboard.units / (1088 * 1088 / 1024**2)
    assert 0.8 < per_frame < 1.19  # klein-9B-kv: 1.19 s with 4 references, these have 1-2
    assert "H100" in storyboard.basis


def test_flux2_without_weights_is_refused_like_render(tmp_path: Path) -> None:
    with pytest.raises(AgentInputError, match="STORYBEAT_FLUX2_WEIGHTS"):
        estimate(_settings(tmp_path, image_engine="flux2"), RenderOptions(), SONG)


def test_a_corrupt_timings_file_is_ignored_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = _settings(tmp_path)
    settings.data_dir.mkdir(parents=True)
    path = settings.data_dir / "timings.json"
    path.write_text('{"storyboard/previz/1280x720": {"seconds": "fast"')
    with caplog.at_level(logging.WARNING, logger="agent.timings"):
        result = estimate(settings, RenderOptions(), SONG)
    assert "default" in _stage(result, "storyboard").basis
    assert any("timings" in r.getMessage() for r in caplog.records)

    record_timing(settings.data_dir, "storyboard/previz/1280x720", 1.0, 4)
    assert load_timings(settings.data_dir)["storyboard/previz/1280x720"].seconds == 0.25
    assert not list(settings.data_dir.glob(".timings.json.*"))  # no temporary file left


def test_a_hosted_adapter_bills_the_lengths_its_model_makes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from videogen.hosted.veo import CAPABILITIES

    options = RenderOptions(brief=BRIEF, resolution="720p")
    with pytest.raises(AgentInputError, match="GEMINI_API_KEY"):
        estimate(_settings(tmp_path, video_adapter="veo"), options, SONG)
    monkeypatch.setenv("GEMINI_API_KEY", "test-key")
    unpriced = estimate(_settings(tmp_path, video_adapter="veo"), options, SONG)
    video = _stage(unpriced, "video")
    assert video.cost_usd is None and not unpriced.cost_complete
    assert "price unknown: set STORYBEAT_VIDEO_PRICE" in video.basis
    assert video.seconds is None  # never measured on this machine
    assert unpriced.as_dict()["total"]["cost_complete"] is False

    priced = estimate(_settings(tmp_path, video_adapter="veo", video_price=0.4), options, SONG)
    brief = planner.write_brief(BRIEF, template=options.template, analysis=SONG, uploads=[])
    shots = planner.plan_shots(brief, SONG)
    billed = sum(CAPABILITIES.snap_duration(shot.duration) for shot in shots)
    assert billed > sum(shot.duration for shot in shots)  # 4, 6 or 8 s per clip
    assert _stage(priced, "video").cost_usd == pytest.approx(0.4 * billed)
    assert priced.cost_complete and priced.cost_usd == pytest.approx(0.4 * billed)
    motion = estimate(_settings(tmp_path), options, SONG)
    assert _stage(motion, "video").cost_usd == 0.0 and motion.cost_complete
