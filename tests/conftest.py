"""Shared fixtures: an isolated data dir per test, the demo track, real music."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.support.postgres import make_postgres_database, postgres_server

__all__ = ["make_postgres_database", "postgres_server"]


WARM_UP = """
import sys, tempfile
from pathlib import Path
from audio.analyze import analyze
from audio.demo import synthesize_demo
folder = Path(tempfile.mkdtemp())
synthesize_demo(folder / "demo.wav")
analyze(folder / "demo.wav")
"""


def pytest_configure(config: pytest.Config) -> None:
    """One numba cache for the whole run, subprocesses included, filled before any test runs.

    librosa's kernels compile once (about 30 s) instead of once per command-line test with
    its own data dir. They are compiled by a plain process first: on fresh venvs, kernels
    first compiled inside the test workers (or two workers at once) left cache entries that
    crashed every later reader with SIGSEGV in librosa's beat tracker.
    """
    cache = Path(tempfile.gettempdir()) / "storybeat-tests-numba"
    os.environ.setdefault("NUMBA_CACHE_DIR", str(cache))
    if "PYTEST_XDIST_WORKER" in os.environ:
        return  # the controller has warmed it
    subprocess.run([sys.executable, "-c", WARM_UP], check=True, timeout=600)


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own STORYBEAT_DATA_DIR; nothing touches the user's."""
    data = tmp_path / "storybeat-data"
    monkeypatch.setenv("STORYBEAT_DATA_DIR", str(data))
    monkeypatch.delenv("STORYBEAT_DATABASE_URL", raising=False)
    return data


@pytest.fixture(scope="session")
def demo_track(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from audio.demo import synthesize_demo

    path = tmp_path_factory.mktemp("demo") / "demo.wav"
    synthesize_demo(path)
    return path


@pytest.fixture(scope="session")
def short_track(demo_track: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's first 30 s (8 to 10 shots): for end-to-end tests that render more than once."""
    import soundfile

    audio, rate = soundfile.read(demo_track)
    path = tmp_path_factory.mktemp("short") / "short.wav"
    soundfile.write(path, audio[: 30 * rate], rate, subtype="PCM_16")
    return path


@pytest.fixture(scope="session")
def rag_track(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Joplin's Maple Leaf Rag (music21 corpus), first 24 bars, rendered with fluidsynth."""
    from tests.support.music import render_score

    path = tmp_path_factory.mktemp("rag") / "maple_leaf_rag.wav"
    render_score(path)
    return path
