"""`storybeat serve --demo` / `make studio`: a demo account with a demo project ready."""

from __future__ import annotations

import logging
import os
import secrets

from fastapi import FastAPI

from agent.schemas import RenderOptions
from storage.accounts import create_user, set_password_hash, user_by_email
from web import work
from web.passwords import hash_password
from web.projects import projects_of

logger = logging.getLogger(__name__)

DEMO_EMAIL = "demo@storybeat.local"
DEMO_BRIEF = "a dancer crosses a neon city at night, from a rooftop to the shore at dawn"


def ensure_demo(app: FastAPI) -> tuple[str, str]:
    """Make the demo account (password from ``STORYBEAT_DEMO_PASSWORD``, else a new random one
    each start) and, when it has no project yet, queue one from the synthesised demo song.

    Returns the e-mail and the password to sign in with.
    """
    from audio.demo import synthesize_demo

    studio, jobs = app.state.studio, app.state.jobs
    password = os.environ.get("STORYBEAT_DEMO_PASSWORD") or secrets.token_urlsafe(9)
    password_hash = hash_password(password)  # WebInputError for one under 8 characters
    with studio.db.session() as session:
        user = user_by_email(session, DEMO_EMAIL)
        if user is None:
            user = create_user(session, DEMO_EMAIL, password_hash)
        else:
            set_password_hash(session, user.id, password_hash)
        user_id = user.id
        has_projects = bool(projects_of(session, user_id))
    if not has_projects:
        folder = studio.settings.data_dir / "demo"
        folder.mkdir(parents=True, exist_ok=True)
        track = folder / "storybeat-demo.wav"
        if not track.is_file():
            synthesize_demo(track)
        options = RenderOptions(brief=DEMO_BRIEF, resolution="720p")
        job = jobs.submit(
            work.new_project(track, options, owner_id=user_id, slot="demo"),
            kind="new project",
            owner_id=user_id,
        )
        logger.info("demo project queued (job %d)", job)
    return DEMO_EMAIL, password
