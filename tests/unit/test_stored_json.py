"""Reading stored JSON: every document as ``json.loads`` reads it, except one too deep
to render, which becomes the marker (short documents skip the depth walk: they cannot
be that deep)."""

from __future__ import annotations

import json

import pytest

from jobsched.store.stored_json import MAX_STORED_DEPTH, UNREADABLE, load_stored_json


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.mark.parametrize(
    "text",
    ["[]", "{}", "null", "1", '"x"', '{"a": [1, {"b": null}]}', '{"é": "ü\\u00e9"}', "[ ]"],
)
def test_documents_read_as_json_loads_reads_them(text: str) -> None:
    assert load_stored_json(text.encode()) == json.loads(text)
    assert load_stored_json(text) == json.loads(text)


def test_the_deepest_readable_document_is_read() -> None:
    assert load_stored_json(nested(MAX_STORED_DEPTH).encode()) == json.loads(
        nested(MAX_STORED_DEPTH)
    )


@pytest.mark.parametrize("levels", [MAX_STORED_DEPTH + 1, 500, 5000])
def test_a_document_deeper_than_the_limit_becomes_the_marker(levels: int) -> None:
    assert UNREADABLE in load_stored_json(nested(levels).encode())
    # Padding does not hide depth, and depth is counted however the text is spaced.
    spaced = "[ " * levels + " ]" * levels
    assert UNREADABLE in load_stored_json(spaced.encode())
    assert UNREADABLE in load_stored_json(('{"a": ' * levels + "1" + "}" * levels).encode())


def test_a_shallow_document_longer_than_the_short_cut_is_read() -> None:
    wide = json.dumps({"k": ["x" * 300, [[[1]]]]})
    assert load_stored_json(wide.encode()) == json.loads(wide)


@pytest.mark.parametrize("text", [b"[]", b"{}"])
def test_every_read_is_a_value_of_its_own(text: bytes) -> None:
    first = load_stored_json(text)
    first.append(1) if isinstance(first, list) else first.update(a=1)
    assert load_stored_json(text) == json.loads(text) and first != json.loads(text)
