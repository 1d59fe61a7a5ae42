from __future__ import annotations

import pytest

from parsers.numbers import read_cell, split_values


@pytest.mark.parametrize("text, kind, value", [
    ("0", "num", 0), ("8743", "num", 8743), ("8,743", "num", 8743), ("１２", "num", 12), (" 3 ", "num", 3),
    ("0.00", "num", 0.0), ("127.69", "num", 127.69), ("-3", "num", -3), ("+1", "num", 1), ("5件", "num", 5), ("5 件", "num", 5),
    ("〇", "num", 0), ("零", "num", 0), ("1O", "num", 10), ("l2", "num", 12),  # CJK zero, OCR misreadings
    ("/", "null", None), ("-", "null", None), ("—", "null", None), ("无", "null", None), ("／", "null", None),
    ("", "blank", None), ("  ", "blank", None),
    ("1.属于国家秘密", "text", None), ("1.", "text", None), ("总计", "text", None), ("2023年", "text", None),
])
def test_read_cell(text: str, kind: str, value: object) -> None:
    got = read_cell(text)
    assert got.kind == kind
    assert got.value == value
    if isinstance(value, float):
        assert isinstance(got.value, float)


def test_split_values() -> None:
    got = split_values("0 1 / 3")
    assert got is not None and [v.value for v in got] == [0, 1, None, 3]
    assert split_values("1. 属于") is None
    assert split_values("12") is None
