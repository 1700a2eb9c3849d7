"""Versions as the studio receives them: a form field, a JSON field or an If-Match ETag."""

from __future__ import annotations

import pytest

from agent.errors import EditConflict
from web.actions import clean_version
from web.errors import WebInputError, status_for


@pytest.mark.parametrize(
    ("given", "version"),
    [
        ("0123456789ab", "0123456789ab"),
        ('"0123456789ab"', "0123456789ab"),
        ('W/"0123456789ab"', "0123456789ab"),
        (" 0123456789ab ", "0123456789ab"),
        ("*", None),
        ("", None),
        (None, None),
    ],
)
def test_a_version_is_read_from_a_field_or_an_etag(given: str | None, version: str | None) -> None:
    assert clean_version(given) == version


@pytest.mark.parametrize("given", ['"a", "b"', "../x", "x" * 65])
def test_anything_else_is_refused_naming_it(given: str) -> None:
    with pytest.raises(WebInputError, match="is not one this studio hands out"):
        clean_version(given)


def test_a_conflict_is_409() -> None:
    assert status_for(EditConflict("changed")) == 409
