"""The hosted FLUX.2 engine against an in-test server that speaks BFL's documented protocol."""

from __future__ import annotations

import base64
import io
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from imagegen.errors import GenerationCancelled, ImageGenInputError, ProviderError
from imagegen.flux2 import urls
from imagegen.flux2.hosted import Flux2HostedEngine
from imagegen.request import ImageRequest

KEY = "bfl_test_SECRET_4242"


def png(size: tuple[int, int], mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, "orange").save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass
class Answer:
    """A canned answer: status, JSON or raw body, headers, and a delay before sending it."""

    status: int = 200
    body: Any = None
    raw: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Seen:
    kind: str
    path: str
    headers: dict[str, str]
    body: Any
    at: float


class FakeBFL:
    """Submit → id + polling_url; poll → Pending ``pending`` times then Ready; serve a PNG.

    ``queued[kind]`` holds answers given before the normal one (kinds: submit, poll, sample);
    ``ready``/``submitted``/``sample`` replace the normal answers when set.
    """

    def __init__(self, client: httpx.Client) -> None:
        self.base = ""
        self.client = client  # shared: making an httpx client costs ~50 ms (SSL context)
        self.pending = 2
        self.sample_size: tuple[int, int] | None = None
        self.sample: Answer | None = None
        self.ready: dict[str, Any] | None = None
        self.submitted: dict[str, Any] | None = None
        self.queued: dict[str, list[Answer]] = {"submit": [], "poll": [], "sample": []}
        self.seen: list[Seen] = []
        self._size = (64, 64)
        self._lock = threading.Lock()

    def of(self, kind: str) -> list[Seen]:
        return [s for s in self.seen if s.kind == kind]

    def answer(self, kind: str, path: str, headers: dict[str, str], body: Any) -> Answer:
        with self._lock:
            self.seen.append(Seen(kind, path, headers, body, time.monotonic()))
            if kind != "sample" and headers.get("x-key") != KEY:
                key = headers.get("x-key", "")
                return Answer(401, {"detail": f"Not authenticated: invalid key {key!r}"})
            if self.queued[kind]:
                return self.queued[kind].pop(0)
            if kind == "submit":
                self._size = (body["width"], body["height"])
                task = {"id": "task-1", "polling_url": f"{self.base}/v1/get_result?id=task-1"}
                return Answer(body=self.submitted or task)
            if kind == "poll":
                if len(self.of("poll")) <= self.pending:
                    return Answer(body={"id": "task-1", "status": "Pending", "result": None})
                sample = f"{self.base}/results/task-1/sample.png?se=2026&sig=SIGNED"
                ready = {"id": "task-1", "status": "Ready", "result": {"sample": sample}}
                return Answer(body=self.ready or ready)
            return self.sample or Answer(raw=png(self.sample_size or self._size))


def _handler(fake: FakeBFL) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self, kind: str, body: Any) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            answer = fake.answer(kind, self.path, headers, body)
            time.sleep(answer.delay)
            raw = answer.raw if answer.raw is not None else json.dumps(answer.body).encode()
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length))
            self._serve("submit", body)

        def do_GET(self) -> None:
            kind = "poll" if self.path.startswith("/v1/get_result") else "sample"
            self._serve(kind, None)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that gave up (the timeout tests) are expected: no traceback on stderr."""


@pytest.fixture(scope="module")
def shared_client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5.0) as client:
        yield client


@pytest.fixture
def serve(shared_client: httpx.Client) -> Iterator[Callable[[], FakeBFL]]:
    servers: list[ThreadingHTTPServer] = []

    def start() -> FakeBFL:
        fake = FakeBFL(shared_client)
        server = QuietServer(("127.0.0.1", 0), _handler(fake))
        threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
        fake.base = f"http://127.0.0.1:{server.server_port}"
        servers.append(server)
        return fake

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def bfl(serve: Callable[[], FakeBFL]) -> FakeBFL:
    return serve()


def engine(bfl: FakeBFL, **options: Any) -> Flux2HostedEngine:
    """An engine on the fake; ``client=None`` makes it build its own default client."""
    settings: dict[str, Any] = {
        "client": bfl.client,
        "api_key": KEY,
        "base_url": bfl.base,
        "poll_interval": 0.01,
        "backoff": 0.01,
        "timeout": 5.0,
        "max_retries": 2,
    }
    return Flux2HostedEngine(**(settings | options))


def request(**fields: Any) -> ImageRequest:
    defaults: dict[str, Any] = {"prompt": "a lighthouse", "width": 96, "height": 64, "seed": 7}
    return ImageRequest(**(defaults | fields))


def refs(tmp_path: Path, count: int) -> tuple[Path, ...]:
    paths = []
    for i in range(count):
        path = tmp_path / f"ref{i}.png"
        path.write_bytes(png((16 + i, 16)))
        paths.append(path)
    return tuple(paths)


def test_happy_path_sends_the_documented_request_and_returns_the_exact_image(
    bfl: FakeBFL, tmp_path: Path
) -> None:
    references = refs(tmp_path, 2)
    image = engine(bfl, client=None).generate(request(references=references))

    assert image.size == (96, 64) and image.mode == "RGB"
    (submit,) = bfl.of("submit")
    assert submit.path == "/v1/flux-2-pro"
    assert submit.headers["x-key"] == KEY
    body = submit.body
    assert (body["prompt"], body["width"], body["height"], body["seed"]) == (
        "a lighthouse",
        96,
        64,
        7,
    )
    assert body["output_format"] == "png"
    assert base64.b64decode(body["input_image"]) == references[0].read_bytes()
    assert base64.b64decode(body["input_image_2"]) == references[1].read_bytes()
    assert "steps" not in body and "guidance" not in body
    polls = bfl.of("poll")
    assert len(polls) == bfl.pending + 1
    assert all(p.headers["x-key"] == KEY for p in polls)
    assert all(p.path == "/v1/get_result?id=task-1" for p in polls)
    (sample,) = bfl.of("sample")
    assert "x-key" not in sample.headers  # the signed delivery URL never sees the key


def test_flex_sends_steps_and_guidance(bfl: FakeBFL) -> None:
    engine(bfl, model="flex").generate(request(steps=12, guidance=3.5))
    (submit,) = bfl.of("submit")
    assert submit.path == "/v1/flux-2-flex"
    assert submit.body["steps"] == 12 and submit.body["guidance"] == 3.5
    assert submit.body["prompt_upsampling"] is False  # our prompts reach the model as written


def test_each_model_has_its_own_cache_version(bfl: FakeBFL) -> None:
    versions = {engine(bfl, model=m).version for m in ("pro", "max", "flex")}
    assert len(versions) == 3


@pytest.mark.parametrize("model", ["pro", "max"])
@pytest.mark.parametrize("override", [{"steps": 12}, {"guidance": 3.5}])
def test_pro_and_max_refuse_steps_and_guidance(
    bfl: FakeBFL, model: str, override: dict[str, Any]
) -> None:
    (name,) = override
    with pytest.raises(ImageGenInputError, match=name):
        engine(bfl, model=model).generate(request(**override))
    assert bfl.seen == []


def test_too_many_references_is_refused_before_sending(bfl: FakeBFL, tmp_path: Path) -> None:
    with pytest.raises(ImageGenInputError, match="at most 8"):
        engine(bfl).generate(request(references=refs(tmp_path, 9)))
    assert bfl.seen == []


def test_a_reference_that_is_not_an_image_is_named(bfl: FakeBFL, tmp_path: Path) -> None:
    bad = tmp_path / "notes.png"
    bad.write_text("not an image")
    with pytest.raises(ImageGenInputError, match=r"notes\.png"):
        engine(bfl).generate(request(references=(bad,)))
    assert bfl.seen == []


def test_unknown_model_lists_the_known_ones(bfl: FakeBFL) -> None:
    with pytest.raises(ImageGenInputError, match="'pro', 'max', 'flex'"):
        engine(bfl, model="dev")


def test_plain_http_is_only_for_loopback() -> None:
    with pytest.raises(ImageGenInputError, match="https"):
        Flux2HostedEngine(api_key=KEY, base_url="http://api.bfl.ai")


def test_429_is_retried_after_the_servers_retry_after(bfl: FakeBFL) -> None:
    bfl.queued["submit"].append(
        Answer(429, {"detail": "slow down"}, headers={"Retry-After": "0.3"})
    )
    image = engine(bfl).generate(request())
    assert image.size == (96, 64)
    first, second = bfl.of("submit")
    assert second.at - first.at >= 0.3  # backoff alone would have waited 0.01 s


@pytest.mark.parametrize("kind", ["submit", "poll", "sample"])
def test_5xx_on_every_attempt_gives_up_after_max_retries(bfl: FakeBFL, kind: str) -> None:
    bfl.queued[kind] = [Answer(500, {"detail": "boom"}) for _ in range(3)]
    with pytest.raises(ProviderError, match=r"after 3 attempts.*HTTP 500"):
        engine(bfl, max_retries=2).generate(request())
    assert len(bfl.of(kind)) == 3


def test_a_hanging_answer_is_retried_then_reported(bfl: FakeBFL) -> None:
    bfl.queued["poll"] = [Answer(delay=0.5) for _ in range(3)]
    with httpx.Client(timeout=0.1) as client, pytest.raises(ProviderError, match="timed out"):
        engine(bfl, client=client).generate(request())
    assert len(bfl.of("poll")) == 3


def test_other_4xx_are_reported_with_the_providers_message_and_not_retried(bfl: FakeBFL) -> None:
    bfl.queued["submit"].append(Answer(422, {"detail": "width must be a multiple of 16"}))
    with pytest.raises(ProviderError, match=r"422.*width must be a multiple of 16"):
        engine(bfl).generate(request())
    assert len(bfl.of("submit")) == 1


def test_a_wrong_key_is_reported_as_refused(bfl: FakeBFL) -> None:
    with pytest.raises(ProviderError, match="refused the API key") as info:
        engine(bfl, api_key="bfl_wrong_key").generate(request())
    assert "bfl_wrong_key" not in str(info.value)
    assert len(bfl.of("submit")) == 1


@pytest.mark.parametrize(
    "answer",
    [Answer(raw=b"<html>gateway</html>"), Answer(body={"id": "task-1"}), Answer(body=["task-1"])],
    ids=["not-json", "no-polling-url", "not-an-object"],
)
def test_garbage_submit_answers_are_unexpected(bfl: FakeBFL, answer: Answer) -> None:
    bfl.queued["submit"].append(answer)
    with pytest.raises(ProviderError, match="unexpected answer from"):
        engine(bfl).generate(request())


def test_ready_without_a_sample_is_unexpected(bfl: FakeBFL) -> None:
    bfl.pending = 0
    bfl.ready = {"id": "task-1", "status": "Ready", "result": {}}
    with pytest.raises(ProviderError, match=r"unexpected answer.*task-1"):
        engine(bfl).generate(request())


@pytest.mark.parametrize(
    "status", ["Content Moderated", "Request Moderated", "Error", "Failed", "Task not found"]
)
def test_failed_tasks_report_status_and_details(bfl: FakeBFL, status: str) -> None:
    bfl.pending = 0
    bfl.ready = {"id": "task-1", "status": status, "details": {"reason": "flagged: hands"}}
    with pytest.raises(ProviderError, match=f"task-1.*{status}.*flagged: hands"):
        engine(bfl).generate(request())
    assert bfl.of("sample") == []


@pytest.mark.parametrize("where", ["polling_url", "sample"])
def test_urls_on_a_foreign_host_are_refused_without_contacting_it(
    serve: Callable[[], FakeBFL], where: str
) -> None:
    bfl, foreign = serve(), serve()  # same address, another port: another origin
    if where == "polling_url":
        bfl.submitted = {"id": "task-1", "polling_url": f"{foreign.base}/v1/get_result?id=1"}
    else:
        bfl.ready = {"status": "Ready", "result": {"sample": f"{foreign.base}/results/x.png"}}
    with pytest.raises(ProviderError, match=r"refusing to fetch.*host not allowed"):
        engine(bfl).generate(request())
    assert foreign.seen == []


def test_a_redirected_sample_is_refused(bfl: FakeBFL) -> None:
    bfl.sample = Answer(302, raw=b"", headers={"Location": f"{bfl.base}/elsewhere.png"})
    with httpx.Client(follow_redirects=True) as follows:  # the engine overrides the caller's
        for client in (None, follows):
            with pytest.raises(ProviderError, match="redirect"):
                engine(bfl, client=client).generate(request())
    assert len(bfl.of("sample")) == 2


def test_a_refused_sample_url_is_not_blamed_on_the_key(bfl: FakeBFL) -> None:
    bfl.sample = Answer(403, raw=b"<Error>AuthenticationFailed: signature expired</Error>")
    with pytest.raises(ProviderError, match="signature expired") as info:
        engine(bfl).generate(request())
    assert "API key" not in str(info.value)
    assert len(bfl.of("sample")) == 1


@pytest.mark.parametrize("raw", [b"", b"\x89PNG but not really"], ids=["empty", "not-an-image"])
def test_a_sample_that_is_not_an_image_is_an_error(bfl: FakeBFL, raw: bytes) -> None:
    bfl.sample = Answer(raw=raw)
    with pytest.raises(ProviderError, match="task-1"):
        engine(bfl).generate(request())


def test_an_off_size_sample_is_resized_to_the_request(bfl: FakeBFL) -> None:
    bfl.sample = Answer(raw=png((80, 48), mode="RGBA"))
    image = engine(bfl).generate(request(width=96, height=64))
    assert image.size == (96, 64) and image.mode == "RGB"


def test_an_undocumented_status_counts_as_still_working(bfl: FakeBFL) -> None:
    bfl.queued["poll"].append(Answer(body={"id": "task-1", "status": "Processing"}))
    assert engine(bfl).generate(request()).size == (96, 64)


def test_polling_gives_up_after_timeout_naming_the_request(bfl: FakeBFL) -> None:
    bfl.pending = 10**6
    start = time.monotonic()
    with pytest.raises(ProviderError, match=r"timed out after 0.2 s, request id task-1"):
        engine(bfl, timeout=0.2, poll_interval=0.02).generate(request())
    assert time.monotonic() - start < 2


def test_cancel_between_polls(bfl: FakeBFL) -> None:
    bfl.pending = 10**6
    calls = iter([False, False, True])
    with pytest.raises(GenerationCancelled, match="task-1"):
        engine(bfl).generate(request(), cancel=lambda: next(calls))
    assert len(bfl.of("poll")) == 2


def test_generate_many_passes_cancel_into_polling(bfl: FakeBFL) -> None:
    bfl.pending = 10**6
    asked = []

    def cancel() -> bool:
        asked.append(1)
        return len(asked) > 3

    with pytest.raises(GenerationCancelled):
        list(engine(bfl).generate_many([request(), request()], cancel=cancel))
    assert len(bfl.of("submit")) == 1 and len(bfl.of("poll")) == 2


def test_generate_many_yields_every_image_with_progress(bfl: FakeBFL) -> None:
    bfl.pending = 0
    progress: list[tuple[int, int]] = []
    out = list(
        engine(bfl).generate_many(
            [request(), request(width=64)], on_progress=lambda d, t: progress.append((d, t))
        )
    )
    assert [(i, img.size) for i, img in out] == [(0, (96, 64)), (1, (64, 64))]
    assert progress == [(1, 2), (2, 2)]


def test_missing_key_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BFL_API_KEY", raising=False)
    with pytest.raises(ProviderError, match="BFL_API_KEY"):
        Flux2HostedEngine()
    info = Flux2HostedEngine.probe()
    assert not info.available and "BFL_API_KEY" in info.detail


def test_probe_is_available_with_a_key_and_never_shows_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BFL_API_KEY", KEY)
    info = Flux2HostedEngine.probe()
    assert info.available and info.name == "flux2-api"
    assert KEY not in info.detail


def test_the_key_never_reaches_errors_or_logs(
    serve: Callable[[], FakeBFL], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    messages = []
    scenarios: list[Callable[[FakeBFL], None]] = [
        lambda b: b.queued["submit"].append(Answer(401, {"detail": f"bad key {KEY}"})),
        lambda b: b.queued["submit"].append(Answer(422, {"detail": f"echo {KEY}"})),
        lambda b: b.queued["poll"].extend(Answer(503, raw=KEY.encode()) for _ in range(3)),
        lambda b: setattr(b, "ready", {"status": "Content Moderated", "details": KEY}),
        lambda b: setattr(b, "submitted", {"id": "t", "polling_url": f"https://x.test/{KEY}"}),
        lambda b: None,
    ]
    for scenario in scenarios:
        bfl = serve()
        scenario(bfl)
        try:
            engine(bfl).generate(request())
        except ProviderError as exc:
            messages.append(str(exc))
    assert len(messages) == 5
    assert all(KEY not in m for m in messages), messages
    assert caplog.records
    assert all(KEY not in r.getMessage() for r in caplog.records)


def test_production_urls_are_checked_against_bfl_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Default settings over https, through httpx's mock transport (no network)."""
    monkeypatch.setattr(urls, "resolve", lambda host: ["93.184.216.34"])
    seen: list[str] = []
    answers: dict[str, dict[str, Any]] = {
        "api.bfl.ai": {"id": "t", "polling_url": "https://api.eu2.bfl.ai/v1/get_result?id=t"},
        "api.eu2.bfl.ai": {"status": "Ready", "result": {"sample": "SAMPLE"}},
    }

    def handle(req: httpx.Request) -> httpx.Response:
        seen.append(str(req.url.host))
        if req.url.host in answers:
            return httpx.Response(200, json=answers[req.url.host])
        return httpx.Response(200, content=png((96, 64)))

    def run(sample: str) -> None:
        answers["api.eu2.bfl.ai"]["result"] = {"sample": sample}
        with httpx.Client(transport=httpx.MockTransport(handle)) as client:
            Flux2HostedEngine(api_key=KEY, client=client, poll_interval=0.01).generate(request())

    run("https://delivery-eu1.bfl.ai/results/x.png?sig=1")
    assert seen == ["api.bfl.ai", "api.eu2.bfl.ai", "delivery-eu1.bfl.ai"]
    for bad in [
        "http://delivery.bfl.ai/x.png",  # downgraded scheme
        "https://evilbfl.ai/x.png",
        "https://delivery.bfl.ai.evil.test/x.png",
        "https://api.bfl.ai@evil.test/x.png",
    ]:
        seen.clear()
        with pytest.raises(ProviderError, match="refusing to fetch"):
            run(bad)
        assert "evil" not in "".join(seen) and len(seen) == 2


@pytest.mark.parametrize("kind", ["submit", "poll", "sample"])
def test_a_call_hanging_past_the_timeout_fails_within_it(bfl: FakeBFL, kind: str) -> None:
    """The client would wait 30 s; the image's 0.5 s time limit cuts every call short."""
    bfl.queued[kind] = [Answer(delay=3.0) for _ in range(3)]
    start = time.monotonic()
    with (
        httpx.Client(timeout=30.0) as client,
        pytest.raises(
            ProviderError,
            match=rf"timed out after 0\.5 s.*\({kind if kind != 'sample' else 'download'}",
        ),
    ):
        engine(bfl, client=client, timeout=0.5).generate(request())
    assert time.monotonic() - start < 0.5 + 1.0
    assert len(bfl.of(kind)) == 1


def test_a_retry_after_past_the_timeout_is_not_waited_for(bfl: FakeBFL) -> None:
    bfl.queued["submit"].append(Answer(429, {"detail": "slow down"}, headers={"Retry-After": "30"}))
    start = time.monotonic()
    with pytest.raises(ProviderError, match=r"timed out after 2 s \(submit at .*HTTP 429: slow"):
        engine(bfl, timeout=2.0).generate(request())
    assert time.monotonic() - start < 1.0 and len(bfl.of("submit")) == 1
