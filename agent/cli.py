"""The `storybeat` command line: analyze, render, demo, image, doctor."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from agent import cli_estimate, cli_image, cli_project
from agent.config import Settings
from agent.errors import AgentError, AgentInputError
from agent.schemas import ASPECTS, METERS, RESOLUTIONS, TEMPLATES, RenderOptions
from audio.models import BPM_RANGE, RhythmHint

DEMO_BRIEF = (
    "A night drive that ends on a neon rooftop: a woman in a #E63946 red jacket "
    "chases the last train through the city"
)


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (no usage dump)."""

    def error(self, message: str) -> NoReturn:
        print(f"storybeat: error: {message} (see '{self.prog} --help')", file=sys.stderr)
        raise SystemExit(2)


Extension = Callable[[Any], None]
"""Adds commands to the ``storybeat`` subparsers; a command sets ``run=fn(args) -> int`` as a
default (how ``web`` adds ``serve`` without ``agent`` importing ``web``)."""


def build_parser(extensions: Sequence[Extension] = ()) -> argparse.ArgumentParser:
    parser = _Parser(prog="storybeat", description="Agentic music-video studio.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for extend in extensions:
        extend(sub)

    analyze = sub.add_parser("analyze", help="beats, downbeats, sections and energy of a track")
    analyze.add_argument("track", type=Path)
    analyze.add_argument("--json", action="store_true", help="print the analysis as JSON")
    analyze.add_argument("--max-minutes", type=float, default=None, help="track length limit")
    analyze.add_argument("--lyrics", type=Path, help="lyrics: timed .lrc or plain text")
    analyze.add_argument(
        "--asr-model",
        type=Path,
        metavar="DIR",
        help="local speech-recognition model folder to time plain lyrics",
    )
    analyze.add_argument(
        "--plot",
        type=Path,
        metavar="OUT.png",
        help="draw waveform, beats, downbeats, sections and energy",
    )
    _rhythm_options(analyze)

    render = sub.add_parser("render", help="turn a track into a beat-cut music video")
    render.add_argument("track", type=Path)
    _render_options(render)
    render.add_argument("-o", "--output", type=Path, required=True, help="OUT.mp4")

    demo = sub.add_parser("demo", help="synthesise the demo track and render it")
    _render_options(demo, with_brief=False)
    demo.add_argument("-o", "--output", type=Path, default=Path("out/demo.mp4"))

    cli_image.add_parser(sub)
    cli_project.add_parsers(sub, _render_options)
    cli_estimate.add_parser(sub, _render_options)

    doctor = sub.add_parser("doctor", help="what engines, weights, devices and database exist")
    doctor.add_argument("--json", action="store_true")
    return parser


def _render_options(parser: argparse.ArgumentParser, *, with_brief: bool = True) -> None:
    if with_brief:
        parser.add_argument("--brief", default="", help="the idea, in your words")
        parser.add_argument(
            "--ref",
            type=Path,
            action="append",
            default=[],
            metavar="IMG",
            help="reference image (up to 10)",
        )
        parser.add_argument(
            "--lyrics",
            type=Path,
            default=None,
            metavar="FILE",
            help="the song's words: timed .lrc or plain text (needed by --template lyric)",
        )
    parser.add_argument(
        "--template",
        choices=TEMPLATES,
        default="story",
        help="lyric: the words over atmospheric backdrops; shorts: 9:16, 15-60 s of the chorus",
    )
    parser.add_argument(
        "--aspect", choices=ASPECTS, default=None, help="16:9 (9:16 for shorts) by default"
    )
    parser.add_argument(
        "--resolution", choices=RESOLUTIONS, default="720p", help="360p is a fast draft"
    )
    parser.add_argument("--fps", type=int, default=None, help="frame rate (default 24)")
    parser.add_argument("--max-minutes", type=float, default=None, help="track length limit")
    _rhythm_options(parser)


def _rhythm_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--bpm",
        type=float,
        default=None,
        help="the tempo you tap (dotted quarters in 6/8): settles double/half time",
    )
    parser.add_argument("--meter", choices=METERS, default=None, help="time signature")
    parser.add_argument(
        "--downbeat",
        type=float,
        default=None,
        metavar="SECONDS",
        help="time of the first beat of any bar (where the 'one' is)",
    )


def _rhythm_hint(args: argparse.Namespace) -> RhythmHint | None:
    if args.bpm is None and args.meter is None and args.downbeat is None:
        return None
    low, high = BPM_RANGE
    if args.bpm is not None and not low <= args.bpm <= high:
        raise AgentInputError(
            f"--bpm must be between {low:g} and {high:g} beats per minute, got {args.bpm:g}"
        )
    if args.downbeat is not None and args.downbeat < 0:
        raise AgentInputError(f"--downbeat is a time in the track, got {args.downbeat:g} s")
    return RhythmHint(bpm=args.bpm, meter=args.meter, downbeat=args.downbeat)


def main(argv: list[str] | None = None, extensions: Sequence[Extension] = ()) -> int:
    args = build_parser(extensions).parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="storybeat: %(levelname)s %(name)s: %(message)s",
    )
    try:
        return _dispatch(args)
    except KeyboardInterrupt:
        print(
            "storybeat: interrupted; finished work is kept, run the same command to resume",
            file=sys.stderr,
        )
        return 130
    except Exception as exc:  # one line, never a traceback, unless asked for
        if os.environ.get("STORYBEAT_DEBUG"):
            raise
        return _report(exc)


def _report(exc: Exception) -> int:
    from audio import AudioError, AudioInputError
    from imagegen import ImageGenError, ImageGenInputError
    from storage import StorageError, StorageInputError
    from videogen import VideoGenError, VideoGenInputError

    known = (AudioError, ImageGenError, VideoGenError, StorageError, AgentError)
    user_errors = (
        AudioInputError,
        ImageGenInputError,
        VideoGenInputError,
        StorageInputError,
        AgentInputError,
    )
    if isinstance(exc, known):
        message = " ".join(str(exc).split())
        print(f"storybeat: error: {message}", file=sys.stderr)
        return 2 if isinstance(exc, user_errors) else 1
    print(
        f"storybeat: internal error: {type(exc).__name__}: {' '.join(str(exc).split())} "
        "(set STORYBEAT_DEBUG=1 for the traceback)",
        file=sys.stderr,
    )
    return 1


def _settings(args: argparse.Namespace) -> Settings:
    try:
        base = Settings()
    except ValueError as exc:
        raise AgentInputError(f"bad STORYBEAT_* setting: {' '.join(str(exc).split())}") from None
    # librosa's numba kernels cache their machine code; keep it with our data
    os.environ.setdefault("NUMBA_CACHE_DIR", str(base.cache_dir / "numba"))
    overrides: dict[str, object] = {}
    if getattr(args, "max_minutes", None) is not None:
        if args.max_minutes <= 0:
            raise AgentInputError(f"--max-minutes must be positive, got {args.max_minutes}")
        overrides["max_track_minutes"] = args.max_minutes
    if getattr(args, "fps", None) is not None:
        overrides["fps"] = args.fps
    try:
        return Settings(**{**base.model_dump(), **overrides})
    except ValueError as exc:
        raise AgentInputError(f"bad option: {' '.join(str(exc).split())}") from None


def _dispatch(args: argparse.Namespace) -> int:
    if getattr(args, "run", None) is not None:
        return int(args.run(args))
    if args.command == "analyze":
        return _analyze(args)
    if args.command == "doctor":
        return _doctor(args)
    if args.command == "image":
        return cli_image.run(args, _settings(args))
    if args.command in ("project", "refine", "export"):
        return cli_project.run(args, _settings(args))
    if args.command == "estimate":
        return cli_estimate.run(args, _settings(args))
    return _render(args)


def _analyze(args: argparse.Namespace) -> int:
    import audio

    settings = _settings(args)
    if args.asr_model is not None and args.lyrics is None:
        raise AgentInputError("--asr-model needs --lyrics FILE (the words to align)")
    max_duration = settings.max_track_minutes * 60
    result = audio.analyze(
        args.track,
        cache_dir=settings.cache_dir / "analysis",
        max_duration=max_duration,
        hint=_rhythm_hint(args),
    )
    if args.lyrics is not None:
        result = audio.with_lyrics(
            result,
            args.lyrics,
            track=args.track,
            asr_model=args.asr_model,
            max_duration=max_duration,
        )
    if args.plot is not None:
        audio.plot_file(args.track, result, out=args.plot, max_duration=max_duration)
    if args.json:
        print(json.dumps(result.summary()))
        return 0
    print(
        f"{args.track.name}: {result.duration:.2f} s, {result.tempo:.1f} BPM, "
        f"{len(result.beats)} beats, {len(result.downbeats)} bars"
    )
    for section in result.sections:
        print(
            f"  {section.start:7.2f} – {section.end:7.2f}  {section.label:<7} "
            f"energy {section.energy:.2f}"
        )
    return 0


def _doctor(args: argparse.Namespace) -> int:
    from agent.doctor import as_dicts, run_checks

    settings = _settings(args)
    checks = run_checks(settings)
    if args.json:
        print(json.dumps(as_dicts(checks), indent=2))
    else:
        for check in checks:
            mark = "ok " if check.ok else "-- "
            print(f"{mark} {check.area:<14} {check.name:<12} {check.detail}")
    return 1 if any(c.required and not c.ok for c in checks) else 0


def _render(args: argparse.Namespace) -> int:
    from agent.progress import ConsoleProgress
    from agent.render import check_output, render
    from agent.studio import open_studio

    settings = _settings(args)
    output = check_output(args.output)
    track = args.track if args.command == "render" else _demo_track(settings)
    options = render_options(args, settings)
    progress = ConsoleProgress()
    studio = open_studio(settings, on_progress=progress, on_event=progress.event)
    try:
        result = render(track, options, studio=studio, output=output)
    finally:
        progress.close()
        studio.db.dispose()
    for stage, stat in result.stats.items():
        if stat.made or stat.reused:
            print(f"storybeat: {stage}: {stat.made} made, {stat.reused} reused", file=sys.stderr)
    print(
        f"storybeat: {result.shots} shots, {result.duration:.1f} s, project {result.project_id}, "
        f"{result.seconds:.1f} s wall",
        file=sys.stderr,
    )
    print(result.output)
    return 0


def render_options(args: argparse.Namespace, settings: Settings) -> RenderOptions:
    """The render options the command line gave (render, demo and project new)."""
    from pydantic import ValidationError

    try:
        return RenderOptions(
            brief=getattr(args, "brief", DEMO_BRIEF),
            template=args.template,
            aspect=args.aspect,
            resolution=args.resolution,
            fps=settings.fps,
            references=getattr(args, "ref", []),
            rhythm=_rhythm_hint(args),
            lyrics=getattr(args, "lyrics", None),
        )
    except ValidationError as exc:
        reason = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
        raise AgentInputError(reason) from None


def _demo_track(settings: Settings) -> Path:
    from audio.demo import synthesize_demo

    path = settings.data_dir / "demo" / "storybeat-demo.wav"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        synthesize_demo(path)
    return path


if __name__ == "__main__":
    raise SystemExit(main())
