"""`storybeat estimate`: per stage, what a render would make, how long it takes, what it costs."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.config import Settings

if TYPE_CHECKING:
    from agent.estimates import Estimate, StageEstimate

DESCRIPTION = """\
Analyse the track (as render does, and cached for it), plan the brief and shots with the rules
planner, and print per stage how many images, clips and frames a render from scratch makes, the
expected seconds and the cost in USD for the configured image engine and video adapter. Each
line says where its number comes from: this machine's measured rates once it has rendered, else
the documented defaults. STORYBEAT_FLUX2_API_PRICE sets a flat USD price per flux2-api image;
STORYBEAT_VIDEO_PRICE the USD per generated second of a hosted video adapter (hosted models make
fixed lengths: the estimate counts the seconds they bill).
"""


def add_parser(sub: Any, render_options: Callable[..., None]) -> None:
    """Register ``estimate`` on the ``storybeat`` subparsers ``sub``; ``render_options`` adds
    render's options (brief, ref, template, aspect, resolution, fps, rhythm, max-minutes)."""
    estimate = sub.add_parser(
        "estimate", help="time and cost per stage before rendering", description=DESCRIPTION
    )
    estimate.add_argument("track", type=Path)
    render_options(estimate)
    estimate.add_argument("--json", action="store_true", help="print the estimate as JSON")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from agent.cli import render_options
    from agent.estimates import estimate, image_worker
    from agent.progress import ConsoleProgress
    from agent.render import check_references
    from agent.studio import open_studio
    from agent.track import prepare_for

    options = render_options(args, settings)
    image_worker(settings)  # a misconfigured engine fails before any work, as in render
    progress = ConsoleProgress()
    # Preparing the track needs the database and media store, not the image engine: estimate()
    # checks the engine without building it, so flux2-api is priced without a BFL key.
    plain = settings.model_copy(update={"image_engine": "previz"})
    studio = open_studio(plain, on_progress=progress, on_event=progress.event)
    try:
        check_references(options.references)
        prepared = prepare_for(studio, args.track, options)
    finally:
        progress.close()
        studio.db.dispose()
    result = estimate(
        settings,
        options,
        prepared.analysis,
        uploads=len(options.references),
    )
    if args.json:
        print(json.dumps({"track": str(args.track), **result.as_dict()}, indent=1))
    else:
        print(f"{Path(args.track).name}: {_summary(result)}")
        for line in table(result):
            print(line)
    return 0


def _summary(result: Estimate) -> str:
    return (
        f"{result.duration:.1f} s, {result.shots} shots, {result.engine} images, "
        f"{result.adapter} clips, {result.width}x{result.height} at {result.fps} fps"
    )


def table(result: Estimate) -> list[str]:
    """The estimate as aligned text lines: a header, one line per stage and the total."""
    rows = [("stage", "makes", "time", "cost", "basis")]
    rows += [
        (s.stage, _makes(s), _clock(s.seconds), _usd(s.cost_usd), s.basis) for s in result.stages
    ]
    total = _clock(result.seconds) + ("" if result.complete else " + unknown")
    cost = _usd(result.cost_usd) + ("" if result.cost_complete else " + unknown")
    rows.append(("total", "", total, cost, "from scratch; nothing reused"))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return [
        f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:>{widths[2]}}  "
        f"{r[3]:>{widths[3]}}  {r[4]}".rstrip()
        for r in rows
    ]


def _makes(stage: StageEstimate) -> str:
    text = f"{stage.units} {stage.unit}{'' if stage.units == 1 else 's'}"
    if stage.frames and stage.unit != "frame":
        text += f", {stage.frames} frames"
    return f"{text} {stage.size}" if stage.size else text


def _usd(cost: float | None) -> str:
    return "unknown" if cost is None else f"${cost:.2f}"


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "unknown"
    if seconds < 0.05:
        return "<0.1 s"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"
