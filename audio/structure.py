"""Energy curve and sections: boundaries where the arrangement changes, on bar lines;
labels from which parts repeat and how intense they are."""

from __future__ import annotations

import itertools

import numpy as np

from audio.features import HOP, N_FFT, Features
from audio.models import EnergyCurve, Section
from audio.section_labels import group_sections, name_sections

ENERGY_HOP = 0.25
FLOOR_DB = -60.0

MIN_BARS = 8  # shorter tracks are one section
FALLBACK_BAR = 4.0  # seconds per grid step when there are no downbeats
BANDS = 8  # coarse mel bands: which layers play (bass, drums, pads) shows here first
# The smallest change per bar that counts as a change, per feature group (its own units).
FLOORS = {"bands": 0.5, "timbre": 0.5, "harmony": 0.02, "loudness": 0.5, "onsets": 0.01}
TEXTURE = {"bands": 2.0, "timbre": 1.0, "loudness": 1.0, "onsets": 0.7, "harmony": 0.5}  # weights
CLIP = 3.0  # robust z-scores are clipped here: one crash cymbal is not a section
BOUNDARY_COST = 1.5  # seconds of complete dissimilarity a boundary must explain
PHRASE_COST = 1.0  # extra cost of an inner section that is not a multiple of 4 bars
MIN_SECTION_BARS = 2
MIN_LAST_BARS = 4  # the final chord ringing out is not an outro
MIN_LAST_STEPS = 3  # the same without bars: 12 s


def energy_curve(y: np.ndarray, sr: int) -> EnergyCurve:
    """RMS loudness every 0.25 s, smoothed over 1 s, mapped to 0 … 1 (-60 dBFS … peak)."""
    import librosa

    hop = int(sr * ENERGY_HOP)
    rms = librosa.feature.rms(y=y, frame_length=2 * hop, hop_length=hop, center=True)[0]
    db = 20 * np.log10(np.maximum(rms, 1e-6))
    kernel = np.ones(4) / 4
    smooth = np.convolve(np.pad(db, 2, mode="edge"), kernel, mode="same")[2:-2]
    top = float(smooth.max()) if smooth.size else 0.0
    norm = np.clip((smooth - FLOOR_DB) / max(top - FLOOR_DB, 1e-6), 0.0, 1.0)
    return EnergyCurve(hop=ENERGY_HOP, values=[round(float(v), 4) for v in norm])


def find_sections(
    features: Features,
    *,
    downbeats: np.ndarray,
    duration: float,
    energy: EnergyCurve,
) -> list[Section]:
    """Split the track at bar lines where the arrangement changes and name the parts.

    Boundaries: the optimal partition of the bars under a kernel change-point cost on
    per-bar texture (mel bands, MFCC, loudness, onset density, less so chroma), one
    penalty per boundary and a smaller one for inner sections that are not whole 4-bar
    phrases. Labels: parts
    that sound alike and repeat their harmony form a group; the most intense repeated
    group is the chorus, other repeats verses, a quieter one-off late in the song a
    bridge, a one-off or short quiet opening the intro, a quiet ending the outro.
    """
    if duration <= 0:
        return []
    grid, phrased = bar_lines(np.asarray(downbeats, dtype=float), duration)
    spans = [(0, grid.size - 1)]
    groups: list[int] = [0]
    intensity = [0.0]
    if grid.size - 1 >= MIN_BARS:
        bars = _bar_features(features, grid)
        texture = _affinity(_stack(bars, TEXTURE))
        cuts = _partition(texture, np.diff(grid), phrased=phrased)
        spans = list(itertools.pairwise([0, *cuts, grid.size - 1]))
        groups = group_sections(spans, texture, _affinity(_stack(bars, {"harmony": 1.0})))
        per_bar = np.mean([bars[k].mean(axis=0) for k in ("loudness", "bands", "onsets")], 0)
        intensity = [float(np.median(per_bar[a:b])) for a, b in spans]
    times = [(float(grid[a]), float(grid[b])) for a, b in spans]
    labels = name_sections(times, groups, intensity, duration)
    levels = [energy.mean(a, b) for a, b in times]
    return [
        Section(start=round(a, 6), end=round(b, 6), label=label, energy=round(level, 4))
        for (a, b), label, level in zip(times, labels, levels, strict=True)
    ]


def bar_lines(downbeats: np.ndarray, duration: float) -> tuple[np.ndarray, bool]:
    """Bar lines from 0 to `duration`, both included: the downbeats, continued at the
    median bar length before the first and after the last. Without downbeats a line every
    4 s, and `False`: those steps are no bars, so no phrase lengths apply."""
    downbeats = np.sort(downbeats[(downbeats > 0) & (downbeats < duration)])
    if downbeats.size < 2:
        lines = np.arange(0.0, duration - 0.5 * FALLBACK_BAR, FALLBACK_BAR)
        return np.append(lines if lines.size else [0.0], duration), False
    period = float(np.median(np.diff(downbeats)))
    before = downbeats[0] - period * np.arange(int(downbeats[0] / period), 0, -1)
    after = downbeats[-1] + period * np.arange(1, int((duration - downbeats[-1]) / period) + 1)
    lines = np.concatenate([before, downbeats, after])
    lines = lines[(lines > 0.5 * period) & (lines < duration - 0.5 * period)]  # no slivers
    return np.concatenate([[0.0], lines, [duration]]), True


def _bar_features(features: Features, grid: np.ndarray) -> dict[str, np.ndarray]:
    """Per-bar means of each feature group, robustly standardised; (dims, bars) each."""
    n_frames = features.onset.size
    edge = min(N_FFT // (2 * HOP), max((n_frames - 1) // 2, 0))  # frames that see padding
    frames = np.clip(np.round(grid * features.sr / HOP).astype(int), edge, n_frames - edge)
    starts = np.minimum(frames[:-1], n_frames - edge - 1)
    ends = np.maximum(frames[1:], starts + 1)
    raw = {
        "bands": np.stack([b.mean(axis=0) for b in np.array_split(features.mel_db, BANDS)]),
        "timbre": features.mfcc[1:],
        "harmony": features.chroma,
        "loudness": 20 * np.log10(features.rms[np.newaxis] + 1e-6),
        "onsets": np.log1p(np.vstack([features.onset, features.low_onset])),
    }
    out = {}
    for name, frame_values in raw.items():
        total = np.cumsum(np.pad(frame_values, ((0, 0), (1, 0))), axis=1)
        means = (total[:, ends] - total[:, starts]) / (ends - starts)
        out[name] = _robust_z(means, FLOORS[name])
    return out


def _stack(bars: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
    """The weighted groups one above the other, each group's weight spread over its rows."""
    return np.vstack([bars[k] * w / np.sqrt(bars[k].shape[0]) for k, w in weights.items()])


def _robust_z(values: np.ndarray, floor: float) -> np.ndarray:
    """(value - median) / spread per row, clipped at ±CLIP; the spread from the quartiles,
    at least half the standard deviation and at least `floor`."""
    low, mid, high = np.percentile(values, [25, 50, 75], axis=1, keepdims=True)
    spread = np.maximum((high - low) / 1.35, 0.5 * values.std(axis=1, keepdims=True))
    spread = np.maximum(spread, floor)
    return np.clip((values - mid) / spread, -CLIP, CLIP)


def _affinity(units: np.ndarray) -> np.ndarray:
    """Gaussian affinity between the columns, its width the median squared distance (but
    at least 0.5: bars that differ by less than the floors stay alike)."""
    sq = np.sum(units**2, axis=0)
    dist = np.maximum(sq[:, None] + sq[None, :] - 2 * units.T @ units, 0)
    scale = np.median(dist[np.triu_indices(dist.shape[0], 1)]) if dist.shape[0] > 1 else 1.0
    return np.exp(-dist / max(float(scale), 0.5))


def _partition(sim: np.ndarray, seconds: np.ndarray, *, phrased: bool) -> list[int]:
    """Bar indices of the boundaries minimising, by dynamic programming, each section's
    kernel scatter (seconds-weighted) plus a cost per boundary and per broken phrase."""
    n = sim.shape[0]
    weighted = sim * seconds[:, None] * seconds[None, :]
    block = np.zeros((n + 1, n + 1))
    block[1:, 1:] = weighted.cumsum(0).cumsum(1)
    self_sum = np.concatenate([[0.0], np.cumsum(np.diag(sim) * seconds)])
    elapsed = np.concatenate([[0.0], np.cumsum(seconds)])
    best = np.full(n + 1, np.inf)
    best[0] = 0.0
    back = np.zeros(n + 1, dtype=int)
    last_min = MIN_LAST_BARS if phrased else MIN_LAST_STEPS
    for end in range(MIN_SECTION_BARS, n + 1):
        start = np.arange(0, end - MIN_SECTION_BARS + 1)
        inside = block[end, end] - block[start, end] - block[end, start] + block[start, start]
        scatter = self_sum[end] - self_sum[start] - inside / (elapsed[end] - elapsed[start])
        total = best[start] + scatter + BOUNDARY_COST
        if phrased:
            broken = (start > 0) & (end < n) & ((end - start) % 4 != 0)
            total = total + PHRASE_COST * broken
        if end == n:
            total[end - start < last_min] = np.inf
        k = int(np.argmin(total))
        best[end], back[end] = total[k], start[k]
    cuts = []
    at = int(back[n])
    while at > 0:
        cuts.append(at)
        at = int(back[at])
    return cuts[::-1]
