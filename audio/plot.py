"""A one-image overview of a track's analysis, for people checking it before a cut.

Top panel: the waveform envelope, sections as coloured bands with their labels, beats as
thin lines, downbeats as thicker ones and, when known, vocal regions as a hatched lane.
Bottom panel: the energy curve on the same time axis. The title gives tempo, meter, key
and duration. Drawn with matplotlib's Agg canvas: no display or GUI backend is touched.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from audio.errors import AudioInputError
from audio.models import TrackAnalysis
from audio.validate import check_samples

logger = logging.getLogger(__name__)

SIZE = (1600, 600)  # pixels
DPI = 100
BACKGROUND = "#16181d"
PANEL = "#1e2128"
INK = "#e6e8ee"
MUTED = "#8b93a5"
WAVE = "#9fb4d6"
BEAT = "#c8ccd6"
DOWNBEAT = "#ffd166"
ENERGY = "#ff8c42"
VOCALS = "#7bdff2"
SECTION_COLOURS = {
    "intro": "#4c78a8",
    "verse": "#54a24b",
    "pre-chorus": "#eeca3b",
    "chorus": "#e45756",
    "bridge": "#b279a2",
    "breakdown": "#72b7b2",
    "drop": "#f58518",
    "outro": "#9d755d",
}
OTHER_COLOURS = ("#79706e", "#bab0ac", "#d67195", "#ff9da6")


def plot_analysis(
    *,
    y: np.ndarray,
    sr: int,
    analysis: TrackAnalysis,
    out: Path,
    size: tuple[int, int] = SIZE,
) -> Path:
    """Draw the analysis over the waveform and save it as a PNG.

    Parameters
    ----------
    y : np.ndarray, shape (n,)
        Mono samples of the analysed track at `sr` (any level; drawn peak-normalised).
    sr : int
        Sample rate of `y` in Hz.
    analysis : TrackAnalysis
        Beats, downbeats, sections, energy, key and vocals to draw (times in seconds).
    out : Path
        Target file; must end in ``.png`` and its folder must exist. Overwritten.
    size : tuple of int
        (width, height) of the image in pixels; at least 400 × 200.

    Returns
    -------
    Path
        `out`, once written.

    Raises
    ------
    AudioInputError
        `out` is not a ``.png`` path in an existing folder, `size` is too small, or `y`
        / `sr` are not a non-empty 1-D finite array and a positive sample rate.
    """
    out = Path(out)
    _check_input(y, sr, out, size)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    duration = max(float(analysis.duration), y.size / sr, 1e-3)
    if abs(y.size / sr - analysis.duration) > 1.0:
        logger.warning("samples last %.1f s, analysis %.1f s", y.size / sr, analysis.duration)
    fig = Figure(figsize=(size[0] / DPI, size[1] / DPI), dpi=DPI, facecolor=BACKGROUND)
    FigureCanvasAgg(fig)
    grid = fig.add_gridspec(2, 1, height_ratios=(3.2, 1.0), hspace=0.06)
    top = fig.add_subplot(grid[0])
    bottom = fig.add_subplot(grid[1], sharex=top)
    fig.subplots_adjust(left=0.045, right=0.985, top=0.9, bottom=0.09)
    for ax in (top, bottom):
        _style(ax)
        _draw_sections(ax, analysis, labels=ax is top)
    _draw_waveform(top, y, sr, width=size[0])
    _draw_beats(top, analysis)
    _draw_vocals(top, analysis)
    _draw_energy(bottom, analysis, duration)
    top.set_xlim(0.0, duration)
    top.tick_params(labelbottom=False)
    bottom.xaxis.set_major_formatter(_clock_formatter())
    bottom.set_xlabel("time", color=MUTED, fontsize=9, labelpad=2)
    _legend(top, analysis)
    fig.suptitle(_title(analysis), color=INK, fontsize=15, x=0.045, ha="left", y=0.965)
    fig.savefig(out, dpi=DPI, facecolor=BACKGROUND, format="png")
    logger.info("analysis plot written to %s", out)
    return out


def _title(analysis: TrackAnalysis) -> str:
    parts = []
    if analysis.steady_beat and analysis.tempo > 0:
        parts += [f"{analysis.tempo:.1f} BPM", analysis.meter]
    else:
        parts.append("no steady beat")
    if analysis.key is not None:
        unsure = " (uncertain)" if analysis.key.confidence < 0.3 else ""
        parts.append(analysis.key.name + unsure)
    parts.append(_clock(analysis.duration, precise=True))
    if analysis.mood is not None and analysis.mood.tags:
        parts.append(" · ".join(analysis.mood.tags[:3]))
    return "   |   ".join(parts)


def _draw_waveform(ax: Any, y: np.ndarray, sr: int, *, width: int) -> None:
    """Peak (light) and RMS (dark) envelopes, one column per output pixel at most."""
    columns = max(1, min(width, y.size))
    edges = np.linspace(0, y.size, columns + 1).astype(int)
    peak = np.maximum.reduceat(np.abs(y), edges[:-1])
    rms = np.sqrt(np.add.reduceat(np.asarray(y, dtype=float) ** 2, edges[:-1]) / np.diff(edges))
    scale = max(float(np.percentile(peak, 99)), 1e-9)  # a lone click must not flatten the rest
    peak, rms = np.minimum(peak / scale, 1.0), np.minimum(rms / scale, 1.0)
    times = (edges[:-1] + np.diff(edges) / 2) / sr
    ax.fill_between(times, -peak, peak, color=WAVE, alpha=0.55, lw=0)
    ax.fill_between(times, -rms, rms, color=WAVE, alpha=0.9, lw=0)
    ax.set_ylim(-1.12, 1.22)
    ax.set_yticks([])


def _draw_beats(ax: Any, analysis: TrackAnalysis) -> None:
    downbeats = np.asarray(analysis.downbeats, dtype=float)
    beats = np.asarray(analysis.beats, dtype=float)
    if downbeats.size:
        near = np.min(np.abs(beats[:, None] - downbeats[None, :]), axis=1) if beats.size else beats
        beats = beats[near > 1e-3] if beats.size else beats
    ax.vlines(beats, -1.0, 1.0, colors=BEAT, linewidth=0.8, alpha=0.55, zorder=3)
    ax.vlines(downbeats, -1.08, 1.08, colors=DOWNBEAT, linewidth=2.2, alpha=0.95, zorder=4)


def _draw_sections(ax: Any, analysis: TrackAnalysis, *, labels: bool) -> None:
    others = iter(OTHER_COLOURS * (len(analysis.sections) + 1))
    colours: dict[str, str] = {}
    for section in analysis.sections:
        base = section.label.rstrip("0123456789 ").lower()
        colour = SECTION_COLOURS.get(base) or colours.get(base) or next(others)
        colours[base] = colour
        ax.axvspan(section.start, section.end, color=colour, alpha=0.2, lw=0, zorder=0)
        ax.axvline(section.start, color=colour, lw=1.2, alpha=0.9, zorder=1)
        if labels:
            ax.text(
                (section.start + section.end) / 2,
                1.16,
                section.label,
                ha="center",
                va="center",
                fontsize=11,
                fontweight="bold",
                color=INK,
                clip_on=True,
                zorder=6,
                bbox={"boxstyle": "round,pad=0.25", "fc": colour, "ec": "none", "alpha": 0.85},
            )


def _draw_vocals(ax: Any, analysis: TrackAnalysis) -> None:
    for region in analysis.vocals:
        ax.fill_between(
            [region.start, region.end],
            -1.11,
            -1.01,
            facecolor="none",
            edgecolor=VOCALS,
            hatch="////",
            lw=0.8,
            zorder=5,
        )


def _draw_energy(ax: Any, analysis: TrackAnalysis, duration: float) -> None:
    values = np.asarray(analysis.energy.values, dtype=float)
    times = (np.arange(values.size) + 0.5) * analysis.energy.hop
    if values.size:
        ax.fill_between(times, 0, values, color=ENERGY, alpha=0.25, lw=0, zorder=2)
        ax.plot(times, values, color=ENERGY, lw=1.8, zorder=3)
    ax.set_ylim(0, 1.05)
    ax.set_yticks([0, 0.5, 1])
    ax.set_ylabel("energy", color=MUTED, fontsize=9, labelpad=2)
    ax.set_xlim(0, duration)


def _legend(ax: Any, analysis: TrackAnalysis) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Any] = [
        Line2D([], [], color=BEAT, lw=0.8, label="beat"),
        Line2D([], [], color=DOWNBEAT, lw=2.2, label="downbeat"),
        Line2D([], [], color=ENERGY, lw=1.8, label="energy"),
    ]
    if analysis.vocals:
        handles.append(Patch(facecolor="none", edgecolor=VOCALS, hatch="////", label="vocals"))
    legend = ax.legend(
        handles=handles,
        loc="lower right",
        bbox_to_anchor=(1.0, 1.02),
        ncol=len(handles),
        frameon=False,
        fontsize=9,
        labelcolor=INK,
        borderaxespad=0,
        handlelength=1.6,
    )
    legend.set_zorder(7)


def _style(ax: Any) -> None:
    ax.set_facecolor(PANEL)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.tick_params(colors=MUTED, labelsize=9, length=3)
    ax.grid(False)


def _clock_formatter() -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda seconds, _pos: _clock(seconds))


def _clock(seconds: float, *, precise: bool = False) -> str:
    minutes, rest = divmod(max(float(seconds), 0.0), 60.0)
    return f"{int(minutes)}:{rest:04.1f}" if precise else f"{int(minutes)}:{int(rest):02d}"


def _check_input(y: np.ndarray, sr: int, out: Path, size: tuple[int, int]) -> None:
    if out.suffix.lower() != ".png":
        raise AudioInputError(f"out must be a .png file, got {str(out)!r}")
    if not out.parent.is_dir():
        raise AudioInputError(f"out folder {str(out.parent)!r} does not exist; create it first")
    if len(size) != 2 or min(size) < 200 or size[0] < 400:
        raise AudioInputError(f"size must be (width ≥ 400, height ≥ 200) pixels, got {size}")
    check_samples(y, sr)
