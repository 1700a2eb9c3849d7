"""Score Storybeat's audio analysis and librosa's beat tracker on the eval set.

Usage: .venv/bin/python bench/audio/run.py [--only NAME ...] [--cache DIR] [--jobs 2]
       [--speed | --no-speed] [--json results.json] [--list] [--variants]

Builds (or reuses) the tracks, runs `librosa.beat.beat_track` (baseline) and
`audio.analyze` (ours) on each, prints a per-track table, means against the targets,
the audio-vs-score alignment of the renders, and the cold/warm time of a 4-minute track.
`--variants` scores held-out variants (other tempos and tunes) instead: reported only.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.audio import dataset, report, score, speed, timing
from bench.audio.build import DEFAULT_CACHE, build_set

BASELINE_RATE = 22_050
SPEED_TRACK = "pop_reel"


def evaluate(wav: Path, truth: dict) -> dict:
    """Baseline and ours on one track, scored against its truth."""
    import librosa

    import audio

    y, _ = librosa.load(wav, sr=BASELINE_RATE, mono=True)
    _, frames = librosa.beat.beat_track(y=y, sr=BASELINE_RATE)
    base = score.beat_scores(truth["beats"], librosa.frames_to_time(frames, sr=BASELINE_RATE))
    row: dict = {"name": truth["name"], "genre": truth["genre"], "meter": truth["meter"]}
    row.update(tempo=truth["tempo"], base_f=base["f"], base_cmlt=base["cmlt"])
    start = time.perf_counter()
    try:
        found = audio.analyze(wav)
    except Exception as exc:  # the analyzer is being worked on: score a crash as zero
        logging.getLogger(__name__).exception("analyze failed on %s", wav.name)
        row.update(error=repr(exc), f=0.0, cmlt=0.0, amlt=0.0, downbeat_f=0.0)
        row.update(section_hit=0.0, section_precision=0.0, section_label=0.0)
        row.update(ours_meter="ERR", ours_tempo=0.0)
        return _labelled(row)
    row["seconds"] = time.perf_counter() - start
    ours = score.beat_scores(truth["beats"], found.beats)
    bounds = score.boundary_scores(
        [s["start"] for s in truth["sections"][1:]], [s.start for s in found.sections[1:]]
    )
    row.update(f=ours["f"], cmlt=ours["cmlt"], amlt=ours["amlt"])
    row["downbeat_f"] = score.downbeat_f(truth["downbeats"], found.downbeats)
    row.update(section_hit=bounds["hit"], section_precision=bounds["precision"])
    row["section_label"] = score.label_agreement(
        [(s["start"], s["end"], s["label"]) for s in truth["sections"]],
        [(s.start, s.end, s.label) for s in found.sections],
    )
    row.update(ours_meter=found.meter, ours_tempo=found.tempo)
    row.update(_assisted(wav, truth))
    return _labelled(row)


def _assisted(wav: Path, truth: dict) -> dict[str, float]:
    """Scores when the musician gives the tempo they tap at the start and the meter
    (and, for `one_downbeat_f`, where the first bar starts)."""
    import audio

    hint = audio.RhythmHint(bpm=truth["tempo"], meter=truth["meter"])
    found = audio.analyze(wav, hint=hint)
    bars = audio.RhythmHint(
        bpm=truth["tempo"], meter=truth["meter"], downbeat=truth["downbeats"][0]
    )
    with_one = audio.analyze(wav, hint=bars)
    scores = score.beat_scores(truth["beats"], found.beats)
    return {
        "hint_f": scores["f"],
        "hint_cmlt": scores["cmlt"],
        "hint_downbeat_f": score.downbeat_f(truth["downbeats"], found.downbeats),
        "one_downbeat_f": score.downbeat_f(truth["downbeats"], with_one.downbeats),
    }


def _labelled(row: dict) -> dict:
    row["meter_text"] = row["meter"] + (
        "" if row["ours_meter"] == row["meter"] else f"/{row['ours_meter']}"
    )
    row["bpm_text"] = f"{row['tempo']:g}/{row['ours_tempo']:.0f}"
    return row


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--only", nargs="+", metavar="NAME", help="tracks to run (default: all)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="built tracks go here")
    parser.add_argument("--jobs", type=int, default=2, help="parallel renders when building")
    timing_help = "time a 4-minute analysis (default: only when running the whole set)"
    parser.add_argument("--speed", action=argparse.BooleanOptionalAction, help=timing_help)
    parser.add_argument("--json", type=Path, help="also write per-track results here")
    parser.add_argument("--list", action="store_true", help="list the tracks and exit")
    parser.add_argument(
        "--variants",
        action="store_true",
        help="score the held-out variants (other tempos and tunes) instead of the eval set",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.list:
        for spec in (dataset.VARIANTS if args.variants else dataset.TRACKS).values():
            print(f"{spec.name:<20} {spec.genre:<18} {spec.meter:<4} {spec.bpm:g} bpm  {spec.work}")
        return
    start = time.perf_counter()
    specs = dataset.select(args.only, variants=args.variants)
    built = build_set(
        specs,
        args.cache,
        jobs=args.jobs,
        on_progress=lambda name, done, total: print(
            f"built {name} ({done}/{total})", file=sys.stderr
        ),
    )
    built_at = time.perf_counter()
    rows = []
    for wav, truth in built:
        rows.append(evaluate(wav, truth))
        print(f"scored {truth['name']}", file=sys.stderr)
    kind = "held-out variants (not the targets' set)" if args.variants else "tracks"
    print(f"\naudio analysis benchmark, {len(rows)} {kind} (cache {args.cache})\n")
    verdicts = report.verdicts(rows)
    if args.variants:
        verdicts[0] = "held-out variants, means (the targets are for the eval set):"
    print("\n".join([*report.table(rows), "", report.LEGEND, "", *verdicts]))
    truths = [truth for _, truth in built]
    print("\n" + "\n".join(report.alignment(truths, timing.click_probe())))
    if args.speed or (args.speed is None and not args.only):
        wavs = {truth["name"]: wav for wav, truth in built}
        source = wavs.get(SPEED_TRACK) or next(iter(wavs.values()))
        looped = speed.loop_to(source, args.cache / "speed_240s.wav")
        print("\n" + "\n".join(report.speed(source.stem, speed.time_analysis(looped))))
    end = time.perf_counter()
    print(f"\ntotal {end - start:.0f} s (building {built_at - start:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
