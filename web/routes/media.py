"""Media files of a project (frames, clips, the song), for its owner only."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from agent import project as agent_project
from storage.errors import StorageInputError
from storage.media import check_ref
from web.deps import StudioDep
from web.errors import NotFoundError
from web.projects import media_allowed, owned, state_media
from web.security import CurrentUser

router = APIRouter(tags=["media"])
TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp",
         ".mp4": "video/mp4", ".wav": "audio/wav"}  # fmt: skip


@router.get("/media/{project_id}/{ref}")
def media(project_id: str, ref: str, user: CurrentUser, studio: StudioDep) -> FileResponse:
    """One media file the project uses; 404 for anything else, and for other users."""
    try:
        ref = check_ref(ref)
    except StorageInputError:
        raise NotFoundError(f"no media {ref!r}") from None
    with studio.db.session() as session:
        owned(session, project_id, user.id)
        allowed = media_allowed(session, project_id, ref)
    if not allowed:
        allowed = ref in state_media(agent_project.state(studio, project_id))
    if not allowed or not studio.media.exists(ref):
        raise NotFoundError(f"no media {ref!r} in this project")
    path = studio.media.path(ref)
    headers = {"Cache-Control": "private, max-age=31536000, immutable"}  # content-addressed
    return FileResponse(path, media_type=TYPES.get(path.suffix, "application/octet-stream"),
                        headers=headers)  # fmt: skip
