"""The rules planner: every cut on a beat, sections honoured, pacing by energy."""

from __future__ import annotations

import itertools

import pytest

from agent.planner import plan_cuts, plan_shots, write_brief
from audio import EnergyCurve
from tests.support.analysis import analysis_of as _analysis

SONG = _analysis(
    [
        (0.0, 16.0, "intro", 0.3),
        (16.0, 48.0, "verse", 0.6),
        (48.0, 80.0, "chorus", 0.95),
        (80.0, 96.0, "outro", 0.35),
    ]
)


def test_every_cut_is_a_beat_and_shots_stay_short() -> None:
    cuts = plan_cuts(SONG)
    assert cuts, "a 96 s song needs cuts"
    assert set(cuts) <= set(SONG.beats)
    edges = [0.0, *cuts, SONG.duration]
    lengths = [b - a for a, b in itertools.pairwise(edges)]
    assert max(lengths) <= 10.0
    assert min(lengths) >= 1.2


def test_section_boundaries_become_cuts_on_downbeats() -> None:
    cuts = plan_cuts(SONG)
    for boundary in (16.0, 48.0, 80.0):
        nearest = min(cuts, key=lambda c: abs(c - boundary))
        assert abs(nearest - boundary) <= 0.5
        assert nearest in SONG.downbeats


def test_louder_sections_cut_faster() -> None:
    cuts = plan_cuts(SONG)
    in_verse = [c for c in cuts if 16.0 < c < 48.0]
    in_chorus = [c for c in cuts if 48.0 < c < 80.0]
    assert len(in_chorus) > len(in_verse)


def test_shots_cover_the_song_without_gaps() -> None:
    brief = write_brief("", template="story", analysis=SONG, uploads=[])
    shots = plan_shots(brief, SONG)
    assert shots[0].start == 0.0 and shots[-1].end == pytest.approx(SONG.duration)
    for a, b in itertools.pairwise(shots):
        assert a.end == b.start
        assert a.shot_type != b.shot_type
    assert all(30 <= len(s.prompt.split()) <= 80 for s in shots)


@pytest.mark.parametrize("template", ["story", "performance", "abstract"])
def test_templates_give_their_own_look(template: str) -> None:
    brief = write_brief("", template=template, analysis=SONG, uploads=[])
    assert brief.template == template
    shots = plan_shots(brief, SONG)
    assert {s.subject for s in shots}
    if template == "abstract":
        assert not brief.characters


def test_brief_keeps_the_users_hex_colours_and_places() -> None:
    brief = write_brief(
        "a dancer in the desert at dawn wearing #12AB34",
        template="story",
        analysis=SONG,
        uploads=[],
    )
    assert brief.palette[0] == "#12AB34"
    assert any("desert" in loc.description for loc in brief.locations)
    assert all(loc.time_of_day == "dawn" for loc in brief.locations)
    assert "dancer" in brief.characters[0].description
    shots = plan_shots(brief, SONG)
    assert "#12AB34" in shots[0].prompt


def test_uploaded_reference_goes_to_the_lead() -> None:
    brief = write_brief("", template="performance", analysis=SONG, uploads=["upload-1"])
    assert brief.characters[0].reference == "upload-1"
    shots = plan_shots(brief, SONG)
    lead = brief.characters[0].name
    assert all("upload-1" in s.references for s in shots if s.subject == lead)


def test_without_a_steady_beat_cuts_follow_phrases_not_a_grid() -> None:
    values = [0.2 + 0.6 * ((i // 12) % 2) for i in range(int(SONG.duration * 4))]
    ambient = SONG.model_copy(
        update={
            "beats": [],
            "downbeats": [],
            "steady_beat": False,
            "energy": EnergyCurve(hop=0.25, values=values),
        }
    )
    cuts = plan_cuts(ambient)
    edges = [0.0, *cuts, ambient.duration]
    gaps = [b - a for a, b in itertools.pairwise(edges)]
    assert max(gaps) <= 10.0 and min(gaps) >= 1.2
    rises = {round(0.25 * i, 3) for i in range(1, len(values)) if values[i] > values[i - 1]}
    assert sum(c in rises for c in cuts) >= len(cuts) // 2, "cuts should sit on phrase entries"
    for boundary in (16.0, 48.0, 80.0):
        assert boundary in cuts
