"""One clip's time limit holds whatever the provider does: hangs on any call, asks to wait
longer than the time left, or keeps the job running; the provider's job is then cancelled
and the error says which call and how long the limit was. Real clocks, short limits."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.unit.videogen.hosted.conftest import Rig, leftovers
from tests.unit.videogen.hosted.fakes import Answer
from videogen import ClipRequest, ProviderError, probe_video

CANCELLABLE = ("fal", "replicate", "veo")
LIMIT = 0.5  # seconds: the adapter's timeout in these tests
SLACK = 1.0  # what a test allows past the limit (thread start-up, a loaded CI machine)


@pytest.fixture
def patient() -> Iterator[httpx.Client]:
    """A client that would wait 30 s for an answer on its own."""
    with httpx.Client(timeout=30.0) as client:
        yield client


@pytest.mark.parametrize("kind", ["submit", "poll", "clip"])
def test_a_call_that_hangs_past_the_limit_fails_the_clip_within_it(
    rig: Rig,
    request_for: Callable[..., ClipRequest],
    tmp_path: Path,
    patient: httpx.Client,
    kind: str,
) -> None:
    rig.fake.replace[kind] = Answer(body={}, delay=4 * LIMIT)
    started = time.monotonic()
    with pytest.raises(ProviderError, match=rf"did not finish in (its time limit of )?{LIMIT:g} s"):
        rig.adapter(client=patient, timeout=LIMIT).generate(request_for(), tmp_path / "clip.mp4")
    assert time.monotonic() - started < LIMIT + SLACK
    assert not (tmp_path / "clip.mp4").exists() and not leftovers(tmp_path)
    if kind == "poll":  # a job that was made is cancelled, not left running unwatched
        assert len(rig.fake.of("cancel")) == (1 if rig.fake.name in CANCELLABLE else 0)


def test_a_retry_after_longer_than_the_time_left_is_not_waited_for(
    rig: Rig, request_for: Callable[..., ClipRequest], tmp_path: Path
) -> None:
    rig.fake.queued["submit"].append(
        Answer(429, {"detail": "slow down"}, headers={"Retry-After": "30"})
    )
    with pytest.raises(
        ProviderError, match=r"did not finish in its time limit of 0\.5 s.*HTTP 429"
    ):
        rig.adapter(timeout=LIMIT).generate(request_for(), tmp_path / "clip.mp4")
    assert rig.waits == [] and len(rig.fake.of("submit")) == 1


def test_a_retry_after_within_the_time_left_is_waited_for(
    rig: Rig, request_for: Callable[..., ClipRequest], tmp_path: Path
) -> None:
    rig.fake.queued["submit"].append(
        Answer(429, {"detail": "slow down"}, headers={"Retry-After": "0.3"})
    )
    rig.fake.queued["poll"] += [Answer(500, {"detail": "boom"}), Answer(503, raw=b"down")]
    started = time.monotonic()
    out = rig.adapter(timeout=5.0, sleep=None).generate(request_for(), tmp_path / "clip.mp4")
    assert time.monotonic() - started >= 0.3  # really waited, as the server asked
    assert probe_video(out).n_frames == 30
    assert len(rig.fake.of("submit")) == 2


def test_a_job_still_running_at_the_limit_is_cancelled_with_no_poll_past_it(
    rig: Rig, request_for: Callable[..., ClipRequest], tmp_path: Path
) -> None:
    rig.fake.pending = 10**6
    started = time.monotonic()
    with pytest.raises(ProviderError, match=r"did not finish in (its time limit of )?0\.5 s"):
        rig.adapter(timeout=LIMIT, first_poll=0.2, sleep=None).generate(
            request_for(), tmp_path / "clip.mp4"
        )
    assert LIMIT <= time.monotonic() - started < LIMIT + SLACK
    assert len(rig.fake.of("cancel")) == (1 if rig.fake.name in CANCELLABLE else 0)


def test_a_cancel_that_hangs_is_given_up_after_its_own_few_seconds(
    serve: Callable[[str], Rig],
    request_for: Callable[..., ClipRequest],
    tmp_path: Path,
    patient: httpx.Client,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from videogen.hosted import _base

    monkeypatch.setattr(_base, "CANCEL_LIMIT", 0.5)
    rig = serve("fal")
    rig.fake.pending = 10**6
    rig.fake.replace["cancel"] = Answer(body={}, delay=3.0)
    started = time.monotonic()
    with pytest.raises(ProviderError, match=r"did not finish in 0\.5 s; it was cancelled"):
        rig.adapter(client=patient, timeout=0.5, sleep=None).generate(
            request_for(), tmp_path / "clip.mp4"
        )
    assert time.monotonic() - started < 0.5 + 0.5 + SLACK
    assert len(rig.fake.of("cancel")) == 1
