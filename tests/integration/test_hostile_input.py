"""Hostile uploads and downloads: file names that climb out of folders, image bombs, files that
are something else than their name says, playlists that would make ffmpeg fetch URLs, and
download paths that climb out of the media store. Each is refused with the reason, or stored
harmlessly under a name the studio picks and served back only as what it is."""

from __future__ import annotations

import struct
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from fastapi import FastAPI
from PIL import Image, ImageFile

from tests.support.studio import Musician, running_studio, short_song
from web.config import WebSettings
from web.uploads import MAX_NAME_BYTES

HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
       b"<script>alert(document.domain)</script></svg>")  # fmt: skip


def png(size: tuple[int, int] = (64, 48)) -> bytes:
    from io import BytesIO

    buffer = BytesIO()
    Image.new("RGB", size, (200, 40, 90)).save(buffer, format="PNG")
    return buffer.getvalue()


def png_declaring(width: int, height: int, rows: bytes = b"\0" * 64) -> bytes:
    """A 1-bit PNG whose header says ``width``×``height``, with ``rows`` as its pixel data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9))
            + chunk(b"IEND", b""))  # fmt: skip


def compressible_bomb() -> bytes:
    """A valid 9000×9000 PNG of ~10 KB that decodes to 81 megapixels."""
    return png_declaring(9000, 9000, b"\0" * (1 + 9000 // 8 + 1) * 9000)


def zip_of(name: str, data: bytes) -> bytes:
    from io import BytesIO
    from zipfile import ZipFile

    buffer = BytesIO()
    with ZipFile(buffer, "w") as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


def multipart(parts: list[tuple[str, bytes | None, bytes]]) -> tuple[bytes, str]:
    """A multipart body with the file names exactly as given (bytes: NUL, backslashes …)."""
    boundary = b"storybeat-hostile-boundary"
    body = b""
    for field, filename, data in parts:
        disposition = b'form-data; name="' + field.encode() + b'"'
        if filename is not None:
            disposition += b'; filename="' + filename + b'"'
        body += b"--" + boundary + b"\r\nContent-Disposition: " + disposition + b"\r\n\r\n"
        body += data + b"\r\n"
    body += b"--" + boundary + b"--\r\n"
    return body, f"multipart/form-data; boundary={boundary.decode()}"


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hostile")


@pytest.fixture(scope="module")
def song(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return short_song(tmp_path_factory.mktemp("song"), 6.0)


@pytest.fixture(scope="module")
def studio(root: Path) -> Iterator[FastAPI]:
    yield from running_studio(root / "data", WebSettings(max_upload_mb=4))


@pytest.fixture(scope="module")
def ada(studio: FastAPI) -> Musician:
    return Musician(studio, "ada@example.com")


@pytest.fixture(scope="module")
def polyglot() -> bytes:
    """A real PNG with an HTML page and a ZIP archive appended."""
    return png() + HTML + zip_of("evil.html", HTML)


@pytest.fixture(scope="module")
def project(ada: Musician, song: Path, polyglot: bytes) -> dict[str, Any]:
    """Ada's project, waiting at the references review; its own reference is the polyglot."""
    started = ada.post(
        "/api/projects",
        data={"resolution": "360p"},
        files=[
            ("track", (song.name, song.read_bytes(), "audio/wav")),
            ("references", ("../../photo.png", polyglot, "image/png")),
        ],
    )
    job = ada.wait(started)
    pid = job["project_id"]
    job = ada.wait(ada.post(f"/api/projects/{pid}/decision", {"action": "approve"}))
    assert job["result"]["waiting_at"] == "review_generate_references"
    return {"id": pid, "job": job["id"]}


def slots(studio: FastAPI) -> set[Path]:
    return set((studio.state.settings.data_dir / "uploads").glob("*"))


def failed_job(ada: Musician, answer: Any) -> dict[str, Any]:
    assert answer.status_code == 202, answer.text
    job_id = answer.json()["job"]["id"]
    ada.client.app.state.jobs.wait(job_id, timeout=120)  # type: ignore[attr-defined]
    job = ada.get(f"/api/jobs/{job_id}").json()
    assert job["state"] == "failed", job
    return job


NOT_AUDIO = b"RIFF\x24\x00\x00\x00WAVE" + b"\x07" * 2000  # a .wav ffmpeg refuses at once
HOSTILE_NAMES = [
    b"../../../outside/evil.wav",
    b"..\\..\\..\\outside\\evil.wav",
    b"a\x00b.wav",
    "\u202eevil\u0007.wav".encode(),
    "𝄞".encode() * 100 + b".wav",  # 400 bytes: over the 255 a file name may have
    b"x" * 1000 + b".wav",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=lambda n: repr(n[:16]))
def test_upload_names_never_place_files_outside_the_projects_folder(
    studio: FastAPI, ada: Musician, root: Path, name: bytes
) -> None:
    before = slots(studio)
    body, kind = multipart([
        ("track", name, NOT_AUDIO),
        ("references", name.replace(b".wav", b".png"), png()),
        ("lyrics", name.replace(b".wav", b".txt"), b"la la la\n"),
    ])  # fmt: skip
    headers = {"X-CSRF-Token": ada.csrf, "content-type": kind}
    failed_job(ada, ada.client.post("/api/projects", content=body, headers=headers))
    (slot,) = slots(studio) - before
    stored = sorted(p.name for p in slot.iterdir())
    track = next(n for n in stored if n.endswith(".wav"))
    assert stored == sorted([track, "reference-1.png", "lyrics.txt"])
    assert not {"/", "\\", "\0", "\u202e", "\u0007"} & set(track)
    assert track.endswith(".wav") and 4 < len(track.encode()) <= MAX_NAME_BYTES
    assert sorted(p.name for p in root.iterdir()) == ["data"]  # nothing beside the data dir


def test_absolute_upload_names_stay_in_the_projects_folder(
    studio: FastAPI, ada: Musician, root: Path, tmp_path: Path
) -> None:
    before = slots(studio)
    target = tmp_path / "abs.wav"
    body, kind = multipart([("track", str(target).encode(), NOT_AUDIO)])
    headers = {"X-CSRF-Token": ada.csrf, "content-type": kind}
    failed_job(ada, ada.client.post("/api/projects", content=body, headers=headers))
    (slot,) = slots(studio) - before
    assert [p.name for p in slot.iterdir()] == ["abs.wav"] and not target.exists()


def test_the_pages_and_the_own_reference_upload_clean_names_too(
    studio: FastAPI, ada: Musician, project: dict[str, Any]
) -> None:
    before = slots(studio)
    body, kind = multipart([("csrf_token", None, ada.csrf.encode()),
                            ("track", b"../../../outside/page.wav", NOT_AUDIO)])  # fmt: skip
    answer = ada.client.post("/projects/new", content=body, headers={"content-type": kind},
                             follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303, answer.text
    (slot,) = slots(studio) - before
    assert [p.name for p in slot.iterdir()] == ["page.wav"]

    pid = project["id"]
    name = next(r["name"] for r in ada.get(f"/api/projects/{pid}").json()["references"]
                if r["kind"] == "character")  # fmt: skip
    before = slots(studio)
    image = ("../../../../outside/me.png", png(), "image/png")
    answer = ada.post(
        f"/api/projects/{pid}/references", data={"name": name}, files={"image": image}
    )
    ada.wait(answer)
    (slot,) = slots(studio) - before
    assert [p.name for p in slot.iterdir()] == ["reference.png"]


@pytest.fixture
def no_pixels_decoded(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records any decoding of pixel data by PIL while the test runs."""
    decoded: list[str] = []
    original = ImageFile.ImageFile.load

    def load(self: ImageFile.ImageFile) -> Any:
        decoded.append(f"{self.format} {self.size}")
        return original(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    return decoded


@pytest.mark.parametrize(
    "bomb", [png_declaring(100_000, 100_000), compressible_bomb()], ids=["declared", "compressed"]
)
def test_image_bombs_are_refused_at_upload_without_decoding_them(
    studio: FastAPI,
    ada: Musician,
    song: Path,
    project: dict[str, Any],
    no_pixels_decoded: list[str],
    bomb: bytes,
) -> None:
    before = slots(studio)
    answer = ada.post(
        "/api/projects",
        files=[("track", (song.name, song.read_bytes(), "audio/wav")),
               ("references", ("huge.png", bomb, "image/png"))],
    )  # fmt: skip
    assert answer.status_code == 400, answer.text
    assert "'huge.png' is too large an image: at most 64 megapixels" in answer.json()["detail"]

    pid = project["id"]
    name = next(r["name"] for r in ada.get(f"/api/projects/{pid}").json()["references"]
                if r["kind"] == "character")  # fmt: skip
    own = ada.post(f"/api/projects/{pid}/references", data={"name": name},
                   files={"image": ("huge.png", bomb, "image/png")})  # fmt: skip
    assert own.status_code == 400 and "too large an image" in own.json()["detail"]

    page = ada.client.post("/projects/new", data={"csrf_token": ada.csrf},
                           files=[("track", (song.name, song.read_bytes(), "audio/wav")),
                                  ("references", ("huge.png", bomb, "image/png"))])  # fmt: skip
    assert page.status_code == 400 and "too large an image" in page.text
    assert no_pixels_decoded == []
    assert slots(studio) == before  # nothing of the refused uploads is kept


@pytest.mark.parametrize(
    ("field", "name", "data", "reason"),
    [
        ("references", "face.png", SVG, "'face.png' is not a PNG, JPEG or WebP image"),
        ("references", "face.png", HTML, "'face.png' is not a PNG, JPEG or WebP image"),
        ("references", "face.jpg", b"GIF89a" + HTML, "'face.jpg' is not a PNG, JPEG or WebP"),
        ("references", "face.webp", zip_of("x.html", HTML), "'face.webp' is not a PNG, JPEG"),
        ("lyrics", "words.txt", png(), "'words.txt' is not UTF-8 text"),
        ("lyrics", "words.lrc", b"la\x00la", "'words.lrc' is not a text file"),
    ],
    ids=["svg-as-png", "html-as-png", "gif-as-jpg", "zip-as-webp", "png-as-txt", "binary-lrc"],
)
def test_files_that_are_not_what_their_name_says_are_refused(
    studio: FastAPI, ada: Musician, song: Path, field: str, name: str, data: bytes, reason: str
) -> None:
    before = slots(studio)
    answer = ada.post("/api/projects", files=[("track", (song.name, song.read_bytes())),
                                              (field, (name, data))])  # fmt: skip
    assert answer.status_code == 400 and reason in answer.json()["detail"], answer.text
    assert slots(studio) == before


@pytest.mark.parametrize("data", [png(), HTML, SVG], ids=["png", "html", "svg"])
def test_a_track_that_is_not_audio_fails_with_the_reason_and_is_never_stored(
    studio: FastAPI, ada: Musician, data: bytes
) -> None:
    media = set(studio.state.settings.media_dir.rglob("*"))
    job = failed_job(ada, ada.post("/api/projects", files={"track": ("track.wav", data)}))
    assert "'track.wav' is not an audio file ffmpeg can read" in job["error"]
    assert set(studio.state.settings.media_dir.rglob("*")) == media


def test_a_polyglot_image_is_served_only_as_an_image(
    ada: Musician, project: dict[str, Any], polyglot: bytes
) -> None:
    pid = project["id"]
    (upload,) = [u for u in ada.get(f"/api/projects/{pid}").json()["uploads"]]
    answer = ada.get(f"/media/{pid}/{upload['media']}")
    assert answer.status_code == 200 and answer.content == polyglot
    assert answer.headers["content-type"] == "image/png"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "script-src 'self'" in answer.headers["content-security-policy"]


class Recorder(BaseHTTPRequestHandler):
    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        Recorder.seen.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def listener() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    Recorder.seen = []
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_playlists_uploaded_as_tracks_make_the_server_fetch_nothing(
    ada: Musician, listener: str
) -> None:
    playlists = {
        "song.wav": f"#EXTM3U\n#EXT-X-TARGETDURATION:5\n#EXTINF:5.0,\n{listener}/seg.ts\n"
        "#EXT-X-ENDLIST\n",
        "song.mp3": f"ffconcat version 1.0\nfile {listener}/a.wav\n",
        "song.ogg": f"#EXTM3U\n#EXTINF:5.0,\n{listener}/latest/meta-data\n",
    }
    for name, text in playlists.items():
        job = failed_job(ada, ada.post("/api/projects", files={"track": (name, text.encode())}))
        assert repr(name) in job["error"] and "ffmpeg" in job["error"], job["error"]
    assert Recorder.seen == []


@pytest.mark.parametrize(
    "path",
    [
        "/media/{pid}/..%2F..%2Fstoribeat.db",
        "/media/{pid}/%2e%2e",
        "/media/{pid}/%2e%2e%2f%2e%2e%2fstorybeat.db",
        "/media/{pid}/..%5C..%5Cstorybeat.db",
        "/media/{pid}/%2Fetc%2Fpasswd",
        "/media/{pid}//etc/passwd",
        "/media/%2e%2e/{ref}",
        "/media/..%2F{pid}/{ref}",
        "/media/{pid}/{ref}%00.png",
        "/api/projects/{pid}/exports/%2e%2e",
        "/api/projects/{pid}/exports/..%2F..%2Fstorybeat.db",
        "/api/projects/%2e%2e/exports/{job}",
        "/api/projects/{pid}/exports/{job}",  # a job that is not an export
        "/static/..%2F..%2Fapp.py",
        "/static/%2e%2e/%2e%2e/web/app.py",
        "/static//etc/passwd",
    ],
)
def test_download_paths_that_climb_out_are_not_found(
    ada: Musician, project: dict[str, Any], path: str
) -> None:
    shown = ada.get(f"/api/projects/{project['id']}").json()
    url = path.format(pid=project["id"], ref=shown["uploads"][0]["media"], job=project["job"])
    answer = ada.client.get(url, follow_redirects=False)
    # A job id that is not a number is FastAPI's 422: the file name never comes from the URL.
    assert answer.status_code in ((404, 422) if "/exports/%2e" in url else (404,)), url
    assert b"root:" not in answer.content and b"SQLite" not in answer.content
