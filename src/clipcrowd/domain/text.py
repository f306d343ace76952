"""Text that may be stored: no lone UTF-16 surrogates, no NUL or other control characters.

A lone surrogate cannot be encoded as UTF-8, so one stored string would break every later read
of the rows around it (listings, exports); PostgreSQL refuses NUL outright. Such text is refused
where it enters, with the field it came in, and never reaches the store. Tab, newline and carriage
return are ordinary text.
"""

from __future__ import annotations

import re

_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def text_problem(value: str, max_chars: int | None = None) -> str | None:
    """Why `value` may not be stored (None when it may)."""
    if max_chars is not None and len(value) > max_chars:
        return f"is {len(value)} characters long; the limit is {max_chars}"
    found = _FORBIDDEN.search(value)
    if found is None:
        return None
    char = found.group()
    what = "a lone UTF-16 surrogate" if "\ud800" <= char <= "\udfff" else "a control character"
    return f"contains {what} (U+{ord(char):04X}) at position {found.start()}"
