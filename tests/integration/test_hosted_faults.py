"""A render through the agent with a hosted adapter whose provider (a local fake speaking fal's
queue protocol) misbehaves: 500s then success, 429 with Retry-After then success, and status
polls that hang past STORYBEAT_VIDEO_TIMEOUT. The first clip is made after retries (the
Retry-After really waited for); the second fails within the limit, its job is cancelled, and
the still with motion stands in with the reason recorded."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from agent import project
from agent.config import Settings
from agent.engines import video_adapter
from agent.render import render
from agent.schemas import RenderOptions
from agent.studio import open_studio
from tests.support.studio import short_song
from tests.support.video import facts
from tests.unit.videogen.hosted.conftest import QuietServer, _handler, _make_clip
from tests.unit.videogen.hosted.fakes import KEYS, Answer, FakeFal
from videogen import ClipRequest, VideoAdapter

LIMIT = 3.0  # STORYBEAT_VIDEO_TIMEOUT in this test, seconds
RETRY_AFTER = 1.0
HANG = 20.0  # how long a hanging status poll would take to answer


class TroubledFal(FakeFal):
    """fal.ai's queue API with trouble per clip (numbered by the clips fetched so far): clip 1's
    first two submits answer 500 and its first status poll 429 with Retry-After; from clip 2 on
    every status poll hangs."""

    def __init__(self, clip: bytes) -> None:
        super().__init__(clip)
        self.pending = 0  # done at the first poll
        self.tries: Counter[tuple[int, str]] = Counter()

    def handle(self, method: str, url: str, headers: dict[str, str], body: Any) -> Answer:
        kind = self.kind(method, urlsplit(url).path)
        number = len(self.of("clip")) + 1
        answer = super().handle(method, url, headers, body)
        self.tries[number, kind] += 1
        tries = self.tries[number, kind]
        if number == 1 and kind == "submit" and tries <= 2:
            return Answer(500, {"detail": "internal server error"})
        if number == 1 and kind == "poll" and tries == 1:
            return Answer(
                429, {"detail": "rate limited"}, headers={"Retry-After": f"{RETRY_AFTER:g}"}
            )
        if number >= 2 and kind == "poll":
            return Answer(body={"status": "IN_PROGRESS"}, delay=HANG)
        return answer


@dataclass
class Stopwatch:
    """The adapter, timing each clip it is asked for."""

    adapter: VideoAdapter
    seconds: list[float] = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.adapter, name)

    def generate(self, request: ClipRequest, out_path: Path, *, cancel: Any = None) -> Path:
        started = time.monotonic()
        try:
            return self.adapter.generate(request, out_path, cancel=cancel)
        finally:
            self.seconds.append(time.monotonic() - started)


@pytest.fixture
def provider(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TroubledFal]:
    monkeypatch.setenv("FAL_KEY", KEYS["FAL_KEY"])
    fake = TroubledFal(_make_clip(tmp_path, "provider", "640x360", 24))
    server = QuietServer(("127.0.0.1", 0), _handler(fake))
    threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
    fake.base = fake.files = f"http://127.0.0.1:{server.server_port}"
    yield fake
    server.shutdown()
    server.server_close()


def test_retries_make_a_clip_and_a_hang_stands_in_within_the_time_limit(
    provider: TroubledFal, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path / "data", video_adapter="fal", video_timeout=LIMIT)
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    fal = video_adapter(settings, base_url=provider.base, backoff=0.05, first_poll=0.05,
                        sleep=sleep)  # fmt: skip
    studio = open_studio(Settings(data_dir=tmp_path / "data"))
    studio.adapter = watch = Stopwatch(fal)
    events: list[str] = []
    studio.on_event = events.append
    song = short_song(tmp_path, seconds=6.0)
    try:
        result = render(
            song, RenderOptions(resolution="360p"), studio=studio, output=tmp_path / "cut.mp4"
        )
        info = project.show(studio, result.project_id)
    finally:
        studio.db.dispose()
        fal.close()  # type: ignore[attr-defined]

    clips = sorted((a for a in info["artifacts"] if a["kind"] == "clip"), key=lambda a: a["number"])
    assert len(clips) == 2, "the 6 s song has two shots"
    assert [bool(c.get("stand_in")) for c in clips] == [False, True]
    assert provider.tries[1, "submit"] == 3  # 500, 500, accepted
    assert provider.tries[1, "poll"] == 2  # 429, COMPLETED
    assert RETRY_AFTER in waits  # the server's Retry-After, not the 0.05 s backoff
    assert RETRY_AFTER <= watch.seconds[0] < LIMIT  # really waited for, and no longer

    assert list(info["stand_ins"]) == ["2"]
    reason = info["stand_ins"]["2"]
    assert reason.startswith(f"fal: the clip did not finish in its time limit of {LIMIT:g} s")
    assert "status at http://127.0.0.1" in reason and "timed out" in reason
    assert LIMIT <= watch.seconds[1] < LIMIT + 2.0  # not HANG, nor httpx's own 90 s
    assert provider.tries[2, "cancel"] == 1  # the provider's job is not left running
    assert any(e.startswith("shot 2: fal could not make the clip (fal: the clip did not")
               for e in events)  # fmt: skip
    assert facts(tmp_path / "cut.mp4").frames > 0
