"""mir_eval scores for one track: beats, downbeats, section boundaries and labels.

Beats and downbeats follow mir_eval's convention of ignoring the first 5 s
(`mir_eval.beat.trim_beats`) on both sides; section boundaries are matched one-to-one
within ±3 s (`mir_eval.util.match_events`), first and last (start/end of the track)
excluded; section labels are compared over time.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

TARGETS = {"beat_f": 0.95, "cmlt": 0.90, "downbeat_f": 0.85, "section_hit": 0.85}
SECTION_WINDOW = 3.0
LABEL_ALIASES = {"break": "bridge"}  # truth label -> the analyzer's name for that role


def beat_scores(reference: Sequence[float], estimate: Sequence[float]) -> dict[str, float]:
    """F-measure (±70 ms), CMLt and AMLt of estimated against reference beat times."""
    import mir_eval

    ref = mir_eval.beat.trim_beats(np.asarray(reference, dtype=float))
    est = mir_eval.beat.trim_beats(np.sort(np.asarray(estimate, dtype=float)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # mir_eval warns on empty estimates, scoring them 0
        f = mir_eval.beat.f_measure(ref, est)
        _, cmlt, _, amlt = mir_eval.beat.continuity(ref, est)
    return {"f": float(f), "cmlt": float(cmlt), "amlt": float(amlt)}


def downbeat_f(reference: Sequence[float], estimate: Sequence[float]) -> float:
    """F-measure (±70 ms) of downbeats, same trimming as beats."""
    return beat_scores(reference, estimate)["f"]


def boundary_scores(
    reference: Sequence[float], estimate: Sequence[float], window: float = SECTION_WINDOW
) -> dict[str, float]:
    """Hit rate (recall) and precision of internal section boundaries within `window` s."""
    import mir_eval

    ref, est = np.asarray(reference, dtype=float), np.asarray(estimate, dtype=float)
    matched = len(mir_eval.util.match_events(ref, est, window)) if ref.size and est.size else 0
    return {
        "hit": matched / ref.size if ref.size else 1.0,
        "precision": matched / est.size if est.size else 0.0,
    }


def label_agreement(
    reference: Sequence[tuple[float, float, str]], estimate: Sequence[tuple[float, float, str]]
) -> float:
    """Fraction of the reference sections' time where the estimated (start, end, label)
    sections carry the same label; reference labels go through `LABEL_ALIASES` first."""
    total = sum(end - start for start, end, _ in reference)
    if total <= 0:
        return 0.0
    same = sum(
        max(0.0, min(r_end, e_end) - max(r_start, e_start))
        for r_start, r_end, r_label in reference
        for e_start, e_end, e_label in estimate
        if LABEL_ALIASES.get(r_label, r_label) == e_label
    )
    return same / total
