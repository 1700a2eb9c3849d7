"""Plain-text report lines: the per-track table, means, targets, alignment and speed."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bench.audio.score import TARGETS

Row = dict[str, object]
MEANS = ("base_f", "base_cmlt", "f", "cmlt", "amlt", "downbeat_f", "section_hit",
         "section_precision", "section_label", "seconds", "hint_f", "hint_cmlt",
         "hint_downbeat_f", "one_downbeat_f")  # fmt: skip


def _num(key: str, digits: int) -> Callable[[Row], str]:
    return lambda r: f"{float(r.get(key, 0.0)):.{digits}f}"  # type: ignore[arg-type]


COLUMNS: tuple[tuple[str, int, Callable[[Row], str]], ...] = (
    ("track", 18, lambda r: str(r["name"])[:18]),
    ("genre", 16, lambda r: str(r["genre"])[:16]),
    ("meter", 9, lambda r: str(r["meter_text"])),
    ("bpm", 9, lambda r: str(r["bpm_text"])),
    ("base F", 6, _num("base_f", 3)),
    ("CMLt", 5, _num("base_cmlt", 2)),
    ("ours F", 6, _num("f", 3)),
    ("CMLt", 5, _num("cmlt", 2)),
    ("AMLt", 5, _num("amlt", 2)),
    ("db F", 5, _num("downbeat_f", 2)),
    ("sec", 5, _num("section_hit", 2)),
    ("secP", 5, _num("section_precision", 2)),
    ("lab", 5, _num("section_label", 2)),
    ("s", 5, _num("seconds", 1)),
    ("hint F", 6, _num("hint_f", 3)),
    ("hdb F", 5, _num("hint_downbeat_f", 2)),
)
LEGEND = (
    "meter: truth[/ours when different]; bpm: truth/ours; base = librosa.beat.beat_track; "
    "F = beat F-measure (±70 ms),\nCMLt/AMLt = mir_eval continuity; db F = downbeat "
    "F-measure; beats and downbeats ignore the first 5 s (mir_eval);\nsec/secP = section "
    "boundary hit rate / precision within ±3 s; lab = share of the time our section label is "
    "the truth's\n(break counts as bridge; a/b, hook, drop ... never match); s = seconds for "
    "audio.analyze;\nhint F / hdb F = beat / downbeat F when the musician gives the tempo and "
    "meter (--bpm/--meter)"
)


def mean_row(rows: list[Row]) -> Row:
    """Means of the numeric columns, labelled like a track row."""
    mean: Row = {k: float(np.mean([float(r.get(k, 0.0)) for r in rows])) for k in MEANS}  # type: ignore[arg-type]
    meters = sum(r["ours_meter"] == r["meter"] for r in rows)
    mean.update(name="MEAN", genre=f"{len(rows)} tracks", meter_text=f"{meters}/{len(rows)} ok")
    mean["bpm_text"] = ""
    return mean


def table(rows: list[Row]) -> list[str]:
    """Header, one line per track, then the mean line."""

    def line(cells: list[str]) -> str:
        return " ".join(
            c.ljust(w) if i < 2 else c.rjust(w)
            for i, (c, (_, w, _)) in enumerate(zip(cells, COLUMNS, strict=True))
        )

    lines = [line([name for name, _, _ in COLUMNS])]
    lines += [line([fmt(r) for _, _, fmt in COLUMNS]) for r in [*rows, mean_row(rows)]]
    return lines


def verdicts(rows: list[Row]) -> list[str]:
    """Each target against our mean, then the baseline's beat scores."""
    mean = mean_row(rows)
    lines = ["targets (ours, mean over tracks):"]
    for key, label, target in (
        ("f", "beat F-measure", TARGETS["beat_f"]),
        ("cmlt", "beat CMLt", TARGETS["cmlt"]),
        ("downbeat_f", "downbeat F-measure", TARGETS["downbeat_f"]),
        ("section_hit", "section hit rate ±3 s", TARGETS["section_hit"]),
    ):
        value = float(mean[key])  # type: ignore[arg-type]
        verdict = "PASS" if value >= target else "FAIL"
        lines.append(f"  {label:<24} {value:.3f}  target ≥ {target:.2f}  {verdict}")
    agreement = float(mean["section_label"])  # type: ignore[arg-type]
    lines.append(f"  {'section label agreement':<24} {agreement:.3f}  (reported, no target)")
    lines.append(
        "  with the musician's tempo and meter (--bpm/--meter): "
        f"F {float(mean['hint_f']):.3f}, CMLt {float(mean['hint_cmlt']):.3f}, "  # type: ignore[arg-type]
        f"downbeat F {float(mean['hint_downbeat_f']):.3f} "
        f"({float(mean['one_downbeat_f']):.3f} with the first bar start, --downbeat)"  # type: ignore[arg-type]
    )
    lines.append(
        f"  baseline librosa beat_track: F {float(mean['base_f']):.3f}, "  # type: ignore[arg-type]
        f"CMLt {float(mean['base_cmlt']):.3f}"  # type: ignore[arg-type]
    )
    lines += [f"  analyze crashed on {r['name']}: {r['error']}" for r in rows if "error" in r]
    return lines


def alignment(truths: list[dict], clicks: np.ndarray) -> list[str]:
    lags = [t["alignment"]["onset_lag_ms"] for t in truths]
    firsts = [t["alignment"]["first_sound_offset_ms"] for t in truths]
    return [
        "render alignment vs score (how much later the audio is):",
        f"  claves click probe, 4 tempi: {clicks.min():.1f}..{clicks.max():.1f} ms "
        f"(mean {clicks.mean():.1f}) to the first sample",
        f"  per track, onset-envelope lag {min(lags):.1f}..{max(lags):.1f} ms "
        "(the estimator reads 1.5 ms on exact synthetic clicks)",
        f"  per track, first sound after first note {min(firsts):.1f}..{max(firsts):.1f} ms",
    ]


def speed(source: str, result: dict[str, float], limit: float = 8.0) -> list[str]:
    verdict = "PASS" if result["warm_s"] <= limit else "FAIL"
    return [
        f"speed, 240 s track ({source} looped):",
        f"  cold: new process to first result {result['cold_s']:.1f} s "
        f"(import audio {result['import_s']:.1f} s, first analyze {result['first_s']:.1f} s)",
        f"  warm: second analyze in the same process {result['warm_s']:.1f} s  "
        f"target ≤ {limit:g} s  {verdict}",
    ]
