"""What every hosted adapter does the same way, against each provider's fake in turn:
retries, time-outs, cancelling, refusing bad answers and bad clips, keeping keys secret."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.unit.videogen.hosted.conftest import ADAPTERS, PROVIDERS, Rig, leftovers
from tests.unit.videogen.hosted.fakes import KEYS, Answer
from videogen import (
    ClipRequest,
    GenerationCancelled,
    MediaError,
    ProviderAuthError,
    ProviderError,
    probe_video,
)

CANCELLABLE = ("fal", "replicate", "veo")  # Kling's API has no cancel
FILE_HOSTS = {  # a documented result host of each provider
    "fal": "v3.fal.media",
    "replicate": "replicate.delivery",
    "veo": "generativelanguage.googleapis.com",
    "kling": "cdn.klingai.com",
}


def test_429_and_5xx_are_retried_honouring_retry_after(
    rig: Rig, request_for: Callable[..., ClipRequest], tmp_path: Path
) -> None:
    rig.fake.queued["submit"].append(
        Answer(429, {"detail": "rate limited"}, headers={"Retry-After": "7"})
    )
    rig.fake.queued["poll"] += [Answer(500, {"detail": "boom"}), Answer(503, raw=b"down")]
    out = rig.adapter().generate(request_for(), tmp_path / "clip.mp4")

    info = probe_video(out)
    assert (info.n_frames, info.width, info.height, info.fps) == (30, 160, 90, 24)
    assert len(rig.fake.of("submit")) == 2
    assert 7.0 in rig.waits  # the server's Retry-After, not the 0.01 s backoff
    backoffs = [w for w in rig.waits if w < 0.1]
    assert len(backoffs) >= 2 and all(0.005 <= w <= 0.04 for w in backoffs)


def test_giving_up_after_max_retries_names_the_last_error(
    rig: Rig, request_for: Callable[..., ClipRequest], tmp_path: Path
) -> None:
    rig.fake.queued["submit"] += [Answer(502, {"detail": "bad gateway"}) for _ in range(3)]
    with pytest.raises(ProviderError, match=r"after 3 attempts.*HTTP 502"):
        rig.adapter(max_retries=2).generate(request_for(), tmp_path / "clip.mp4")
    assert len(rig.fake.of("submit")) == 3
    assert not (tmp_path / "clip.mp4").exists()


def test_a_job_that_never_finishes_is_cancelled(
    rig: Rig,
    request_for: Callable[..., ClipRequest],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    rig.fake.pending = 10**6
    with pytest.raises(ProviderError, match="did not finish"):
        rig.adapter(timeout=0.05).generate(request_for(), tmp_path / "clip.mp4")
    cancels = len(rig.fake.of("cancel"))
    if rig.fake.name in CANCELLABLE:
        assert cancels == 1
    else:
        assert cancels == 0 and "cannot cancel task task-1" in caplog.text
    assert rig.fake.of("clip") == [] and not (tmp_path / "clip.mp4").exists()


def test_a_hanging_poll_times_out_and_the_job_is_cancelled(
    rig: Rig, request_for: Callable[..., ClipRequest], tmp_path: Path
) -> None:
    rig.fake.queued["poll"] += [Answer(body={}, delay=0.4) for _ in range(3)]
    with httpx.Client(timeout=0.1) as impatient, pytest.raises(ProviderError, match="timed out"):
        rig.adapter(client=impatient).generate(request_for(), tmp_path / "clip.mp4")
    assert len(rig.fake.of("poll")) == 3
    assert len(rig.fake.of("cancel")) == (1 if rig.fake.name in CANCELLABLE else 0)


def test_the_cancel_flag_cancels_the_providers_job(
    rig: Rig, request_for: Callable[..., ClipRequest], tmp_path: Path
) -> None:
    rig.fake.pending = 10**6
    with pytest.raises(GenerationCancelled):
        rig.adapter().generate(
            request_for(), tmp_path / "clip.mp4", cancel=lambda: len(rig.fake.of("poll")) >= 2
        )
    assert len(rig.fake.of("poll")) == 2
    assert len(rig.fake.of("cancel")) == (1 if rig.fake.name in CANCELLABLE else 0)
    assert not (tmp_path / "clip.mp4").exists()


@pytest.mark.parametrize("kind", ["submit", "poll"])
def test_garbage_json_is_a_provider_error_naming_what_was_expected(
    rig: Rig, request_for: Callable[..., ClipRequest], tmp_path: Path, kind: str
) -> None:
    rig.fake.queued[kind].append(Answer(raw=b"<html><body>502 Bad Gateway</body></html>"))
    with pytest.raises(ProviderError, match=r"not a JSON object \(expected .+\).*Bad Gateway"):
        rig.adapter().generate(request_for(), tmp_path / "clip.mp4")
    assert rig.fake.of("clip") == []


@pytest.mark.parametrize("kind", ["submit", "poll"])
def test_json_without_the_documented_fields_is_unexpected(
    rig: Rig, request_for: Callable[..., ClipRequest], tmp_path: Path, kind: str
) -> None:
    rig.fake.queued[kind].append(Answer(body={"hello": "world"}))
    with pytest.raises(ProviderError, match=f"unexpected {rig.fake.name} answer"):
        rig.adapter().generate(request_for(), tmp_path / "clip.mp4")


@pytest.mark.parametrize("where", ["other-origin", "other-scheme", "ip-literal", "redirect"])
def test_clips_anywhere_but_the_providers_hosts_are_refused(
    serve: Callable[[str], Rig],
    request_for: Callable[..., ClipRequest],
    tmp_path: Path,
    where: str,
) -> None:
    for provider in PROVIDERS:
        rig, foreign = serve(provider), serve(provider)  # another port: another origin
        elsewhere = f"{foreign.fake.base}/files/clip.mp4"
        if where == "other-origin":
            rig.fake.video_url = elsewhere
        elif where == "other-scheme":
            rig.fake.video_url = f"http://{FILE_HOSTS[provider]}/files/clip.mp4"
        elif where == "ip-literal":
            rig.fake.video_url = "https://10.0.0.7/files/clip.mp4"
        elif provider == "veo":  # Veo follows its documented redirect, but only to Google
            rig.fake.redirect_to = elsewhere
        else:
            rig.fake.replace["clip"] = Answer(302, raw=b"", headers={"Location": elsewhere})
        with pytest.raises(ProviderError, match=r"refusing to fetch|redirects are not followed"):
            rig.adapter().generate(request_for(), tmp_path / "clip.mp4")
        assert foreign.fake.seen == [], provider
        assert not (tmp_path / "clip.mp4").exists() and not leftovers(tmp_path)


@pytest.mark.parametrize(
    ("clip", "message"),
    [
        ("empty", r"empty \(0 bytes\)"),
        ("cut-short", "cut short"),
        ("truncated", "truncated|cannot read|moov"),
        ("portrait", "aspect ratio 0.562, but 1.778 was asked for"),
        ("slideshow", "implausible frame rate"),
        ("tiny", "too small for its slot"),
    ],
)
def test_bad_clips_are_media_errors_and_leave_nothing(
    rig: Rig,
    clips: dict[str, bytes],
    request_for: Callable[..., ClipRequest],
    tmp_path: Path,
    clip: str,
    message: str,
) -> None:
    out = tmp_path / "clip.mp4"
    out.write_bytes(b"the previous take")
    if clip == "cut-short":
        rig.fake.replace["clip"] = Answer(raw=clips["good"], cut=len(clips["good"]) // 3)
    else:
        rig.fake.replace["clip"] = Answer(raw=clips[clip])
    with pytest.raises(MediaError, match=message):
        rig.adapter().generate(request_for(), out)
    assert out.read_bytes() == b"the previous take"
    assert not leftovers(tmp_path)


def test_a_missing_key_names_the_variable(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    cls = ADAPTERS[rig.fake.name]
    assert cls.availability().available
    for name in KEYS:
        monkeypatch.delenv(name)
    with pytest.raises(ProviderAuthError, match=cls.key_envs[0]):
        rig.adapter()
    info = cls.availability()
    assert not info.available and all(n in info.detail for n in cls.key_envs)
    assert rig.fake.seen == []


def test_a_refused_key_is_an_auth_error_without_the_key(
    rig: Rig,
    request_for: Callable[..., ClipRequest],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    wrong = "WRONG-key-value-9999-long-enough-for-hs256"
    for name in ADAPTERS[rig.fake.name].key_envs:
        monkeypatch.setenv(name, wrong)
    with pytest.raises(ProviderAuthError, match="refused") as info:
        rig.adapter().generate(request_for(), tmp_path / "clip.mp4")
    assert wrong not in str(info.value)  # the fake echoes the credentials it was sent
    assert ADAPTERS[rig.fake.name].key_envs[-1] in str(info.value)
    assert len(rig.fake.of("submit")) == 1  # auth failures are not retried


def leak_scenarios(echo: str) -> list[Callable[[Rig], None]]:
    """Four failures whose provider text holds ``echo`` (the keys), then a success."""
    return [
        lambda r: r.fake.queued["submit"].append(Answer(422, {"detail": f"echo {echo}"})),
        lambda r: r.fake.queued["poll"].extend(Answer(503, raw=echo.encode()) for _ in "abc"),
        lambda r: r.fake.queued["poll"].append(Answer(raw=f"<p>{echo}</p>".encode())),
        lambda r: setattr(r.fake, "video_url", f"https://x.test/{echo}?sig={echo}"),
        lambda r: None,
    ]


def test_keys_and_signatures_never_reach_errors_or_logs(
    serve: Callable[[str], Rig],
    request_for: Callable[..., ClipRequest],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    for provider in PROVIDERS:
        secrets = [KEYS[n] for n in ADAPTERS[provider].key_envs if n in KEYS]
        messages = []
        caplog.clear()
        for scenario in leak_scenarios(" ".join(secrets)):
            rig = serve(provider)
            scenario(rig)
            try:
                rig.adapter().generate(request_for(), tmp_path / f"{provider}.mp4")
            except ProviderError as exc:
                messages.append(str(exc))
        assert len(messages) == 4
        logged = [r.getMessage() for r in caplog.records]
        clip_path = urlsplit(rig.fake.clip_url()).path
        assert any("HTTP Request: GET" in m and clip_path in m for m in logged), provider
        for text in messages + logged:
            assert not any(secret in text for secret in secrets), text
            assert "SIGNED" not in text, text  # signed URLs lose their query string
