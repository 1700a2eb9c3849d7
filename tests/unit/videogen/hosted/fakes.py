"""Fakes that speak each provider's documented protocol (see the adapters' docstrings).

A fake answers ``handle(method, url, headers, body)``; the same fake runs behind a local
http server (tests) or behind ``httpx.MockTransport`` under the production host names. Every
request is recorded as a :class:`Seen` of one kind: submit, poll, result, cancel or clip.
"""

from __future__ import annotations

import abc
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import jwt

KEYS = {
    "FAL_KEY": "fal-SECRET-key-4242",
    "REPLICATE_API_TOKEN": "r8_SECRET_token_4242",
    "GEMINI_API_KEY": "gemini-SECRET-key-4242",
    "KLING_ACCESS_KEY": "kling-ACCESS-4242",
    "KLING_SECRET_KEY": "kling-SECRET-4242-long-enough-for-hs256",
}


@dataclass
class Answer:
    """A canned answer: status, JSON ``body`` or ``raw`` bytes, headers, a delay before it,
    and ``cut``: send only that many bytes of the body after declaring all of them."""

    status: int = 200
    body: Any = None
    raw: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    cut: int | None = None


@dataclass
class Seen:
    kind: str
    method: str
    host: str
    path: str
    headers: dict[str, str]
    body: Any


class Fake(abc.ABC):
    """The shared part: recording, auth, canned answers.

    ``pending`` polls answer "still working" before the job is done; ``queued[kind]`` answers
    come first, one per request; ``replace[kind]`` replaces the normal answer every time;
    ``video_url`` replaces the clip's URL in the result.
    """

    name = ""
    keyed_clip = False  # the clip URL wants the key (Veo)

    def __init__(self, clip: bytes) -> None:
        self.base = ""  # API root
        self.files = ""  # where the clip is served
        self.clip = clip
        self.pending = 1
        self.queued: dict[str, list[Answer]] = defaultdict(list)
        self.replace: dict[str, Answer] = {}
        self.video_url: str | None = None
        self.seen: list[Seen] = []
        self._lock = threading.Lock()

    def of(self, kind: str) -> list[Seen]:
        return [s for s in self.seen if s.kind == kind]

    def clip_url(self) -> str:
        return self.video_url or f"{self.files}/files/clip.mp4?sig=SIGNED&expires=1"

    @property
    def done(self) -> bool:
        return len(self.of("poll")) > self.pending

    def handle(self, method: str, url: str, headers: dict[str, str], body: Any) -> Answer:
        parts = urlsplit(url)
        kind = self.kind(method, parts.path)
        with self._lock:
            self.seen.append(Seen(kind, method, parts.netloc, parts.path, headers, body))
            if (kind != "clip" or self.keyed_clip) and not self.authorized(headers):
                return Answer(401, {"detail": f"invalid credentials: {headers}"})
            if self.queued[kind]:
                return self.queued[kind].pop(0)
            if kind in self.replace:
                return self.replace[kind]
            if kind == "clip":
                return Answer(raw=self.clip, headers={"content-type": "video/mp4"})
            return self.normal(kind, body)

    @abc.abstractmethod
    def kind(self, method: str, path: str) -> str:
        """Which endpoint a request is for."""

    @abc.abstractmethod
    def authorized(self, headers: dict[str, str]) -> bool:
        """Whether the request carries the provider's auth."""

    @abc.abstractmethod
    def normal(self, kind: str, body: Any) -> Answer:
        """The provider's answer when no test queued another."""


class FakeFal(Fake):
    """queue.fal.run: submit → request URLs; status IN_QUEUE → IN_PROGRESS → COMPLETED."""

    name = "fal"
    model = "fal-ai/kling-video/v2.1/standard/image-to-video"
    request = "/fal-ai/kling-video/requests/req-1"

    def kind(self, method: str, path: str) -> str:
        if method == "POST" and path == f"/{self.model}":
            return "submit"
        if path == f"{self.request}/status":
            return "poll"
        if method == "PUT" and path == f"{self.request}/cancel":
            return "cancel"
        return "result" if path == self.request else "clip"

    def authorized(self, headers: dict[str, str]) -> bool:
        return headers.get("authorization") == f"Key {KEYS['FAL_KEY']}"

    def normal(self, kind: str, body: Any) -> Answer:
        root = f"{self.base}{self.request}"
        if kind == "submit":
            urls = {"status_url": f"{root}/status", "response_url": root}
            return Answer(body={"request_id": "req-1", "cancel_url": f"{root}/cancel", **urls})
        if kind == "poll":
            polls = len(self.of("poll"))
            if self.done:
                return Answer(body={"status": "COMPLETED", "response_url": root, "logs": []})
            if polls == 1:
                return Answer(body={"status": "IN_QUEUE", "queue_position": 0})
            logs = [{"message": "step 3/30", "level": "INFO", "timestamp": "2026-01-01"}]
            return Answer(body={"status": "IN_PROGRESS", "logs": logs})
        if kind == "cancel":
            return Answer(202, {"status": "CANCELLATION_REQUESTED"})
        return Answer(body={"video": {"url": self.clip_url(), "content_type": "video/mp4"}})


class FakeReplicate(Fake):
    """api.replicate.com: create → prediction; poll urls.get; cancel urls.cancel."""

    name = "replicate"
    prediction = "/v1/predictions/pred-1"

    def kind(self, method: str, path: str) -> str:
        if method == "POST" and path == "/v1/models/kwaivgi/kling-v2.1/predictions":
            return "submit"
        if method == "POST" and path == f"{self.prediction}/cancel":
            return "cancel"
        return "poll" if path == self.prediction else "clip"

    def authorized(self, headers: dict[str, str]) -> bool:
        return headers.get("authorization") == f"Bearer {KEYS['REPLICATE_API_TOKEN']}"

    def state(self, status: str, output: Any = None, error: Any = None) -> dict[str, Any]:
        root = f"{self.base}{self.prediction}"
        return {
            "id": "pred-1",
            "model": "kwaivgi/kling-v2.1",
            "status": status,
            "output": output,
            "error": error,
            "urls": {"get": root, "cancel": f"{root}/cancel", "stream": f"{root}/stream"},
        }

    def normal(self, kind: str, body: Any) -> Answer:
        if kind == "submit":
            return Answer(201, self.state("starting"))
        if kind == "cancel":
            return Answer(body=self.state("canceled"))
        if self.done:
            return Answer(body=self.state("succeeded", output=self.clip_url()))
        return Answer(body=self.state("processing"))


class FakeVeo(Fake):
    """generativelanguage.googleapis.com: predictLongRunning → operation; poll until done;
    the video URI wants the key; ``redirect_to`` makes it redirect there."""

    name = "veo"
    keyed_clip = True
    model = "veo-3.1-fast-generate-preview"
    operation = f"models/{model}/operations/op-1"

    def __init__(self, clip: bytes) -> None:
        super().__init__(clip)
        self.redirect_to: str | None = None

    def clip_url(self) -> str:
        return self.video_url or f"{self.files}/v1beta/files/vid-1:download?alt=media"

    def kind(self, method: str, path: str) -> str:
        if method == "POST" and path == f"/v1beta/models/{self.model}:predictLongRunning":
            return "submit"
        if method == "POST" and path == f"/v1beta/{self.operation}:cancel":
            return "cancel"
        if path == f"/v1beta/{self.operation}":
            return "poll"
        return "redirected" if path.startswith("/redirected/") else "clip"

    def handle(self, method: str, url: str, headers: dict[str, str], body: Any) -> Answer:
        if self.kind(method, urlsplit(url).path) == "redirected":
            self.seen.append(Seen("redirected", method, urlsplit(url).netloc, url, headers, body))
            return Answer(raw=self.clip)
        if self.redirect_to and self.kind(method, urlsplit(url).path) == "clip":
            answer = super().handle(method, url, headers, body)
            if answer.status != 200:
                return answer
            return Answer(302, raw=b"", headers={"location": self.redirect_to})
        return super().handle(method, url, headers, body)

    def authorized(self, headers: dict[str, str]) -> bool:
        return headers.get("x-goog-api-key") == KEYS["GEMINI_API_KEY"]

    def normal(self, kind: str, body: Any) -> Answer:
        if kind == "submit":
            return Answer(body={"name": self.operation})
        if kind == "cancel":
            return Answer(body={})
        if not self.done:
            return Answer(body={"name": self.operation, "metadata": {"progressPercent": 40}})
        sample = {"video": {"uri": self.clip_url()}}
        response = {
            "@type": "type.googleapis.com/google.ai.generativelanguage.v1beta."
            "PredictLongRunningResponse",
            "generateVideoResponse": {"generatedSamples": [sample]},
        }
        return Answer(body={"name": self.operation, "done": True, "response": response})


class FakeKling(Fake):
    """api-singapore.klingai.com: JWT auth; image2video task submitted → processing → succeed."""

    name = "kling"
    tasks = "/v1/videos/image2video"

    def kind(self, method: str, path: str) -> str:
        if method == "POST" and path == self.tasks:
            return "submit"
        return "poll" if path == f"{self.tasks}/task-1" else "clip"

    def authorized(self, headers: dict[str, str]) -> bool:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        try:
            claims = jwt.decode(
                token,
                KEYS["KLING_SECRET_KEY"],
                algorithms=["HS256"],
                options={"require": ["iss", "exp", "nbf"]},
            )
        except jwt.PyJWTError:
            return False
        header = jwt.get_unverified_header(token)
        return (
            scheme == "Bearer"
            and claims["iss"] == KEYS["KLING_ACCESS_KEY"]
            and header == {"alg": "HS256", "typ": "JWT"}
        )

    def envelope(self, data: Any, code: int = 0, message: str = "SUCCEED") -> dict[str, Any]:
        return {"code": code, "message": message, "request_id": "rq-1", "data": data}

    def normal(self, kind: str, body: Any) -> Answer:
        if kind == "submit":
            return Answer(body=self.envelope({"task_id": "task-1", "task_status": "submitted"}))
        if not self.done:
            status = "submitted" if len(self.of("poll")) == 1 else "processing"
            return Answer(body=self.envelope({"task_id": "task-1", "task_status": status}))
        video = {"id": "v-1", "url": self.clip_url(), "duration": "5.1"}
        task = {"task_id": "task-1", "task_status": "succeed", "task_result": {"videos": [video]}}
        return Answer(body=self.envelope(task))


FAKES: dict[str, type[Fake]] = {
    "fal": FakeFal,
    "replicate": FakeReplicate,
    "veo": FakeVeo,
    "kling": FakeKling,
}
