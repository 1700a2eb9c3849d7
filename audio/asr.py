"""Align lyrics by speech recognition with a local checkpoint (Whisper or CTC); no downloads."""

from __future__ import annotations

import itertools
import logging
import math
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from audio.errors import AsrModelError, LyricsError
from audio.lyrics import lyric_stanzas, spread_plain_lyrics, syllable_count
from audio.models import LyricLine

logger = logging.getLogger(__name__)

ASR_RATE = 16_000  # every speech model we load expects 16 kHz mono
CHUNK_SECONDS = 30.0  # Whisper's window; long tracks are recognised chunk by chunk
GAP_COST = 0.7  # DP cost of a lyric word nobody sang, or a heard word not in the lyrics
MATCH_DISTANCE = 0.5  # aligned words this close (0 same … 1 unrelated) give a line its time
SECONDS_PER_SYLLABLE = (0.15, 0.6)  # bounds on the singing rate used before/after the anchors
MIN_LINE_SECONDS = 0.05


@dataclass(frozen=True)
class RecognisedWord:
    """One word the recogniser heard, with its start and end in seconds."""

    text: str
    start: float
    end: float


def align_lyrics_asr(
    lines: list[str],
    *,
    samples: np.ndarray,
    sample_rate: int,
    model_dir: Path,
    language: str | None = None,
    device: str | None = None,
) -> list[LyricLine]:
    """Time plain lyrics by recognising the sung words with a local ASR checkpoint.

    Parameters
    ----------
    lines : list of str
        The lyrics, one line per item (blank lines and ``[Chorus]``-style headings are skipped).
    samples : np.ndarray
        The track, mono ``(n,)`` or multichannel ``(channels, n)``, float, at `sample_rate`.
    sample_rate : int
        Samples per second of `samples`; resampled to 16 kHz for recognition.
    model_dir : Path
        A local folder holding a transformers Whisper or CTC checkpoint with its processor.
        Loaded with ``local_files_only=True``: nothing is downloaded.
    language : str, optional
        Language of the lyrics for a multilingual Whisper, e.g. ``"en"``; None detects it.
    device : str, optional
        Torch device; None picks CUDA when available, else CPU.

    Returns
    -------
    list of LyricLine
        One per lyric line, in order, never overlapping. Lines with recognised words span their
        first to last matched word; the others are interpolated between their neighbours.

    Raises
    ------
    AsrModelError
        The folder is missing, holds no model, or the model fails to load or run.
    """
    duration = _check_samples(samples, sample_rate)
    if not lyric_stanzas(lines):
        return []
    words = recognise_words(
        samples, sample_rate=sample_rate, model_dir=model_dir, language=language, device=device
    )
    logger.info("recognised %d words in %.1f s of audio", len(words), duration)
    return align_lines_to_words(lines, words=words, duration=duration)


def recognise_words(
    samples: np.ndarray,
    *,
    sample_rate: int,
    model_dir: Path,
    language: str | None = None,
    device: str | None = None,
) -> list[RecognisedWord]:
    """Words heard in `samples`, in time order, by the checkpoint in `model_dir`.

    Whisper gives word times from its alignment heads (or, in a checkpoint without them,
    segment times shared out over the segment's words); CTC models from their frame offsets.
    Times are seconds, clamped to the track.
    """
    duration = _check_samples(samples, sample_rate)
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        raise AsrModelError(f"speech-recognition model folder {str(model_dir)!r} does not exist")
    if not (model_dir / "config.json").is_file():
        raise AsrModelError(
            f"speech-recognition model folder {str(model_dir)!r} holds no model (no config.json): "
            "name a folder saved with transformers' save_pretrained, e.g. a Whisper checkpoint"
        )
    pipe, timestamps, generate_kwargs = _load_pipeline(model_dir, language=language, device=device)
    audio = _mono_16k(samples, sample_rate)
    try:
        output = pipe(
            {"raw": audio, "sampling_rate": ASR_RATE},
            return_timestamps=timestamps,
            **({"generate_kwargs": generate_kwargs} if generate_kwargs else {}),
        )
    except Exception as exc:  # a broken checkpoint fails in many ways; name the folder
        raise AsrModelError(
            f"the speech-recognition model in {str(model_dir)!r} failed to transcribe: {exc}"
        ) from exc
    return _clean_words(output.get("chunks") or [], duration=duration)


def _load_pipeline(
    model_dir: Path, *, language: str | None, device: str | None
) -> tuple[Any, str | bool, dict[str, Any]]:
    """The transformers ASR pipeline, which timestamps to ask for, and generate() options."""
    import torch
    from transformers import (
        AutoConfig,
        AutoModelForCTC,
        AutoModelForSpeechSeq2Seq,
        AutoProcessor,
        pipeline,
    )

    folder = str(model_dir)
    try:
        config = AutoConfig.from_pretrained(folder, local_files_only=True)
        if config.is_encoder_decoder and config.model_type != "whisper":
            raise ValueError(
                f"a {config.model_type} model gives no word times; use a Whisper or CTC model"
            )
        loader = AutoModelForSpeechSeq2Seq if config.is_encoder_decoder else AutoModelForCTC
        model = loader.from_pretrained(folder, local_files_only=True)
        processor = AutoProcessor.from_pretrained(folder, local_files_only=True)
        tokenizer = getattr(processor, "tokenizer", None)
        features = getattr(processor, "feature_extractor", None)
        if tokenizer is None or features is None:
            raise ValueError("the folder needs both a tokenizer and a feature extractor")
        device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        pipe = pipeline(
            "automatic-speech-recognition",
            model=model,
            tokenizer=tokenizer,
            feature_extractor=features,
            chunk_length_s=CHUNK_SECONDS,
            device=device,
            ignore_warning=True,  # chunking is how we want long tracks read
        )
    except Exception as exc:  # transformers raises OSError, ValueError, KeyError, ...
        raise AsrModelError(
            f"could not load the speech-recognition model in {folder!r}: {exc}"
        ) from exc
    timestamps: str | bool = "word"
    generate_kwargs: dict[str, Any] = {}
    if config.model_type == "whisper":
        generation = model.generation_config
        if getattr(generation, "alignment_heads", None) is None:
            logger.warning("%s has no alignment heads: using segment times for words", folder)
            timestamps = True
        if getattr(generation, "is_multilingual", False):
            generate_kwargs["task"] = "transcribe"
            if language:
                generate_kwargs["language"] = language
        elif language:
            logger.info("%s is an English-only Whisper: ignoring language=%r", folder, language)
    return pipe, timestamps, generate_kwargs


def _check_samples(samples: np.ndarray, sample_rate: int) -> float:
    """Validate the audio; its duration in seconds."""
    if not (isinstance(sample_rate, int) and sample_rate > 0):
        raise LyricsError(f"sample_rate must be a positive whole number of Hz, got {sample_rate!r}")
    if samples.ndim not in (1, 2) or samples.shape[-1] == 0:
        raise LyricsError(
            f"samples must be shaped (n,) or (channels, n) with n > 0, got {samples.shape}"
        )
    return float(samples.shape[-1] / sample_rate)


def _mono_16k(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    mono = samples.mean(axis=0) if samples.ndim == 2 else samples
    mono = np.asarray(mono, dtype=np.float32)
    if sample_rate != ASR_RATE:
        import librosa

        mono = librosa.resample(mono, orig_sr=sample_rate, target_sr=ASR_RATE, res_type="soxr_hq")
    return np.ascontiguousarray(mono, dtype=np.float32)


def _clean_words(chunks: list[dict[str, Any]], *, duration: float) -> list[RecognisedWord]:
    """Pipeline chunks → words in time order, clamped to the track; a chunk of several words
    (segment timestamps) shares its time out by word length."""
    words: list[RecognisedWord] = []
    for chunk in chunks:
        start, end = [*(chunk.get("timestamp") or ()), None, None][:2]
        if start is None or not math.isfinite(start):
            continue
        start = min(max(float(start), 0.0), duration)
        end = (
            start
            if end is None or not math.isfinite(end)
            else min(max(float(end), start), duration)
        )
        pieces = str(chunk.get("text", "")).split()
        total = sum(len(piece) for piece in pieces)
        position = 0
        for piece in pieces:
            piece_start = start + (end - start) * position / total
            position += len(piece)
            words.append(
                RecognisedWord(piece, piece_start, start + (end - start) * position / total)
            )
    words.sort(key=lambda word: word.start)
    return words


def normalise_word(word: str) -> str:
    """Lower-case letters and digits only, accents removed: ``"Don't!"`` → ``"dont"``."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if c.isalnum())


def word_distance(a: str, b: str) -> float:
    """Edit distance between two normalised words divided by the longer length (0 … 1)."""
    if a == b:
        return 0.0
    if not a or not b:
        return 1.0
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            )
        previous = current
    return previous[-1] / max(len(a), len(b))


def match_words(lyric: list[str], heard: list[str]) -> list[int | None]:
    """For each lyric word, the index of the heard word it aligns to, or None.

    A Needleman–Wunsch alignment on normalised words: substituting costs the words'
    `word_distance`, skipping a word on either side costs ``GAP_COST``, so misrecognised words
    still pair up with their neighbours. Only pairs closer than ``MATCH_DISTANCE`` count as
    matches. Indices increase along the lyric. Deterministic.
    """
    a = [normalise_word(w) for w in lyric]
    b = [normalise_word(w) for w in heard]
    n, m = len(a), len(b)
    cache: dict[tuple[str, str], float] = {}

    def distance(i: int, j: int) -> float:
        key = (a[i], b[j])
        if key not in cache:
            cache[key] = word_distance(*key)
        return cache[key]

    cost = [[0.0] * (m + 1) for _ in range(n + 1)]
    move = [bytearray(m + 1) for _ in range(n + 1)]  # 0 diagonal, 1 skip lyric, 2 skip heard
    for i in range(1, n + 1):
        cost[i][0], move[i][0] = i * GAP_COST, 1
    for j in range(1, m + 1):
        cost[0][j], move[0][j] = j * GAP_COST, 2
    for i in range(1, n + 1):
        row, above = cost[i], cost[i - 1]
        for j in range(1, m + 1):
            best, step = above[j - 1] + distance(i - 1, j - 1), 0
            if above[j] + GAP_COST < best:
                best, step = above[j] + GAP_COST, 1
            if row[j - 1] + GAP_COST < best:
                best, step = row[j - 1] + GAP_COST, 2
            row[j], move[i][j] = best, step
    matches: list[int | None] = [None] * n
    i, j = n, m
    while i > 0 or j > 0:
        step = move[i][j]
        if step == 0:
            if distance(i - 1, j - 1) < MATCH_DISTANCE:
                matches[i - 1] = j - 1
            i, j = i - 1, j - 1
        elif step == 1:
            i -= 1
        else:
            j -= 1
    return matches


def align_lines_to_words(
    lines: list[str], *, words: list[RecognisedWord], duration: float
) -> list[LyricLine]:
    """Time lyric lines from recognised words (the model-free half of `align_lyrics_asr`).

    Parameters
    ----------
    lines : list of str
        The lyrics; blank lines and headings are skipped.
    words : list of RecognisedWord
        What the recogniser heard, seconds, in any order.
    duration : float
        Track length in seconds.

    Returns
    -------
    list of LyricLine
        One per lyric line, in order, not overlapping, inside ``[0, duration]``. A line with
        matched words spans its first matched word's start to its last one's end; the others
        are spread between their matched neighbours by syllable count (before the first and
        after the last match at the song's singing rate). With no match at all the lines are
        spread as `spread_plain_lyrics` does with no vocal hints.
    """
    if not (math.isfinite(duration) and duration > 0):
        raise LyricsError(f"duration must be a positive number of seconds, got {duration!r}")
    texts = [text for stanza in lyric_stanzas(lines) for text in stanza]
    if not texts:
        return []
    heard = sorted(words, key=lambda word: word.start)
    tokens = [(index, word) for index, text in enumerate(texts) for word in text.split()]
    tokens = [(index, word) for index, word in tokens if normalise_word(word)]
    matches = match_words([word for _, word in tokens], [word.text for word in heard])
    spans: list[list[float]] = [[] for _ in texts]  # [first matched start, last matched end]
    lead, trail, sung = [0] * len(texts), [0] * len(texts), [0] * len(texts)  # syllables
    for (index, word), match in zip(tokens, matches, strict=True):
        syllables = syllable_count(word)
        if match is None:
            (trail if spans[index] else lead)[index] += syllables
            continue
        start = spans[index][0] if spans[index] else heard[match].start
        spans[index] = [start, heard[match].end]
        sung[index] += syllables + trail[index]
        trail[index] = 0
    anchored = [index for index, span in enumerate(spans) if span]
    if not anchored:
        logger.warning("no lyric word was recognised; spreading the lines evenly instead")
        return spread_plain_lyrics(lines, vocals=[], sections=[], duration=duration)
    logger.info("%d of %d lyric lines matched recognised words", len(anchored), len(texts))
    seconds = sum(spans[i][1] - spans[i][0] for i in anchored)
    low, high = SECONDS_PER_SYLLABLE
    rate = min(max(seconds / max(sum(sung), 1), low), high)
    _widen(spans, anchored, lead=lead, trail=trail, rate=rate, duration=duration)
    weights = [syllable_count(text) for text in texts]
    _fill_runs(spans, weights, anchored, rate=rate, duration=duration)
    return _ordered_lines(texts, spans, duration=duration)


def _widen(
    spans: list[list[float]],
    anchored: list[int],
    *,
    lead: list[int],
    trail: list[int],
    rate: float,
    duration: float,
) -> None:
    """Stretch matched lines (in place) over their unmatched first and last words at the
    singing rate, never into a neighbouring matched line."""
    original = [list(span) for span in spans]
    last = len(spans) - 1
    for index in anchored:
        floor = original[index - 1][1] if index > 0 and original[index - 1] else 0.0
        ceiling = original[index + 1][0] if index < last and original[index + 1] else duration
        start, end = original[index]
        spans[index] = [
            max(start - rate * lead[index], min(floor, start)),
            min(end + rate * trail[index], max(ceiling, end)),
        ]


def _fill_runs(
    spans: list[list[float]],
    weights: list[int],
    anchored: list[int],
    *,
    rate: float,
    duration: float,
) -> None:
    """Give every unmatched line a span (in place), run by run between matched lines."""
    first, last = anchored[0], anchored[-1]
    runs = [(0, first, max(spans[first][0] - rate * sum(weights[:first]), 0.0), spans[first][0])]
    for before, after in itertools.pairwise(anchored):
        runs.append((before + 1, after, spans[before][1], spans[after][0]))
    tail = sum(weights[last + 1 :])
    runs.append((last + 1, len(spans), spans[last][1], min(spans[last][1] + rate * tail, duration)))
    for lo, hi, start, end in runs:
        total = float(sum(weights[lo:hi]))
        position = 0.0
        for index in range(lo, hi):
            line_start = start + (end - start) * position / total
            position += weights[index]
            spans[index] = [line_start, start + (end - start) * position / total]


def _ordered_lines(
    texts: list[str], spans: list[list[float]], *, duration: float
) -> list[LyricLine]:
    """Spans → lines in order, never overlapping, inside the track, each at least
    ``MIN_LINE_SECONDS`` long (where the track has room for that)."""
    starts: list[float] = []
    ends: list[float] = []
    for index, (start, end) in enumerate(spans):
        start = max(start, ends[-1] if ends else 0.0)
        end = max(end, start + MIN_LINE_SECONDS)
        if index + 1 < len(spans):
            end = min(end, max(spans[index + 1][0], start + MIN_LINE_SECONDS))
        starts.append(start)
        ends.append(end)
    limit = duration
    for index in reversed(range(len(spans))):  # pull back whatever ran past the end
        ends[index] = min(ends[index], limit)
        starts[index] = max(min(starts[index], ends[index] - MIN_LINE_SECONDS), 0.0)
        limit = starts[index]
    return [
        LyricLine(start=round(start, 3), end=round(end, 3), text=text)
        for text, start, end in zip(texts, starts, ends, strict=True)
    ]
