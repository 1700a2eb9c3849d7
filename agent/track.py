"""Bring a track into the project: validate, decode once, analyse once (cached by content)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import audio
from agent.studio import Studio
from storage import cache_get, cache_put

MASTER_CACHE = "master:"


@dataclass(frozen=True)
class PreparedTrack:
    """The analysed track and its soundtrack master in the media store."""

    path: Path
    content_hash: str
    master: str
    analysis: audio.TrackAnalysis

    def as_state(self) -> dict[str, object]:
        return {
            "filename": self.path.name,
            "content_hash": self.content_hash,
            "master": self.master,
            "duration": self.analysis.duration,
        }


def prepare_track(
    studio: Studio, path: Path, hint: audio.RhythmHint | None = None
) -> PreparedTrack:
    """Decode and analyse `path` unless an identical file (and hint) was prepared before."""
    path = Path(path)
    if not path.is_file():
        raise audio.AudioFileNotFoundError(f"track not found: {str(path)!r}")
    digest = audio.content_hash(path)
    cache_dir = studio.settings.cache_dir / "analysis"
    analysis = audio.load_cached(cache_dir, digest, hint)
    with studio.db.session() as session:
        hit = cache_get(session, MASTER_CACHE + digest)
        master = hit.media if hit is not None and hit.media else None
    if analysis is not None and master is not None and studio.media.exists(master):
        studio.stat("analysis").reused += 1
        studio.on_progress("analysis", 1, 1)
        return PreparedTrack(path, digest, master, analysis)
    decoded = audio.load_track(path, max_duration=studio.settings.max_track_minutes * 60)
    studio.on_progress("analysis", 0, 1)
    with tempfile.TemporaryDirectory(dir=studio.settings.data_dir) as tmp:
        wav = Path(tmp) / "master.wav"
        audio.write_master(decoded, wav)
        master = studio.media.put_file(wav)
    with studio.db.session() as session:
        cache_put(session, MASTER_CACHE + digest, kind="master", media=master)
    analysis = audio.analyze_decoded(decoded, digest, hint)
    audio.store_cached(cache_dir, analysis)
    studio.stat("analysis").made += 1
    studio.on_progress("analysis", 1, 1)
    return PreparedTrack(path, digest, master, analysis)
