"""`storybeat project show|restore`, `storybeat refine` and `storybeat export` on a project id."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agent.config import Settings
from agent.errors import AgentInputError


def add_parsers(sub: Any, render_options: Callable[..., None]) -> None:
    """Register the project commands on the ``storybeat`` subparsers ``sub``;
    ``render_options`` adds render's options (brief, template, aspect, …) to a parser."""
    project = sub.add_parser("project", help="make, review, show or restore a project")
    actions = project.add_subparsers(dest="action", required=True, parser_class=type(project))
    new = actions.add_parser("new", help="start a reviewed project; it pauses after each stage")
    new.add_argument("track", type=Path)
    render_options(new)
    approve = actions.add_parser("approve", help="approve the stage the project waits at")
    approve.add_argument("project_id", metavar="ID")
    regenerate = actions.add_parser("regenerate", help="redo the waiting stage with an instruction")
    regenerate.add_argument("project_id", metavar="ID")
    regenerate.add_argument("--instruction", required=True)
    regenerate.add_argument(
        "--targets", default="", help="reference names or frame numbers, comma-separated"
    )
    edit = actions.add_parser("edit", help="edit the waiting brief or shot list")
    edit.add_argument("project_id", metavar="ID")
    edit.add_argument("--edits", required=True, help="JSON, or @FILE with the JSON")
    show = actions.add_parser("show", help="stages, artifacts, versions and hashes")
    show.add_argument("project_id", metavar="ID")
    show.add_argument("--json", action="store_true", help="print as JSON")
    restore = actions.add_parser("restore", help="make an earlier version current again")
    restore.add_argument("project_id", metavar="ID")
    restore.add_argument("artifact", metavar="ARTIFACT", help="frame:N or clip:N (numbered from 1)")
    restore.add_argument("version", metavar="VERSION", type=int)
    restore.add_argument("-o", "--output", type=Path, help="also export the cut to OUT.mp4")

    refine = sub.add_parser(
        "refine", help="redo quoted storyboard frames, shots or clips with an instruction"
    )
    refine.add_argument("project_id", metavar="ID")
    quoted = refine.add_mutually_exclusive_group(required=True)
    quoted.add_argument("--frames", type=_numbers, help="redraw these frames, e.g. 3,7 (from 1)")
    quoted.add_argument(
        "--shots", type=_numbers, help="redraw these shots and take any camera move named"
    )
    quoted.add_argument(
        "--clips", type=_numbers, help="re-animate these clips: 'slow push in', 'pan left', …"
    )
    refine.add_argument("--instruction", required=True, help="what to change in them")
    refine.add_argument("-o", "--output", type=Path, help="also export the cut to OUT.mp4")

    timeline = actions.add_parser(
        "timeline", help="reorder, move, trim (snapped to the beat) or add transitions"
    )
    timeline.add_argument("project_id", metavar="ID")
    timeline.add_argument(
        "--edits",
        required=True,
        help='JSON or @FILE, e.g. [{"op": "transition", "after": 2, "type": "crossfade"}]',
    )
    timeline.add_argument("-o", "--output", type=Path, help="also export the cut to OUT.mp4")

    export = sub.add_parser("export", help="write a project's current cut")
    export.add_argument("project_id", metavar="ID")
    export.add_argument(
        "-o", "--output", type=Path, required=True, help="OUT.mp4, or CUT.otio for an editor"
    )
    export.add_argument("--preset", help="size, e.g. 16:9-1080p, 9:16-720p, 1:1-4k")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from agent import project
    from agent.progress import ConsoleProgress
    from agent.studio import open_studio

    progress = ConsoleProgress()
    studio = open_studio(settings, on_progress=progress, on_event=progress.event)
    try:
        if args.command == "project" and args.action in ("new", "approve", "regenerate", "edit"):
            waiting = _review(args, settings, studio)
            progress.close()
            print(
                f"storybeat: waiting for review at {waiting}" if waiting else "storybeat: done",
                file=sys.stderr,
            )
            return 0
        if args.command == "project" and args.action == "show":
            progress.close()
            return _show(project.show(studio, args.project_id), as_json=args.json)
        if args.command == "export":
            print(project.export(studio, args.project_id, args.output, preset=args.preset))
            return 0
        if args.command == "project" and args.action == "timeline":
            change = project.edit_timeline(
                studio, args.project_id, _json_arg(args.edits, "--edits"), output=args.output
            )
        elif args.command == "refine":
            kind = "frame" if args.frames else "shot" if args.shots else "clip"
            numbers = args.frames or args.shots or args.clips
            change = project.refine(
                studio, args.project_id, numbers, args.instruction, output=args.output, kind=kind
            )
        else:
            change = project.restore(
                studio, args.project_id, args.artifact, args.version, output=args.output
            )
    finally:
        progress.close()
        studio.db.dispose()
    for stage in change.made:
        print(
            f"storybeat: {stage}: {change.made[stage]} made, {change.reused[stage]} reused",
            file=sys.stderr,
        )
    numbers = ", ".join(map(str, change.frames))
    what = "timeline" if change.kind == "timeline" else f"{change.kind}s {numbers}"
    print(f"{what} of project {change.project_id} updated")
    if change.waiting_at is not None:
        print(
            f"storybeat: waiting for review at {change.waiting_at}; approve to go on, then export",
            file=sys.stderr,
        )
    elif change.output is not None:
        print(change.output)
    return 0


def _review(args: argparse.Namespace, settings: Settings, studio: Any) -> str | None:
    """Start a reviewed project (printing its id) or answer the gate it waits at."""
    from agent import project
    from agent.cli import render_options
    from agent.render import render

    if args.action == "new":
        result = render(
            args.track, render_options(args, settings), studio=studio, output=None, review=True
        )
        print(result.project_id)
        return result.waiting_at
    answer: dict[str, Any] = {"action": args.action}
    if args.action == "regenerate":
        answer["instruction"] = args.instruction
        answer["targets"] = [t.strip() for t in args.targets.split(",") if t.strip()]
    if args.action == "edit":
        answer["edits"] = _json_arg(args.edits, "--edits")
    return project.decide(studio, args.project_id, answer)


def _json_arg(text: str, flag: str) -> Any:
    """The JSON in ``text``, or in the file ``@PATH`` names."""
    if text.startswith("@"):
        path = Path(text[1:])
        if not path.is_file():
            raise AgentInputError(f"{flag}: file not found: {str(path)!r}")
        text = path.read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise AgentInputError(
            f"{flag} is not valid JSON: {exc.msg} at column {exc.colno}"
        ) from None


def _show(info: dict[str, Any], *, as_json: bool) -> int:
    if as_json:
        print(json.dumps(info, indent=1))
        return 0
    done = [name for name, ok in info["stages"].items() if ok]
    print(
        f"project {info['project_id']} ({info['name']}): {len(done)} of {len(info['stages'])}"
        " stages done"
    )
    for artifact in info["artifacts"]:
        label = artifact["kind"] + (f" {artifact['number']}" if "number" in artifact else "")
        note = f"  “{artifact['instruction']}”" if "instruction" in artifact else ""
        if "stand_in" in artifact:
            note += f"  still with motion: {artifact['stand_in']['reason']}"
        print(
            f"  {label:<12} v{artifact['version']}/{artifact['versions']}  "
            f"{artifact['sha256'][:12]}{note}"
        )
    return 0


def _numbers(text: str) -> list[int]:
    try:
        numbers = [int(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a list of frame numbers like 3,7"
        ) from None
    if not numbers:
        raise argparse.ArgumentTypeError("name at least one frame, e.g. 3,7")
    return numbers
