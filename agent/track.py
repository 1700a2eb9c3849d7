"""Bring a track into the project: validate, decode once, analyse once (cached by content)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import audio
from agent.schemas import RenderOptions
from agent.studio import Studio
from storage import cache_get, cache_put

MASTER_CACHE = "master:"
EXCERPT_CACHE = "excerpt:"  # a Short's cut of a master, by master and window
FADE_IN = 0.01  # seconds: no click where a Short starts
FADE_OUT = 0.75  # seconds: a Short that stops mid-song fades out


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


def prepare_for(studio: Studio, path: Path, options: RenderOptions) -> PreparedTrack:
    """The track as ``options`` use it: analysed, with the lyrics timed when given, and cut to
    the strongest section for Shorts."""
    prepared = prepare_track(studio, path, options.rhythm)
    if options.lyrics is not None:
        lyrics = audio.with_lyrics(
            prepared.analysis,
            options.lyrics,
            track=prepared.path,
            max_duration=studio.settings.max_track_minutes * 60,
        )
        prepared = PreparedTrack(prepared.path, prepared.content_hash, prepared.master, lyrics)
    if options.template == "shorts":
        from agent.planner.excerpt import shorts_window

        prepared = excerpt_track(studio, prepared, *shorts_window(prepared.analysis))
    return prepared


def excerpt_track(
    studio: Studio, prepared: PreparedTrack, start: float, end: float
) -> PreparedTrack:
    """``prepared`` cut to ``start``–``end`` seconds: a new master (faded at its edges; cut
    once, then cached) and the analysis of just that stretch."""
    import numpy as np
    import soundfile

    from audio.excerpt import excerpt_analysis

    analysis = excerpt_analysis(prepared.analysis, start, end)
    key = f"{EXCERPT_CACHE}{prepared.master}@{start:.4f}-{end:.4f}"
    with studio.db.session() as session:
        hit = cache_get(session, key)
    if hit is not None and hit.media and studio.media.exists(hit.media):
        return PreparedTrack(prepared.path, prepared.content_hash, hit.media, analysis)
    samples, rate = soundfile.read(
        str(studio.media.path(prepared.master)), always_2d=True, dtype="float32"
    )
    cut = samples[round(start * rate) : round(end * rate)].copy()
    fade_in = min(int(FADE_IN * rate), len(cut))
    cut[:fade_in] *= np.linspace(0.0, 1.0, fade_in, dtype=np.float32)[:, None]
    if end < prepared.analysis.duration - 0.05:
        fade_out = min(int(FADE_OUT * rate), len(cut))
        cut[len(cut) - fade_out :] *= np.linspace(1.0, 0.0, fade_out, dtype=np.float32)[:, None]
    with tempfile.TemporaryDirectory(dir=studio.settings.data_dir) as tmp:
        wav = Path(tmp) / "excerpt.wav"
        soundfile.write(str(wav), cut, rate, subtype="PCM_16")
        master = studio.media.put_file(wav)
    with studio.db.session() as session:
        cache_put(session, key, kind="master", media=master)
    return PreparedTrack(prepared.path, prepared.content_hash, master, analysis)
