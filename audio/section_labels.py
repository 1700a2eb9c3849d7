"""Section labels: which parts repeat (sound and harmony) and how intense they are."""

from __future__ import annotations

import itertools

import numpy as np

SAME_SOUND = 0.2  # largest kernel distance (MMD²) between repeats of one part
SAME_HARMONY = 0.75  # least bar-by-bar harmonic similarity between repeats of one part
QUIETER = 0.2  # intensity (z units) below the chorus that makes a part quieter
SHORT = 0.75  # of the median section length: a short opening or ending
OUTSHINE = 0.5  # a one-off part this much more intense than the repeated one is the chorus


def group_sections(
    spans: list[tuple[int, int]], texture: np.ndarray, harmony: np.ndarray
) -> list[int]:
    """A group number per section: sections that sound alike (kernel distance between
    their bars) and play the same harmony bar for bar (aligned at their starts, ±1 bar)."""
    m = len(spans)
    distance = np.zeros((m, m))
    aligned = np.eye(m)
    for i, j in itertools.combinations(range(m), 2):
        (a0, a1), (b0, b1) = spans[i], spans[j]
        distance[i, j] = distance[j, i] = (
            texture[a0:a1, a0:a1].mean()
            + texture[b0:b1, b0:b1].mean()
            - 2 * texture[a0:a1, b0:b1].mean()
        )
        scores = []
        for shift in (-1, 0, 1):
            length = min(a1 - a0 + min(shift, 0), b1 - b0 - max(shift, 0))
            if length >= 2:
                steps = np.arange(length)
                scores.append(harmony[a0 - min(shift, 0) + steps, b0 + max(shift, 0) + steps])
        aligned[i, j] = aligned[j, i] = max((float(s.mean()) for s in scores), default=0.0)
    members: list[list[int]] = []
    groups = []
    for i in range(m):
        fits = [
            k
            for k, group in enumerate(members)
            if distance[i, group].mean() <= SAME_SOUND and aligned[i, group].mean() >= SAME_HARMONY
        ]
        if fits:
            k = min(fits, key=lambda k: distance[i, members[k]].mean())
            members[k].append(i)
        else:
            k = len(members)
            members.append([i])
        groups.append(k)
    return groups


def name_sections(
    times: list[tuple[float, float]], groups: list[int], intensity: list[float], duration: float
) -> list[str]:
    """intro / verse / chorus / bridge / outro from repetition, intensity and position."""
    m = len(times)
    if m == 1:
        return ["verse"]
    body = list(range(1, m - 1)) or [1]
    lengths = [b - a for a, b in times]
    short = [length < SHORT * float(np.median(lengths)) for length in lengths]

    def repeated(i: int) -> bool:  # its group has another section anywhere in the song
        return groups.count(groups[i]) > 1

    def intensity_of(group: int) -> float:
        return float(np.mean([intensity[i] for i in range(m) if groups[i] == group]))

    peak = max(range(1, m), key=lambda i: intensity[i])
    intro = not repeated(0) or (short[0] and intensity[0] < intensity[peak] - QUIETER)
    candidates = {groups[i] for i in body if repeated(i)} - ({groups[0]} if intro else set())
    chorus = max(candidates, key=intensity_of) if candidates else groups[peak]
    if intensity[peak] > intensity_of(chorus) + OUTSHINE:
        chorus, candidates = groups[peak], set()
    level = intensity_of(chorus)

    def recurs(i: int) -> bool:  # ... other than as the intro
        return any(groups[j] == groups[i] for j in range(int(intro), m) if j != i)

    labels: list[str] = []
    for i, (start, _) in enumerate(times):
        quiet = intensity[i] < level - QUIETER
        if i == 0 and intro:
            labels.append("intro")
        elif i == m - 1 and m > 2 and quiet and (not repeated(i) or short[i]):
            labels.append("outro")
        elif groups[i] == chorus or (not quiet and not candidates and not repeated(i)):
            labels.append("chorus")
        elif not recurs(i) and start >= duration / 2 and "chorus" in labels:
            labels.append("bridge")
        else:
            labels.append("verse")
    return labels
