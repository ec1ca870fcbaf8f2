"""Handler output is made storable: the representation a user finds in the result."""

import json

import pytest

from jobsched.domain.bounded import wire_json
from jobsched.sanitize import (
    MAX_DEPTH,
    MAX_RESULT_BYTES,
    UnstorableResult,
    clean_result,
    clean_text,
)


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("plain", "plain"),
        ("a\x00b", "a\ufffdb"),
        ("lone \ud83d high", "lone \ufffd high"),
        ("pair 😀 kept", "pair 😀 kept"),
        (b"utf-8 \xc3\xa9", "utf-8 é"),
        (b"\x89PNG", {"base64": "iVBORw=="}),
        (bytearray(b"\x00"), "\ufffd"),
        (float("nan"), "nan"),
        (float("-inf"), "-inf"),
        (1.5, 1.5),
        ((1, "x\x00"), [1, "x\ufffd"]),
        ({1: None, "k\x00": True}, {"1": None, "k\ufffd": True}),
        (object, "<class 'object'>"),
    ],
)
def test_values_are_stored_as(value: object, stored: object) -> None:
    assert clean_result(value) == stored


def test_nesting_is_cut_at_the_depth_limit() -> None:
    value: object = "bottom"
    for _ in range(MAX_DEPTH + 10):
        value = [value]
    depth, cleaned = 0, clean_result(value)
    while isinstance(cleaned, list):
        depth, cleaned = depth + 1, cleaned[0]
    assert depth == MAX_DEPTH
    assert "cut" in cleaned


def test_a_huge_result_is_replaced_by_a_preview() -> None:
    stored = clean_result({"blob": "x" * (MAX_RESULT_BYTES + 1)})
    assert stored["truncated"] is True
    assert stored["size_bytes"] > MAX_RESULT_BYTES
    assert len(json.dumps(stored)) < 10_000


def test_error_text_is_cleaned_and_capped() -> None:
    assert clean_text("e\x00rr\udcff" * 10, limit=5) == "e\ufffdrr\ufffd"


def test_the_size_bound_counts_bytes_as_the_api_sends_them() -> None:
    # The API escapes to ASCII: "é" is 6 bytes ("\\u00e9"), "𝄞" 12 (a surrogate pair).
    for char, width in (("é", 6), ("𝄞", 12)):
        over = clean_result(char * (MAX_RESULT_BYTES // width + 1))
        assert over["truncated"] is True and over["size_bytes"] > MAX_RESULT_BYTES
        assert len(wire_json(over)) < 60_000, "the preview is small as sent too"
        # At the bound or just under (the two quotes of the JSON string included): kept.
        fits = char * ((MAX_RESULT_BYTES - 2) // width)
        assert clean_result(fits) == fits


def test_a_value_that_cannot_be_encoded_raises_a_clear_error() -> None:
    # Python refuses to turn an int of over 4,300 digits into text (CVE-2020-10735).
    with pytest.raises(UnstorableResult, match=r"cannot be stored: ValueError: .*digits"):
        clean_result({"n": 10**5000})


# The README's figures, written out: a test that reads MAX_DEPTH / MAX_RESULT_BYTES back
# from the module keeps passing when they change.
def nested(levels: int, container: str) -> object:
    value: object = "bottom"
    for _ in range(levels):
        value = [value] if container == "list" else {"k": value}
    return value


@pytest.mark.parametrize("container", ["list", "dict"])
def test_a_result_nested_64_deep_is_kept_and_65_deep_is_cut(container: str) -> None:
    assert clean_result(nested(64, container)) == nested(64, container)
    cut = clean_result(nested(65, container))
    for _ in range(64):
        cut = cut[0] if container == "list" else cut["k"]
    assert cut == "(nested deeper than 64 levels; cut)"


def test_a_result_of_256_kib_is_kept_and_one_byte_more_is_truncated() -> None:
    fits = "x" * (256 * 1024 - 2)  # with its two quotes: 262,144 bytes of JSON
    assert clean_result(fits) == fits
    over = clean_result(fits + "x")
    assert over == {
        "truncated": True,
        "size_bytes": 256 * 1024 + 1,
        "preview": json.dumps(fits + "x")[:4000],
    }


def test_a_truncated_results_preview_keeps_its_text_readable() -> None:
    # The preview is for a person reading the run: é stays é, not \u00e9.
    over = clean_result("é" * (MAX_RESULT_BYTES // 6 + 1))
    assert over["truncated"] is True
    assert over["preview"].startswith('"éé') and "\\u" not in over["preview"]
