"""Lyrics timing: parse .lrc files, or spread plain-text lyrics over the sung parts of a track."""

from __future__ import annotations

import bisect
import itertools
import logging
import math
import re
from pathlib import Path

from audio.errors import LyricsError
from audio.models import LyricLine, Section, TimeRegion

logger = logging.getLogger(__name__)

LAST_LINE_SECONDS = 8.0  # how long the final timed line of an .lrc file stays up, at most
EDGE_FRACTION = 0.05  # with no vocal or section hints, skip this much at each end of the track
MIN_REGION_SECONDS = 0.25  # vocal regions shorter than this, or gaps narrower, are noise
UNSUNG_LABELS = ("intro", "outro")

_STAMP = re.compile(r"(\d{1,3}):(\d{1,2})(?:[.:](\d{1,3}))?")
_TAG = re.compile(r"([A-Za-z#][\w#]*)\s*:(.*)")
_BRACKET = re.compile(r"\[([^\]]*)\]")
_WORD_STAMP = re.compile(r"<\d{1,3}:\d{1,2}(?:[.:]\d{1,3})?>")
_LOOKS_TIMED = re.compile(r"\s*\[\d{1,3}:\d")
_HEADING = re.compile(  # "[Chorus]", "Verse 2:" in plain lyrics; "(ooh, ooh)" is sung, so kept
    r"\[[^\]]*\]|(?:pre-?)?(?:verse|chorus|bridge|intro|outro|hook|refrain)\s*\d*\s*:",
    re.IGNORECASE,
)
_VOWELS = re.compile(r"[aeiouyàáâãäåæèéêëìíîïòóôõöøùúûüýÿœ]+", re.IGNORECASE)
_SYLLABIC_CHARS = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")  # kana, CJK, hangul


def parse_lrc(text: str, *, duration: float) -> list[LyricLine]:
    """Timed lines from the text of an .lrc file.

    Parameters
    ----------
    text : str
        The file's contents. Understood: ``[mm:ss.xx]``, ``[mm:ss:xx]`` and ``[mm:ss]`` stamps,
        several stamps before one line (a repeated chorus), an ``[offset:+/-ms]`` tag (positive
        shows lyrics sooner), enhanced word stamps ``<mm:ss.xx>`` (dropped). Metadata tags
        (``[ar:]``, ``[ti:]``, ``[al:]``, ``[by:]``, ``[length:]``, ...) and untimed lines are
        ignored. A stamp with no text marks an instrumental break: it ends the previous line.
    duration : float
        Track length in seconds; no stamp may lie past it.

    Returns
    -------
    list of LyricLine
        Sorted by start; each line ends where the next stamp starts, the last one
        ``LAST_LINE_SECONDS`` later or at the track's end. Lines sharing a start are joined
        with `` / ``. Times in seconds.

    Raises
    ------
    LyricsError
        No timed line, a malformed stamp or offset, or a stamp past `duration`; the message
        gives the line number and its text.
    """
    _check_duration(duration)
    offset = 0.0
    stamped: list[tuple[float, int, str, str]] = []  # (raw time, line number, text, source line)
    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        times, rest, line_offset = _parse_lrc_line(raw, number)
        if line_offset is not None:
            offset = line_offset
        text_part = " ".join(_WORD_STAMP.sub(" ", rest).split())
        stamped.extend((t, number, text_part, raw.strip()) for t in times)
    if not any(entry[2] for entry in stamped):
        raise LyricsError(
            "the .lrc lyrics hold no timed line: expected lines like '[00:12.50] text'"
        )
    events: list[tuple[float, str]] = []
    for raw_time, number, text_part, source in stamped:
        time = raw_time - offset
        if time > duration or (text_part and time >= duration):
            raise LyricsError(
                f"line {number} ({source!r}) is timed at {time:.2f} s, past the end of the "
                f"{duration:.2f} s track"
            )
        events.append((max(time, 0.0), text_part))
    return _lines_from_events(events, duration=duration)


def _parse_lrc_line(raw: str, number: int) -> tuple[list[float], str, float | None]:
    """Leading stamps (seconds), the remaining text, and an [offset:] value if the line sets one."""
    rest = raw.strip()
    times: list[float] = []
    offset: float | None = None
    while rest.startswith("["):
        match = _BRACKET.match(rest)
        if match is None:  # an unclosed bracket
            if rest[1:2].isdigit():
                raise LyricsError(
                    f"line {number} ({raw.strip()!r}) has an unclosed timestamp: "
                    "expected [mm:ss.xx], [mm:ss:xx] or [mm:ss]"
                )
            break
        content = match.group(1).strip()
        if content[:1].isdigit():
            stamp = _STAMP.fullmatch(content)
            if stamp is None or int(stamp.group(2)) >= 60:
                raise LyricsError(
                    f"line {number} ({raw.strip()!r}) has a malformed timestamp [{content}]: "
                    "expected [mm:ss.xx], [mm:ss:xx] or [mm:ss]"
                )
            minutes, seconds, fraction = stamp.groups()
            value = int(minutes) * 60 + int(seconds)
            if fraction:
                value += int(fraction) / 10 ** len(fraction)
            times.append(value)
        else:
            tag = _TAG.fullmatch(content)
            if tag is None or times:
                break  # "[Chorus]" or other bracketed text, not a tag
            if tag.group(1).lower() == "offset":
                offset = _parse_offset(tag.group(2), number=number, raw=raw)
        rest = rest[match.end() :].lstrip()
    return times, (rest if times else ""), offset


def _parse_offset(value: str, *, number: int, raw: str) -> float:
    try:
        return int(value.strip()) / 1000.0
    except ValueError:
        raise LyricsError(
            f"line {number} ({raw.strip()!r}) has a malformed offset {value.strip()!r}: "
            "expected whole milliseconds such as [offset:+250] or [offset:-100]"
        ) from None


def _lines_from_events(events: list[tuple[float, str]], *, duration: float) -> list[LyricLine]:
    """Timed text and breaks (empty text) → lines that end at the next event."""
    merged: dict[float, list[str]] = {}
    for time, text in sorted(events, key=lambda event: event[0]):
        texts = merged.setdefault(round(time, 3), [])
        if text and text not in texts:
            texts.append(text)
    starts = sorted(merged)
    lines: list[LyricLine] = []
    for index, start in enumerate(starts):
        if not merged[start]:
            continue  # an instrumental break: it only ends the line before
        if index + 1 < len(starts):
            end = starts[index + 1]
        else:
            end = min(start + LAST_LINE_SECONDS, duration)
        lines.append(LyricLine(start=start, end=round(end, 3), text=" / ".join(merged[start])))
    return lines


def load_lyrics(
    path: Path, *, duration: float, vocals: list[TimeRegion], sections: list[Section]
) -> list[LyricLine]:
    """Timed lyrics from a UTF-8 file: .lrc when any line starts with a stamp, else plain text.

    Parameters
    ----------
    path : Path
        The lyrics file (UTF-8, with or without a byte-order mark).
    duration : float
        Track length in seconds.
    vocals, sections : list
        Where a voice is heard and the song's sections; used to place plain-text lyrics.

    Raises
    ------
    LyricsError
        The file is missing, not UTF-8, holds no lyrics, or is a malformed .lrc.
    """
    text = read_lyrics(path)
    if is_lrc(text):
        return parse_lrc(text, duration=duration)
    raw_lines = text.splitlines()
    lines = spread_plain_lyrics(raw_lines, vocals=vocals, sections=sections, duration=duration)
    if not lines:
        raise LyricsError(f"lyrics file {str(path)!r} holds no lyric lines")
    return lines


def read_lyrics(path: Path) -> str:
    """The text of a UTF-8 lyrics file, byte-order mark removed; LyricsError if unreadable."""
    path = Path(path)
    if not path.is_file():
        raise LyricsError(f"lyrics file {str(path)!r} not found")
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LyricsError(
            f"lyrics file {str(path)!r} is not UTF-8 text (byte {exc.start}): save it as UTF-8"
        ) from None


def is_lrc(text: str) -> bool:
    """Whether any line of `text` starts with an .lrc timestamp such as ``[01:23.45]``."""
    return any(_LOOKS_TIMED.match(line) for line in text.lstrip("\ufeff").splitlines())


def lyric_stanzas(lines: list[str]) -> list[list[str]]:
    """Non-blank lines in stanzas; blank lines and headings (``[Chorus]``, ``Verse 2:``) split
    them."""
    stanzas: list[list[str]] = [[]]
    for raw in lines:
        text = " ".join(raw.replace("\ufeff", "").split())
        if not text or _HEADING.fullmatch(text):
            if stanzas[-1]:
                stanzas.append([])
            continue
        stanzas[-1].append(text)
    return [stanza for stanza in stanzas if stanza]


def syllable_count(text: str) -> int:
    """Rough syllables in `text`: vowel groups per word (silent final e dropped) + CJK chars."""
    total = len(_SYLLABIC_CHARS.findall(text))
    for word in re.findall(r"[^\W\d_]+", text.lower()):
        groups = len(_VOWELS.findall(word))
        if groups > 1 and word.endswith("e") and not word.endswith(("le", "ee", "ye")):
            groups -= 1
        total += groups
    return max(total, 1)


def spread_plain_lyrics(
    lines: list[str], *, vocals: list[TimeRegion], sections: list[Section], duration: float
) -> list[LyricLine]:
    """Time untimed lyric lines by spreading them over where the voice is.

    Parameters
    ----------
    lines : list of str
        The lyrics, one line per item; blank lines (and headings like ``[Chorus]``) separate
        stanzas.
    vocals : list of TimeRegion
        Where a voice is heard, seconds. When empty, the sections not labelled intro/outro are
        used, and without those the whole track less ``EDGE_FRACTION`` at each end.
    sections : list of Section
        The song's sections; their boundaries are places a stanza break may snap to.
    duration : float
        Track length in seconds.

    Returns
    -------
    list of LyricLine
        One per non-blank line, in order, never overlapping. Each line's share of the singing
        time follows its syllable count; stanza breaks move onto a region or section boundary
        when one lies within half a stanza, and no line spans a gap between vocal regions when
        a neighbouring break can move onto it instead. Deterministic.
    """
    _check_duration(duration)
    stanzas = lyric_stanzas(lines)
    texts = [text for stanza in stanzas for text in stanza]
    if not texts:
        return []
    regions, soft = _singing_regions(vocals=vocals, sections=sections, duration=duration)
    starts_virtual = [0.0]
    for start, end in regions:
        starts_virtual.append(starts_virtual[-1] + end - start)
    total = starts_virtual[-1]
    junctions = starts_virtual[1:-1]
    candidates = sorted(set(junctions) | {_to_virtual(t, regions, starts_virtual) for t in soft})
    weights = [syllable_count(text) for text in texts]
    breaks = [0]
    for stanza in stanzas:
        breaks.append(breaks[-1] + len(stanza))
    cuts = _proportional_cuts(weights, 0.0, total)
    pinned = _snap_breaks(cuts, breaks, candidates)
    for first, last in itertools.pairwise(breaks):
        inner = _proportional_cuts(weights[first:last], cuts[first], cuts[last])
        cuts[first : last + 1] = inner
    _unstraddle(cuts, pinned, junctions)
    result: list[LyricLine] = []
    for index, text in enumerate(texts):
        start = _to_real(cuts[index], regions, starts_virtual, side="start")
        end = _to_real(cuts[index + 1], regions, starts_virtual, side="end")
        if result:
            start = max(start, result[-1].end)
        result.append(LyricLine(start=round(start, 3), end=round(max(end, start), 3), text=text))
    return result


def _singing_regions(
    *, vocals: list[TimeRegion], sections: list[Section], duration: float
) -> tuple[list[tuple[float, float]], list[float]]:
    """Disjoint sorted (start, end) stretches to sing in, and section boundaries inside them."""
    spans = [(max(r.start, 0.0), min(r.end, duration)) for r in vocals]
    regions = _merge(spans)
    if not regions:
        sung = [s for s in sections if not any(tag in s.label.lower() for tag in UNSUNG_LABELS)]
        regions = _merge([(max(s.start, 0.0), min(s.end, duration)) for s in sung])
    if not regions:
        regions = [(EDGE_FRACTION * duration, (1.0 - EDGE_FRACTION) * duration)]
    soft = sorted({t for s in sections for t in (s.start, s.end)})
    inside = [t for t in soft if any(start < t < end for start, end in regions)]
    return regions, inside


def _merge(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for start, end in sorted(spans):
        if merged and start - merged[-1][1] < MIN_REGION_SECONDS:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        elif end > start:
            merged.append((start, end))
    return [(start, end) for start, end in merged if end - start >= MIN_REGION_SECONDS]


def _proportional_cuts(weights: list[int], start: float, end: float) -> list[float]:
    """len(weights)+1 cut points from start to end, spaced in proportion to the weights."""
    total = float(sum(weights))
    cuts, running = [start], 0.0
    for weight in weights:
        running += weight
        cuts.append(start + (end - start) * running / total)
    cuts[-1] = end
    return cuts


def _snap_breaks(cuts: list[float], breaks: list[int], candidates: list[float]) -> set[int]:
    """Move stanza-break cuts onto nearby boundaries (in place); the indices of fixed cuts."""
    pinned = {0, len(cuts) - 1}
    for k in range(1, len(breaks) - 1):
        index, before, after = breaks[k], breaks[k - 1], breaks[k + 1]
        ideal = cuts[index]
        tolerance = 0.5 * min(ideal - cuts[before], cuts[after] - ideal)
        options = [c for c in candidates if cuts[before] < c < cuts[after]]
        if not options:
            continue
        best = min(options, key=lambda c: (abs(c - ideal), c))
        if abs(best - ideal) <= tolerance:
            cuts[index] = best
            pinned.add(index)
    return pinned


def _unstraddle(cuts: list[float], pinned: set[int], junctions: list[float]) -> None:
    """Move the nearer free cut of any line spanning a gap between regions onto that gap."""
    for junction in junctions:
        line = bisect.bisect_right(cuts, junction) - 1
        if line < 0 or line + 1 >= len(cuts) or not cuts[line] < junction < cuts[line + 1]:
            continue
        free = [i for i in (line, line + 1) if i not in pinned]
        if free:
            index = min(free, key=lambda i: abs(cuts[i] - junction))
            cuts[index] = junction
            pinned.add(index)


def _to_virtual(time: float, regions: list[tuple[float, float]], starts: list[float]) -> float:
    """Track time → virtual singing time (the regions laid end to end)."""
    index = max(bisect.bisect_right([start for start, _ in regions], time) - 1, 0)
    start, end = regions[index]
    return starts[index] + min(max(time - start, 0.0), end - start)


def _to_real(
    virtual: float, regions: list[tuple[float, float]], starts: list[float], *, side: str
) -> float:
    """Virtual singing time → track time; a junction maps to the next region's start for a
    line's start and to the previous region's end for a line's end."""
    finder = bisect.bisect_right if side == "start" else bisect.bisect_left
    index = min(max(finder(starts, virtual) - 1, 0), len(regions) - 1)
    start, end = regions[index]
    return min(max(start + virtual - starts[index], start), end)


def _check_duration(duration: float) -> None:
    if not (math.isfinite(duration) and duration > 0):
        raise LyricsError(f"duration must be a positive number of seconds, got {duration!r}")
