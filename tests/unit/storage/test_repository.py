"""Projects, tracks, versioned artifacts, the cache and jobs, on SQLite and PostgreSQL."""

from __future__ import annotations

import math
import threading
from datetime import UTC

import pytest
from sqlalchemy import select

from storage import (
    Artifact,
    Database,
    Project,
    StorageInputError,
    artifact_history,
    cache_get,
    cache_put,
    create_job,
    current_artifact,
    current_artifacts,
    get_job,
    get_or_create_project,
    get_project,
    get_track,
    open_database,
    restore_artifact,
    save_artifact,
    set_track,
    update_job,
    version_counts,
)

PID = "proj-1"
REF_A = "a" * 64 + ".png"
REF_B = "b" * 64 + ".png"
SONG = "c" * 64 + ".wav"


@pytest.fixture
def db(database: Database) -> Database:
    """The database with project PID in it."""
    with database.session() as session:
        get_or_create_project(session, PID, name="Night Drive", options={"aspect": "16:9"})
    return database


def test_project_is_created_once_and_kept(database: Database) -> None:
    with database.session() as session:
        created = get_or_create_project(
            session, "p", name="First", options={"aspect": "9:16", "fps": 24}
        )
        assert created.created_at.tzinfo is not None
        assert created.created_at.utcoffset() == UTC.utcoffset(None)
    with database.session() as session:
        again = get_or_create_project(session, "p", name="Renamed", options={})
        assert again.name == "First"
        assert again.options == {"aspect": "9:16", "fps": 24}
        assert get_project(session, "missing") is None
        assert session.scalars(select(Project)).all() == [again]


@pytest.mark.parametrize("project_id", ["", "x" * 65])
def test_bad_project_id_is_refused(database: Database, project_id: str) -> None:
    with database.session() as session, pytest.raises(StorageInputError, match="project_id="):
        get_or_create_project(session, project_id, name="n", options={})


def test_session_rolls_back_on_error(database: Database) -> None:
    with pytest.raises(RuntimeError), database.session() as session:
        get_or_create_project(session, "doomed", name="n", options={})
        raise RuntimeError("boom")
    with database.session() as session:
        assert get_project(session, "doomed") is None


def test_versions_increment_and_identical_saves_are_free(db: Database) -> None:
    with db.session() as session:
        first = save_artifact(session, PID, "brief", data={"mood": "dusk"})
        same = save_artifact(session, PID, "brief", data={"mood": "dusk"})
        second = save_artifact(session, PID, "brief", data={"mood": "neon"})
        third = save_artifact(session, PID, "brief", data={"mood": "neon"}, media=REF_A)
    assert (first.version, second.version, third.version) == (1, 2, 3)
    assert same.id == first.id
    with db.session() as session:
        history = artifact_history(session, PID, "brief")
        assert [(a.version, a.is_current) for a in history] == [(1, False), (2, False), (3, True)]
        current = current_artifact(session, PID, "brief")
        assert current is not None
        assert (current.version, current.data, current.media) == (3, {"mood": "neon"}, REF_A)


def test_keys_are_versioned_independently(db: Database) -> None:
    with db.session() as session:
        save_artifact(session, PID, "frame", "1", media=REF_A)
        save_artifact(session, PID, "frame", "1", media=REF_B)
        other = save_artifact(session, PID, "frame", "2", media=REF_A)
    assert other.version == 1
    with db.session() as session:
        frame_1 = current_artifact(session, PID, "frame", "1")
        assert frame_1 is not None and frame_1.media == REF_B
        assert current_artifact(session, PID, "frame", "3") is None
        assert version_counts(session, PID) == {("frame", "1"): 2, ("frame", "2"): 1}
        assert version_counts(session, "no-such-project") == {}


def test_data_reads_back_exactly_in_a_new_connection(db: Database) -> None:
    data = {"shots": [{"t": 1.25, "caption": "héllo ✨", "tags": ("a", "b")}], "n": None}
    with db.session() as session:
        saved = save_artifact(session, PID, "shots", data=data)
    fresh = open_database(db.url)
    try:
        with fresh.session() as session:
            loaded = current_artifact(session, PID, "shots")
            assert loaded is not None
            assert loaded.data == {
                "shots": [{"t": 1.25, "caption": "héllo ✨", "tags": ["a", "b"]}],
                "n": None,
            }
            assert loaded.data == saved.data
            assert loaded.content_hash == saved.content_hash
    finally:
        fresh.dispose()


def test_restore_brings_back_exact_version(db: Database) -> None:
    with db.session() as session:
        save_artifact(session, PID, "frame", "7", data={"seed": 1}, media=REF_A)
        save_artifact(session, PID, "frame", "7", data={"seed": 2}, media=REF_B)
    with db.session() as session:
        restored = restore_artifact(session, PID, "frame", "7", 1)
        assert (restored.version, restored.is_current) == (1, True)
    with db.session() as session:
        current = current_artifact(session, PID, "frame", "7")
        assert current is not None
        assert (current.version, current.data, current.media) == (1, {"seed": 1}, REF_A)
        assert [a.is_current for a in artifact_history(session, PID, "frame", "7")] == [
            True,
            False,
        ]
        # Saving the restored content again is a no-op; new content gets the next number.
        assert save_artifact(session, PID, "frame", "7", data={"seed": 1}, media=REF_A).version == 1
        assert save_artifact(session, PID, "frame", "7", data={"seed": 3}, media=REF_A).version == 3


def test_restore_of_unknown_version_names_it(db: Database) -> None:
    with db.session() as session:
        save_artifact(session, PID, "frame", "4", media=REF_A)
    with (
        db.session() as session,
        pytest.raises(StorageInputError, match=r"kind='frame', key='4', version=9"),
    ):
        restore_artifact(session, PID, "frame", "4", 9)


def test_current_artifacts_sorted_by_kind_then_numeric_key(db: Database) -> None:
    with db.session() as session:
        for key in ["10", "2", "1", "cover"]:
            save_artifact(session, PID, "frame", key, media=REF_A)
        save_artifact(session, PID, "frame", "2", media=REF_B)
        save_artifact(session, PID, "brief", data={"mood": "dusk"})
    with db.session() as session:
        everything = current_artifacts(session, PID)
        frames = current_artifacts(session, PID, "frame")
    assert [(a.kind, a.key, a.version) for a in everything] == [
        ("brief", "", 1),
        ("frame", "1", 1),
        ("frame", "2", 2),
        ("frame", "10", 1),
        ("frame", "cover", 1),
    ]
    assert [a.key for a in frames] == ["1", "2", "10", "cover"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"data": {"x": math.nan}}, "data="),
        ({"data": {"x": object()}}, "data="),
        ({}, "needs data or media"),
        ({"media": "../../etc/passwd"}, "media="),
    ],
)
def test_bad_artifact_content_is_refused(db: Database, kwargs: dict, message: str) -> None:
    with db.session() as session, pytest.raises(StorageInputError, match=message):
        save_artifact(session, PID, "brief", **kwargs)


@pytest.mark.parametrize(
    ("project_id", "kind", "key", "message"),
    [
        ("nobody", "brief", "", "project_id='nobody'"),
        (PID, "", "", "kind=''"),
        (PID, "k" * 33, "", "kind="),
        (PID, "frame", "k" * 65, "key="),
    ],
)
def test_bad_artifact_address_is_refused(
    db: Database, project_id: str, kind: str, key: str, message: str
) -> None:
    with db.session() as session, pytest.raises(StorageInputError, match=message):
        save_artifact(session, project_id, kind, key, data={"x": 1})


def test_concurrent_saves_get_distinct_versions(db: Database) -> None:
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            with db.session() as session:
                save_artifact(session, PID, "clip", "1", data={"n": n})
                save_artifact(session, PID, "frame", str(n), data={"n": n})
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with db.session() as session:
        history = artifact_history(session, PID, "clip", "1")
        assert [a.version for a in history] == [1, 2, 3, 4, 5, 6]
        assert sum(a.is_current for a in history) == 1
        assert [a.key for a in current_artifacts(session, PID, "frame")] == [
            str(n) for n in range(6)
        ]


def test_set_track_replaces_previous_track(db: Database) -> None:
    with db.session() as session:
        set_track(
            session, PID, media=SONG, filename="demo.wav", content_hash="c" * 64, duration=61.5
        )
        set_track(
            session, PID, media=REF_A, filename="final.flac", content_hash="a" * 64, duration=200
        )
    with db.session() as session:
        track = get_track(session, PID)
        assert track is not None
        assert (track.media, track.filename, track.duration) == (REF_A, "final.flac", 200.0)
        assert get_track(session, "other") is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"duration": -1.0}, "duration="),
        ({"duration": math.inf}, "duration="),
        ({"content_hash": "xyz"}, "content_hash="),
        ({"media": "song.wav"}, "media="),
    ],
)
def test_bad_track_is_refused(db: Database, kwargs: dict, message: str) -> None:
    values = {"media": SONG, "filename": "a.wav", "content_hash": "c" * 64, "duration": 3.0}
    with db.session() as session, pytest.raises(StorageInputError, match=message):
        set_track(session, PID, **(values | kwargs))


def test_deleting_project_deletes_its_tracks_and_artifacts(db: Database) -> None:
    with db.session() as session:
        set_track(session, PID, media=SONG, filename="a.wav", content_hash="c" * 64, duration=3)
        save_artifact(session, PID, "brief", data={"mood": "dusk"})
        job = create_job(session, kind="render", project_id=PID)
    with db.session() as session:
        project = get_project(session, PID)
        assert project is not None
        session.delete(project)
    with db.session() as session:
        assert get_track(session, PID) is None
        assert session.scalars(select(Artifact)).all() == []
        kept = get_job(session, job.id)
        assert kept is not None and kept.project_id is None


def test_cache_put_overwrites_and_cache_get_reads(database: Database) -> None:
    with database.session() as session:
        assert cache_get(session, "prompt:abc") is None
        cache_put(session, "prompt:abc", kind="embedding", data={"dims": [1, 2]})
    with database.session() as session:
        entry = cache_put(session, "prompt:abc", kind="embedding", media=REF_A)
        assert (entry.media, entry.data) == (REF_A, None)
    with database.session() as session:
        loaded = cache_get(session, "prompt:abc")
        assert loaded is not None
        assert (loaded.kind, loaded.media, loaded.data) == ("embedding", REF_A, None)


def test_job_lifecycle(database: Database) -> None:
    with database.session() as session:
        job = create_job(session, kind="frames")
        assert (job.state, job.progress, job.attempts, job.error) == ("queued", 0.0, 0, None)
        update_job(session, job.id, state="running")
        update_job(session, job.id, state="running", progress=0.5)
        update_job(session, job.id, state="failed", error="CUDA out of memory")
    with database.session() as session:
        failed = get_job(session, job.id)
        assert failed is not None
        assert (failed.state, failed.progress, failed.error) == (
            "failed",
            0.5,
            "CUDA out of memory",
        )
        retried = update_job(session, job.id, state="running")
        assert (retried.attempts, retried.error) == (2, None)
        done = update_job(session, job.id, state="done")
        assert (done.state, done.progress) == ("done", 1.0)
        assert done.updated_at >= done.created_at
        assert get_job(session, 10_000) is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"state": "paused"}, "state='paused'"),
        ({"progress": 1.5}, "progress=1.5"),
        ({"progress": math.nan}, "progress=nan"),
    ],
)
def test_bad_job_update_is_refused(database: Database, kwargs: dict, message: str) -> None:
    with database.session() as session:
        job = create_job(session, kind="frames")
        with pytest.raises(StorageInputError, match=message):
            update_job(session, job.id, **kwargs)
        with pytest.raises(StorageInputError, match="job_id=424242"):
            update_job(session, 424242, state="done")
