"""Spreadsheet-safe CSV cells: text that a spreadsheet would run as a formula gets a leading `'`.

Following OWASP's advice on CSV injection, a text cell that begins with `=`, `+`, `-`, `@`, a tab or
a carriage return (or their full-width forms U+FF1D, U+FF0B, U+FF0D, U+FF20, which some spreadsheets read alike) is
written with a single quote in front, so that the spreadsheet shows the text instead of
evaluating it. Only text is touched: numbers written by clipcrowd itself (`-3`) stay numbers. The
quote is visible to programs that read the CSV; exports meant for programs (JSON) carry values
unchanged.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralise(text: str) -> str:
    """`text` as a cell no spreadsheet will evaluate."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text
