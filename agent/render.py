"""`render`: a track in, a beat-cut music video out, through the checkpointed graph."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.config import Settings
from agent.errors import AgentInputError, OutputPathError
from agent.graph import compiled_graph
from agent.schemas import RenderOptions
from agent.state import RenderState
from agent.studio import StageStats, Studio
from agent.track import prepare_for
from storage import DatabaseUnavailableError, get_or_create_project, set_track

if TYPE_CHECKING:
    from langchain_core.runnables import RunnableConfig

logger = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff")


@dataclass
class RenderResult:
    project_id: str
    output: Path | None
    duration: float
    shots: int
    resumed_at: str | None
    seconds: float
    stats: dict[str, StageStats] = field(default_factory=dict)
    waiting_at: str | None = None  # the review gate a reviewed project is paused at


OUTPUT_KINDS = {".mp4": "H.264 + AAC video", ".otio": "an OpenTimelineIO edit"}


def check_output(path: Path, kinds: tuple[str, ...] = (".mp4",)) -> Path:
    """Refuse an output we could not write, before any work is done; ``kinds`` are the file
    extensions this command writes."""
    from videogen import DiskFullError, ExportError, check_output_path

    path = Path(path).expanduser().absolute()
    if path.suffix.lower() not in kinds:
        accepted = " or ".join(f"{k} ({OUTPUT_KINDS[k]})" for k in kinds)
        raise OutputPathError(f"output {str(path)!r} must end in {accepted}")
    try:
        return check_output_path(path)
    except DiskFullError:
        raise  # not the path's fault: freeing space fixes it
    except ExportError as exc:
        raise OutputPathError(str(exc)) from None


def check_references(paths: list[Path]) -> None:
    """Every --ref must be a readable image (the engines validate sizes later)."""
    from PIL import Image, UnidentifiedImageError

    for path in paths:
        if not Path(path).is_file():
            raise AgentInputError(f"reference image not found: {str(path)!r}")
        try:
            with Image.open(path) as image:
                image.verify()
        except Image.DecompressionBombError:
            raise AgentInputError(
                f"reference {str(path)!r} has too many pixels to open safely; give an image of"
                " at most a few thousand pixels a side"
            ) from None
        except (UnidentifiedImageError, OSError, SyntaxError) as exc:
            raise AgentInputError(
                f"reference {str(path)!r} is not a readable image ({exc}); use PNG, JPEG or WebP"
            ) from None


def project_key(
    content_hash: str,
    options: RenderOptions,
    uploads: list[str],
    settings: Settings,
    *,
    review: bool = False,
    owner: str = "",
) -> str:
    """Same inputs → same project, so a second run resumes or reuses the first; ``owner``
    (the studio's account and project slot) keeps projects with the same inputs apart."""
    payload: dict[str, Any] = {
        "track": content_hash,
        "options": options.model_dump(
            mode="json", exclude={"references", "lyrics"}, exclude_none=True
        ),
        "uploads": uploads,
        "engine": settings.image_engine,
        "adapter": settings.video_adapter,
    }
    if options.lyrics is not None:  # the words, wherever the file lies
        payload["lyrics"] = hashlib.sha256(Path(options.lyrics).read_bytes()).hexdigest()
    if review:  # reviewed projects are the musician's own, apart from automatic renders
        payload["review"] = True
    if owner:
        payload["owner"] = owner
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    return "r" + digest[:15]


_SET_UP: set[str] = set()  # PostgreSQL databases whose checkpoint tables are ready


@contextmanager
def open_checkpointer(settings: Settings) -> Any:
    """The durable LangGraph checkpointer: in the PostgreSQL database when the project database
    is PostgreSQL (so many workers share it), else SQLite in the data dir."""
    url = settings.db_url
    if url.startswith(("postgresql", "postgres:")):
        import psycopg
        from langgraph.checkpoint.postgres import PostgresSaver

        try:
            with PostgresSaver.from_conn_string(_libpq_url(url)) as saver:
                if url not in _SET_UP:
                    saver.setup()  # creates or migrates the checkpoint tables, once per process
                    _SET_UP.add(url)
                yield saver
        except psycopg.OperationalError as exc:  # a restart, a dropped connection
            logger.warning("checkpoints unavailable: %s", " ".join(str(exc).split()))
            raise DatabaseUnavailableError(
                "the database is unavailable right now; try again in a moment"
            ) from None
        return
    from langgraph.checkpoint.sqlite import SqliteSaver

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with SqliteSaver.from_conn_string(str(settings.checkpoint_path)) as saver:
        yield saver


def _libpq_url(url: str) -> str:
    """SQLAlchemy's ``postgresql+psycopg://…`` as the plain URL psycopg connects with."""
    scheme, _, rest = url.partition("://")
    return f"postgresql://{rest}" if scheme.startswith("postgres") else url


def render(
    track: Path,
    options: RenderOptions,
    *,
    studio: Studio,
    output: Path | None,
    review: bool = False,
    owner_id: int | None = None,
    slot: str = "",
) -> RenderResult:
    """Run (or resume) every stage for `track` and write the cut to `output`; with ``review``
    the project pauses for the musician after each stage (``waiting_at``) and exports later.

    ``owner_id`` is the studio account the project belongs to; ``slot`` keeps it apart from the
    account's other projects with the same inputs (the studio gives each new project one)."""
    started = time.perf_counter()
    output = check_output(output) if output is not None else None
    check_references(options.references)
    if options.lyrics is not None and not Path(options.lyrics).is_file():
        raise AgentInputError(f"lyrics file not found: {str(options.lyrics)!r}")
    studio.output = output
    prepared = prepare_for(studio, track, options)
    uploads = [
        {"name": f"upload-{i + 1}", "kind": "upload", "media": studio.media.put_file(p)}
        for i, p in enumerate(options.references)
    ]
    project_id = project_key(
        prepared.content_hash,
        options,
        [u["media"] for u in uploads],
        studio.settings,
        review=review,
        owner=f"{owner_id}/{slot}" if owner_id is not None else slot,
    )
    with studio.db.session() as session:
        get_or_create_project(
            session,
            project_id,
            name=prepared.path.stem,
            options=options.model_dump(mode="json"),
            owner_id=owner_id,
        )
        set_track(
            session,
            project_id,
            media=prepared.master,
            filename=prepared.path.name,
            content_hash=prepared.content_hash,
            duration=prepared.analysis.duration,
        )
    initial: RenderState = {
        "project_id": project_id,
        "options": options.model_dump(mode="json"),
        "track": prepared.as_state(),
        "analysis": prepared.analysis.model_dump(),
        "uploads": uploads,
        "review": review,
    }
    resumed_at = None
    with open_checkpointer(studio.settings) as saver:
        graph = compiled_graph(review, saver)
        config: RunnableConfig = {"configurable": {"thread_id": project_id}}
        pending = graph.get_state(config).next
        if pending:
            resumed_at = pending[0]
            studio.on_event(f"resuming project {project_id} at {resumed_at}")
            final = graph.invoke(None, config, context=studio, durability="sync")
        else:
            final = graph.invoke(initial, config, context=studio, durability="sync")
        waiting = graph.get_state(config).next
    return RenderResult(
        project_id=project_id,
        output=output,
        duration=prepared.analysis.duration,
        shots=len(final.get("shots", [])),
        resumed_at=resumed_at,
        seconds=time.perf_counter() - started,
        stats=studio.stats,
        waiting_at=waiting[0] if waiting else None,
    )
