"""Lyrics timing: .lrc parsing, plain lyrics spread over the voice, alignment by recognition."""

from __future__ import annotations

import itertools
import json
import socket
from pathlib import Path

import numpy as np
import pytest

from audio.asr import (
    AsrModelError,
    RecognisedWord,
    align_lines_to_words,
    align_lyrics_asr,
    match_words,
    normalise_word,
)
from audio.lyrics import (
    LAST_LINE_SECONDS,
    LyricsError,
    is_lrc,
    load_lyrics,
    lyric_stanzas,
    parse_lrc,
    spread_plain_lyrics,
    syllable_count,
)
from audio.models import LyricLine, Section, TimeRegion


def _assert_well_formed(lines: list[LyricLine], *, duration: float) -> None:
    for line in lines:
        assert 0.0 <= line.start < line.end <= duration, line
    for before, after in itertools.pairwise(lines):
        assert before.end <= after.start, (before, after)


# --- .lrc --------------------------------------------------------------------------------------


def test_lrc_stamp_formats_and_metadata() -> None:
    text = (
        "[ar:Some Artist]\n[ti:Some Song]\n[al:Album]\n[by:me]\n[length:03:00]\n"
        "[00:01]one\n[00:02.5]two\n[00:03.25]three\n[00:04:50]four\n[00:05.125]five\n"
    )
    lines = parse_lrc(text, duration=60.0)
    assert [line.text for line in lines] == ["one", "two", "three", "four", "five"]
    assert [line.start for line in lines] == [1.0, 2.5, 3.25, 4.5, 5.125]
    assert [line.end for line in lines[:-1]] == [2.5, 3.25, 4.5, 5.125]
    assert lines[-1].end == 5.125 + LAST_LINE_SECONDS


def test_lrc_repeated_lines_sorted_and_last_line_capped_by_duration() -> None:
    text = "[00:10.00][00:30.00]Chorus, sing it\n[00:20.00]Verse line\n"
    lines = parse_lrc(text, duration=33.0)
    assert [(line.start, line.end, line.text) for line in lines] == [
        (10.0, 20.0, "Chorus, sing it"),
        (20.0, 30.0, "Verse line"),
        (30.0, 33.0, "Chorus, sing it"),
    ]


def test_lrc_offset_blank_break_and_word_stamps() -> None:
    text = (
        "[offset:+500]\n"
        "[00:10.50]<00:10.50>Hello <00:11.00>there\n"
        "[00:15.00]\n"  # instrumental break
        "[00:40.00]Back   again\n"
    )
    lines = parse_lrc(text, duration=120.0)
    assert [line.text for line in lines] == ["Hello there", "Back again"]
    assert (lines[0].start, lines[0].end) == (10.0, 14.5)  # shown 0.5 s sooner; ends at break
    assert lines[1].start == 39.5
    later = parse_lrc("[offset:-250]\n[00:01.00]x\n", duration=10.0)
    assert later[0].start == 1.25


def test_lrc_lines_at_one_time_are_joined() -> None:
    lines = parse_lrc("[00:05.00]lead voice\n[00:05.00]backing voice\n", duration=20.0)
    assert [line.text for line in lines] == ["lead voice / backing voice"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[ar:Nobody]\n[ti:Nothing]\n", "no timed line"),
        ("plain words\nmore words\n", "no timed line"),
        ("[00:01.00]ok\n[00:6x.00]bad stamp\n", r"line 2 \('\[00:6x.00\]bad stamp'\).*malformed"),
        ("[00:01.00]ok\n\n[01:75.00]bad seconds\n", "line 3.*malformed timestamp"),
        ("[00:01.00]ok\n[00:02.00 unclosed\n", "line 2.*unclosed"),
        ("[offset:soon]\n[00:01.00]x\n", "line 1.*offset"),
        ("[00:01.00]ok\n[05:00.00]too late\n", r"line 2 \('\[05:00.00\]too late'\).*past the end"),
    ],
)
def test_lrc_errors_name_the_line(text: str, message: str) -> None:
    with pytest.raises(LyricsError, match=message):
        parse_lrc(text, duration=120.0)


def test_load_lyrics_reads_lrc_with_bom_and_plain_text(tmp_path: Path) -> None:
    lrc = tmp_path / "song.lrc"
    lrc.write_bytes("\ufeff[ti:Ça va]\n[00:02.00]Ça va très bien\n".encode())
    assert load_lyrics(lrc, duration=30.0, vocals=[], sections=[]) == [
        LyricLine(start=2.0, end=10.0, text="Ça va très bien")
    ]
    plain = tmp_path / "song.txt"
    plain.write_bytes("\ufeffFirst line\nSecond line\n".encode())
    vocals = [TimeRegion(start=5.0, end=15.0)]
    lines = load_lyrics(plain, duration=30.0, vocals=vocals, sections=[])
    assert [line.text for line in lines] == ["First line", "Second line"]
    assert (lines[0].start, lines[-1].end) == (5.0, 15.0)


def test_is_lrc() -> None:
    assert is_lrc("[ti:Song]\n[00:01.00]la\n")
    assert is_lrc("\ufeff[1:02]la")
    assert not is_lrc("[Chorus]\nla la\n[ar:Someone]\n")


def test_load_lyrics_errors(tmp_path: Path) -> None:
    with pytest.raises(LyricsError, match="not found"):
        load_lyrics(tmp_path / "nope.lrc", duration=30.0, vocals=[], sections=[])
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("Caf\xe9 au lait\n".encode("latin-1"))
    with pytest.raises(LyricsError, match="not UTF-8"):
        load_lyrics(latin, duration=30.0, vocals=[], sections=[])
    blank = tmp_path / "blank.txt"
    blank.write_text("\n  \n[Chorus]\n")
    with pytest.raises(LyricsError, match="no lyric lines"):
        load_lyrics(blank, duration=30.0, vocals=[], sections=[])
    broken = tmp_path / "broken.lrc"
    broken.write_text("[00:01.00]fine\n[00:1:2:3]broken\n")
    with pytest.raises(LyricsError, match="line 2"):
        load_lyrics(broken, duration=30.0, vocals=[], sections=[])


# --- plain lyrics --------------------------------------------------------------------------------


def test_syllable_count() -> None:
    assert syllable_count("Hello") == 2
    assert syllable_count("the fire inside") == 4  # the, fi(re), in-side
    assert syllable_count("...") == 1
    assert syllable_count("さくら") == 3


def _sections() -> list[Section]:
    return [
        Section(start=0.0, end=10.0, label="intro", energy=0.2),
        Section(start=10.0, end=40.0, label="verse", energy=0.5),
        Section(start=40.0, end=80.0, label="chorus", energy=0.9),
        Section(start=80.0, end=90.0, label="outro", energy=0.2),
    ]


PLAIN = [
    "[Verse 1]",
    "Walking down the empty road tonight",
    "Nothing but the stars",
    "",
    "[Chorus]",
    "Sing it loud",
    "Sing it louder than before",
    "",
    "Goodbye",
]


def test_spread_keeps_stanzas_on_vocal_regions() -> None:
    vocals = [TimeRegion(start=12.0, end=30.0), TimeRegion(start=42.0, end=60.0)]
    lines = spread_plain_lyrics(PLAIN, vocals=vocals, sections=_sections(), duration=90.0)
    assert [line.text for line in lines] == [p for p in PLAIN if p and not p.startswith("[")]
    _assert_well_formed(lines, duration=90.0)
    assert lines[0].start == 12.0 and lines[1].end == 30.0  # verse fills the first region
    assert lines[2].start == 42.0 and lines[-1].end == 60.0
    for line in lines:  # nothing sung in the gap between the regions
        assert any(r.start <= line.start and line.end <= r.end for r in vocals), line
    # in one stanza, time follows syllables: 9 syllables against 5
    assert lines[0].end - lines[0].start > 1.5 * (lines[1].end - lines[1].start)


def test_spread_snaps_stanza_break_to_a_section_boundary() -> None:
    vocals = [TimeRegion(start=10.0, end=80.0)]  # one long vocal region across verse + chorus
    lines = spread_plain_lyrics(
        ["a b c d", "e f g h", "", "i j k l", "m n o p"],
        vocals=vocals,
        sections=_sections(),
        duration=90.0,
    )
    assert lines[2].start == 40.0  # the stanza break lands on the verse → chorus boundary
    assert (lines[0].start, lines[-1].end) == (10.0, 80.0)
    _assert_well_formed(lines, duration=90.0)


def test_spread_without_vocals_uses_sung_sections_then_whole_track() -> None:
    lines = spread_plain_lyrics(PLAIN, vocals=[], sections=_sections(), duration=90.0)
    assert (lines[0].start, lines[-1].end) == (10.0, 80.0)  # intro and outro skipped
    assert lines[2].start == 40.0
    bare = spread_plain_lyrics(PLAIN, vocals=[], sections=[], duration=100.0)
    assert (bare[0].start, bare[-1].end) == (5.0, 95.0)
    _assert_well_formed(bare, duration=100.0)


def test_spread_is_deterministic_and_handles_many_regions() -> None:
    rng = np.random.default_rng(7)
    edges = np.sort(rng.uniform(0.0, 200.0, size=40))
    vocals = [
        TimeRegion(start=float(a), end=float(b))
        for a, b in zip(edges[::2], edges[1::2], strict=True)
    ]
    text = [f"line number {i} of the song" if i % 5 else "" for i in range(60)]
    first = spread_plain_lyrics(text, vocals=vocals, sections=[], duration=200.0)
    assert first == spread_plain_lyrics(text, vocals=vocals, sections=[], duration=200.0)
    _assert_well_formed(first, duration=200.0)


def test_headings_split_stanzas_but_sung_parentheses_stay() -> None:
    text = ["Verse 1:", "first line", "[Chorus]", "(Ooh, ooh)", "second line", "PRE-CHORUS 2 :"]
    assert lyric_stanzas(text) == [["first line"], ["(Ooh, ooh)", "second line"]]


def test_spread_empty_and_bad_duration() -> None:
    assert spread_plain_lyrics(["", "  "], vocals=[], sections=[], duration=10.0) == []
    with pytest.raises(LyricsError, match="duration"):
        spread_plain_lyrics(["la"], vocals=[], sections=[], duration=0.0)


# --- alignment by dynamic programming -----------------------------------------------------------


def test_normalise_word() -> None:
    assert normalise_word("Don't!") == "dont"
    assert normalise_word("Café,") == "cafe"
    assert normalise_word("—") == ""


def test_match_exact_and_misrecognised_words() -> None:
    lyric = ["I've", "come", "to", "talk", "with", "you", "again"]
    assert match_words(lyric, lyric) == list(range(len(lyric)))
    heard = ["I", "come", "to", "walk", "with", "you", "a", "gain"]
    matches = match_words(lyric, heard)
    assert matches[2:6] == [2, 3, 4, 5]  # "talk" heard as "walk" still lines up
    assert matches[6] == 7  # "again" pairs with "gain", "a" is left over


def test_match_missing_words() -> None:
    lyric = ["hello", "darkness", "my", "old", "friend"]
    assert match_words(lyric, ["hello", "my", "old", "friend"]) == [0, None, 1, 2, 3]
    assert match_words(lyric, []) == [None] * 5


def test_match_extra_words_and_unrelated_substitutions() -> None:
    lyric = ["we", "will", "rock", "you"]
    heard = ["oh", "yeah", "we", "we", "will", "uh", "rock", "you", "yeah"]
    assert match_words(lyric, heard) == [3, 4, 6, 7]
    # a word heard as something unrelated is aligned but gives no time
    assert match_words(lyric, ["we", "banana", "rock", "you"]) == [0, None, 2, 3]


def test_match_repeated_chorus_stays_in_order() -> None:
    lyric = ["la", "la", "la", "sing", "along", "la", "la", "la", "sing", "along"]
    heard = ["sing", "along", "la", "la", "la", "sing", "along"]  # the first chorus was not heard
    matches = match_words(lyric, heard)
    found = [m for m in matches if m is not None]
    assert found == sorted(found) and len(set(found)) == len(found)
    assert matches[-2:] == [5, 6]


def _sung(text_lines: list[str], starts: list[float], per_word: float) -> list[RecognisedWord]:
    words = []
    for line, start in zip(text_lines, starts, strict=True):
        for k, word in enumerate(line.split()):
            t = start + k * per_word
            words.append(RecognisedWord(word.strip(",.!?").lower(), t, t + 0.8 * per_word))
    return words


SONG = [
    "Under the neon light",
    "We were dancing all night",
    "",
    "Hold me closer now",
    "Never let me go",
    "Till the morning comes",
]


def test_align_lines_to_recognised_words() -> None:
    starts = [10.0, 14.0, 30.0, 34.0, 38.0]
    sung = [line for line in SONG if line]
    heard = _sung(sung, starts, per_word=0.5)
    heard[2] = RecognisedWord("neom", heard[2].start, heard[2].end)  # misrecognised
    del heard[10]  # "me" of "Hold me closer now" missing
    heard.insert(5, RecognisedWord("yeah", 12.5, 12.8))  # an ad-lib
    lines = align_lines_to_words(SONG, words=heard, duration=60.0)
    assert [line.text for line in lines] == sung
    for line, start, text in zip(lines, starts, sung, strict=True):
        assert line.start == pytest.approx(start, abs=0.01), text
        last_word_end = start + (len(text.split()) - 1) * 0.5 + 0.4
        assert line.end == pytest.approx(last_word_end, abs=0.01), text
    _assert_well_formed(lines, duration=60.0)


def test_unmatched_first_word_widens_its_line() -> None:
    sung = [line for line in SONG if line]
    heard = _sung(sung, [10.0, 14.0, 30.0, 34.0, 38.0], per_word=0.5)
    del heard[9]  # "Hold", the first word of "Hold me closer now"
    lines = align_lines_to_words(SONG, words=heard, duration=60.0)
    assert 29.5 <= lines[2].start < 30.5  # a syllable's time before "me"
    assert lines[2].end == pytest.approx(31.9)


def test_unmatched_lines_are_interpolated_between_neighbours() -> None:
    sung = [line for line in SONG if line]
    heard = [w for w in _sung(sung, [10.0, 14.0, 30.0, 34.0, 38.0], 0.5) if w.start < 30.0]
    heard += [w for w in _sung(sung, [10.0, 14.0, 30.0, 34.0, 38.0], 0.5) if w.start >= 38.0]
    lines = align_lines_to_words(SONG, words=heard, duration=60.0)
    _assert_well_formed(lines, duration=60.0)
    previous_end = 14.0 + 4 * 0.5 + 0.4
    assert lines[2].start == pytest.approx(previous_end)
    assert lines[3].end == pytest.approx(38.0)  # the two missing lines fill the gap
    assert lines[2].end - lines[2].start == pytest.approx(lines[3].end - lines[3].start, rel=0.3)


def test_unmatched_first_and_last_lines_sit_next_to_the_matches() -> None:
    sung = [line for line in SONG if line]
    heard = [w for w in _sung(sung, [10.0, 14.0, 30.0, 34.0, 38.0], 0.5) if 14 <= w.start < 36]
    lines = align_lines_to_words(SONG, words=heard, duration=60.0)
    _assert_well_formed(lines, duration=60.0)
    assert lines[0].end == pytest.approx(14.0)
    assert 8.0 < lines[0].start < 14.0  # a singing pace before the first match, not from 0 s
    assert 35.0 < lines[-1].end < 45.0


def test_match_at_the_very_end_leaves_room_for_the_lines_after() -> None:
    heard = [RecognisedWord("under", 1.0, 1.5), RecognisedWord("night", 29.0, 30.0)]
    lines = align_lines_to_words(SONG, words=heard, duration=30.0)
    assert len(lines) == 5
    _assert_well_formed(lines, duration=30.0)
    assert lines[0].start == 1.0


def test_no_match_falls_back_to_spreading() -> None:
    heard = [RecognisedWord("zzz", 1.0, 2.0), RecognisedWord("qqq", 3.0, 4.0)]
    lines = align_lines_to_words(SONG, words=heard, duration=60.0)
    assert lines == spread_plain_lyrics(SONG, vocals=[], sections=[], duration=60.0)


def test_garbage_times_still_give_ordered_lines() -> None:
    rng = np.random.default_rng(3)
    vocabulary = [
        "under",
        "the",
        "neon",
        "light",
        "we",
        "were",
        "dancing",
        "all",
        "night",
        "hold",
        "me",
    ]
    heard = [
        RecognisedWord(str(rng.choice(vocabulary)), float(t), float(t) + float(d))
        for t, d in zip(rng.uniform(0, 70, 40), rng.uniform(-1, 30, 40), strict=True)
    ]
    heard += [RecognisedWord("never", 59.9, 59.9)] * 3
    lines = align_lines_to_words(SONG, words=heard, duration=60.0)
    assert len(lines) == 5
    _assert_well_formed(lines, duration=60.0)


def test_align_lyrics_asr_uses_the_recogniser(monkeypatch: pytest.MonkeyPatch) -> None:
    sung = [line for line in SONG if line]
    seen: dict[str, object] = {}

    def fake_recognise(samples: np.ndarray, **kwargs: object) -> list[RecognisedWord]:
        seen.update(kwargs, shape=samples.shape)
        return _sung(sung, [1.0, 5.0, 9.0, 13.0, 17.0], per_word=0.5)

    monkeypatch.setattr("audio.asr.recognise_words", fake_recognise)
    samples = np.zeros((2, 22_050 * 25), dtype=np.float32)
    lines = align_lyrics_asr(SONG, samples=samples, sample_rate=22_050, model_dir=Path("m"))
    assert [line.start for line in lines] == [1.0, 5.0, 9.0, 13.0, 17.0]
    assert seen["model_dir"] == Path("m") and seen["sample_rate"] == 22_050


# --- loading a recogniser ------------------------------------------------------------------------


def test_asr_model_folder_errors(tmp_path: Path) -> None:
    samples = np.zeros(16_000, dtype=np.float32)
    missing = tmp_path / "no-such-model"
    with pytest.raises(AsrModelError, match=r"no-such-model.*does not exist"):
        align_lyrics_asr(["la"], samples=samples, sample_rate=16_000, model_dir=missing)
    empty = tmp_path / "empty-model"
    empty.mkdir()
    with pytest.raises(AsrModelError, match=r"empty-model.*no config\.json"):
        align_lyrics_asr(["la"], samples=samples, sample_rate=16_000, model_dir=empty)
    broken = tmp_path / "broken-model"
    broken.mkdir()
    (broken / "config.json").write_text(json.dumps({"model_type": "whisper"}))
    with pytest.raises(AsrModelError, match=r"could not load.*broken-model"):
        align_lyrics_asr(["la"], samples=samples, sample_rate=16_000, model_dir=broken)
    with pytest.raises(LyricsError, match="samples"):
        align_lyrics_asr(["la"], samples=np.zeros(0), sample_rate=16_000, model_dir=broken)


SPECIALS = [
    "<|endoftext|>",
    "<|startoftranscript|>",
    "<|en|>",
    "<|translate|>",
    "<|transcribe|>",
    "<|startoflm|>",
    "<|startofprev|>",
    "<|nocaptions|>",
    "<|notimestamps|>",
]


def _tiny_whisper(folder: Path, *, alignment_heads: bool) -> Path:
    """A random one-layer Whisper with a byte-level vocabulary, saved like a real checkpoint."""
    import torch
    from tokenizers.pre_tokenizers import ByteLevel
    from transformers import (
        GenerationConfig,
        WhisperConfig,
        WhisperFeatureExtractor,
        WhisperForConditionalGeneration,
        WhisperProcessor,
        WhisperTokenizer,
    )

    vocab = {char: i for i, char in enumerate(sorted(ByteLevel.alphabet()))}
    for token in SPECIALS:
        vocab[token] = len(vocab)
    ids = {token: vocab[token] for token in SPECIALS}
    tokenizer = WhisperTokenizer(vocab=vocab, merges=[])
    tokenizer.add_special_tokens({"additional_special_tokens": SPECIALS[1:]})
    end, start = ids["<|endoftext|>"], ids["<|startoftranscript|>"]
    config = WhisperConfig(
        vocab_size=len(vocab) + 1501,  # + the timestamp tokens <|0.00|> … <|30.00|>
        num_mel_bins=80,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=16,
        decoder_ffn_dim=16,
        d_model=8,
        max_target_positions=32,
        pad_token_id=end,
        bos_token_id=end,
        eos_token_id=end,
        decoder_start_token_id=start,
    )
    torch.manual_seed(0)
    model = WhisperForConditionalGeneration(config)
    model.generation_config = GenerationConfig(
        decoder_start_token_id=start,
        bos_token_id=end,
        eos_token_id=end,
        pad_token_id=end,
        no_timestamps_token_id=ids["<|notimestamps|>"],
        prev_sot_token_id=ids["<|startofprev|>"],
        is_multilingual=False,
        max_initial_timestamp_index=50,
        max_length=16,
        **({"alignment_heads": [[0, 0], [0, 1]]} if alignment_heads else {}),
    )
    model.save_pretrained(folder)
    WhisperProcessor(
        feature_extractor=WhisperFeatureExtractor(), tokenizer=tokenizer
    ).save_pretrained(folder)
    return folder


def _tiny_ctc(folder: Path) -> Path:
    """A random one-layer wav2vec2 CTC model over the letters a-z, saved like a checkpoint."""
    import torch
    from transformers import (
        Wav2Vec2Config,
        Wav2Vec2CTCTokenizer,
        Wav2Vec2FeatureExtractor,
        Wav2Vec2ForCTC,
        Wav2Vec2Processor,
    )

    folder.mkdir()
    vocab = {"<pad>": 0, "<unk>": 1, "|": 2}
    vocab.update({char: i + 3 for i, char in enumerate("abcdefghijklmnopqrstuvwxyz'")})
    (folder / "vocab.json").write_text(json.dumps(vocab))
    config = Wav2Vec2Config(
        vocab_size=len(vocab),
        hidden_size=8,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=16,
        conv_dim=(8, 8),
        conv_kernel=(10, 3),
        conv_stride=(5, 2),
        num_conv_pos_embeddings=4,
        num_conv_pos_embedding_groups=2,
        pad_token_id=0,
    )
    torch.manual_seed(0)
    Wav2Vec2ForCTC(config).save_pretrained(folder)
    Wav2Vec2Processor(
        feature_extractor=Wav2Vec2FeatureExtractor(feature_size=1, sampling_rate=16_000),
        tokenizer=Wav2Vec2CTCTokenizer(str(folder / "vocab.json"), word_delimiter_token="|"),
    ).save_pretrained(folder)
    return folder


@pytest.fixture
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("network access during a test")

    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.mark.usefixtures("_no_network")
@pytest.mark.filterwarnings("ignore:std\\(\\)")  # a random one-token alignment in the tiny model
@pytest.mark.parametrize("kind", ["whisper-word-times", "whisper-segment-times", "ctc"])
def test_tiny_model_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    folder = tmp_path / kind
    if kind == "ctc":
        model_dir = _tiny_ctc(folder)
    else:
        model_dir = _tiny_whisper(folder, alignment_heads=kind == "whisper-word-times")
    heard: list[RecognisedWord] = []

    def spy(lines: list[str], *, words: list[RecognisedWord], duration: float) -> object:
        heard.extend(words)
        return align_lines_to_words(lines, words=words, duration=duration)

    monkeypatch.setattr("audio.asr.align_lines_to_words", spy)
    rng = np.random.default_rng(0)
    rate, seconds = 22_050, 6.0
    samples = (0.1 * rng.standard_normal((2, int(rate * seconds)))).astype(np.float32)
    lines = align_lyrics_asr(SONG, samples=samples, sample_rate=rate, model_dir=model_dir)
    assert heard, "the random model should still emit some (garbage) words"
    assert [w.start for w in heard] == sorted(w.start for w in heard)
    assert all(0.0 <= w.start <= w.end <= seconds for w in heard)
    assert [line.text for line in lines] == [line for line in SONG if line]
    _assert_well_formed(lines, duration=seconds)
