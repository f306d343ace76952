"""Public ids: fixed-width, zero-padded decimal strings, so string order equals creation order.

Clients such as toloka-kit compare ids as strings (they page with `id_gt` and build ranges from
`min`/`max` of ids), so "9" < "10" must hold as strings too.
"""

from __future__ import annotations

ID_WIDTH = 12


def format_id(number: int) -> str:
    return f"{number:0{ID_WIDTH}d}"


def parse_id(value: str | int | None) -> int | None:
    """Return the integer behind a public id, or None when it cannot be one of ours."""
    if value is None:
        return None
    text = str(value).strip()
    # ASCII digits only: str.isdigit() also says yes to superscripts and other scripts' digits
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        return None
    return int(text)
