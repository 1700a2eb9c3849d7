"""The adapter interface: duration snapping, conforming a model's clip to its slot, running a
provider's job, and adapters registered by other packages."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.metadata import EntryPoint
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.unit.videogen.conftest import decode_rgb, run_ffmpeg
from videogen import (
    Capabilities,
    ClipRequest,
    GenerationCancelled,
    Job,
    JobState,
    JobStatus,
    MediaError,
    MotionAdapter,
    ProviderError,
    UnknownAdapterError,
    get_adapter,
    probe_video,
    registry,
)
from videogen.conform import conform_clip
from videogen.jobs import run_job


def test_durations_snap_to_what_the_model_makes() -> None:
    fixed = Capabilities(durations=(5.0, 10.0))
    assert [fixed.snap_duration(s) for s in (1.0, 5.0, 7.2, 14.0)] == [5.0, 5.0, 10.0, 10.0]
    ranged = Capabilities(min_duration=2.0, max_duration=8.0)
    assert [ranged.snap_duration(s) for s in (1.0, 3.3, 12.0)] == [2.0, 3.3, 8.0]
    assert Capabilities().snap_duration(41.5) == 41.5
    with pytest.raises(ValueError, match="positive"):
        fixed.snap_duration(0.0)


@pytest.fixture
def provider_clip(tmp_path: Path) -> Path:
    """A 2 s, 30 fps, 320×240 clip: another size, rate and length than the slot asks for."""
    path = tmp_path / "provider.mp4"
    done = run_ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x240:rate=30:duration=2",
                      "-pix_fmt", "yuv420p", str(path))  # fmt: skip
    assert done.returncode == 0, done.stderr
    return path


def _request(tmp_path: Path, n_frames: int, fps: int = 24) -> ClipRequest:
    still = tmp_path / "still.png"
    if not still.exists():
        Image.new("RGB", (64, 64), (90, 40, 30)).save(still)
    return ClipRequest(
        image=still, width=160, height=90, fps=fps, n_frames=n_frames, camera="static"
    )


@pytest.mark.parametrize("n_frames", [24, 48, 72, 120])  # trimmed, exact, slowed, slowed + held
def test_conform_gives_exactly_the_slot(provider_clip: Path, tmp_path: Path, n_frames: int) -> None:
    out = conform_clip(provider_clip, _request(tmp_path, n_frames), tmp_path / "slot.mp4")
    info = probe_video(out)
    assert (info.n_frames, info.width, info.height, info.fps) == (n_frames, 160, 90, 24)
    frames = decode_rgb(out).astype(int)
    if n_frames == 120:  # 2 s slowed 1.5× covers 3 s; the last 2 s hold the last frame
        assert np.abs(frames[-1] - frames[80]).max() <= 2
        assert np.abs(frames[40] - frames[0]).max() > 20, "the clip still moves before that"


def test_conform_refuses_empty_and_truncated_clips(provider_clip: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(provider_clip.read_bytes()[:2000])
    for bad in (empty, cut):
        out = tmp_path / f"out-{bad.stem}.mp4"
        with pytest.raises(MediaError, match=bad.name):
            conform_clip(bad, _request(tmp_path, 24), out)
        assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if ".partial" in p.name]


@dataclass
class FakeProvider:
    """A JobAdapter whose job passes through ``states``, then yields ``clip``."""

    clip: Path
    states: list[JobState]
    name: str = "fake"
    version: str = "1"
    capabilities: Capabilities = field(default_factory=lambda: Capabilities(durations=(2.0,)))
    polls: int = 0
    cancelled: list[str] = field(default_factory=list)

    def submit(self, request: ClipRequest) -> Job:
        return Job(adapter=self.name, id="job-1")

    def poll(self, job: Job) -> JobStatus:
        state = self.states[min(self.polls, len(self.states) - 1)]
        self.polls += 1
        return JobStatus(state, error="content policy" if state is JobState.FAILED else None)

    def cancel(self, job: Job) -> None:
        self.cancelled.append(job.id)

    def fetch(self, job: Job, out_path: Path) -> Path:
        out_path.write_bytes(self.clip.read_bytes())
        return out_path


def test_a_job_is_polled_with_backoff_then_conformed(provider_clip: Path, tmp_path: Path) -> None:
    waits: list[float] = []
    provider = FakeProvider(provider_clip, [JobState.QUEUED, JobState.RUNNING, JobState.SUCCEEDED])
    out = run_job(provider, _request(tmp_path, 36), tmp_path / "clip.mp4", sleep=waits.append)
    assert probe_video(out).n_frames == 36
    assert waits == [2.0, 3.0] and provider.polls == 3


def test_failed_hung_and_cancelled_jobs(provider_clip: Path, tmp_path: Path) -> None:
    request, out = _request(tmp_path, 24), tmp_path / "clip.mp4"
    failed = FakeProvider(provider_clip, [JobState.RUNNING, JobState.FAILED])
    with pytest.raises(ProviderError, match="content policy"):
        run_job(failed, request, out, sleep=lambda s: None)
    hung = FakeProvider(provider_clip, [JobState.RUNNING])
    with pytest.raises(ProviderError, match="did not finish"):
        run_job(hung, request, out, sleep=lambda s: None, timeout=0.0)
    assert hung.cancelled == ["job-1"]
    stopped = FakeProvider(provider_clip, [JobState.RUNNING])
    with pytest.raises(GenerationCancelled):
        run_job(stopped, request, out, sleep=lambda s: None, cancel=lambda: stopped.polls > 1)
    assert stopped.cancelled == ["job-1"] and not out.exists()


class PluginAdapter(MotionAdapter):
    """Stands for an adapter another package registers."""

    name = "plugin"


def test_packages_register_adapters_by_entry_point(monkeypatch: pytest.MonkeyPatch) -> None:
    points = [
        EntryPoint("Plugin", f"{__name__}:PluginAdapter", registry.ENTRY_POINT_GROUP),
        EntryPoint("motion", f"{__name__}:PluginAdapter", registry.ENTRY_POINT_GROUP),
    ]
    monkeypatch.setattr(registry, "entry_points", lambda group: points)
    assert isinstance(get_adapter("plugin"), PluginAdapter)
    assert type(get_adapter("motion")) is MotionAdapter, "a package cannot replace a built-in"
    assert "plugin" in [info.name for info in registry.adapter_infos()]
    with pytest.raises(UnknownAdapterError, match="plugin"):
        get_adapter("nope")
