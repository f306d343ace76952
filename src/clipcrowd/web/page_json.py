"""Data for a page's script, embedded so that no value can end or alter the block that carries it.

Pages carry their data as `<script type="application/json">…</script>`. Inside a script element
the HTML parser looks for `</script`, and `<!--` followed by `<script` changes where the element
ends, whatever JSON thinks of it. So every `<`, `>` and `&` leaves as a JSON `\\u` escape (the
parser never sees markup), and so do U+2028/U+2029 (line breaks to older JavaScript parsers).
`JSON.parse` reads the escapes back to the very same strings; the text is ASCII (non-ASCII as `\\u`
escapes too).
"""

from __future__ import annotations

import json
from typing import Any

_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026",
            0x2028: "\\u2028", 0x2029: "\\u2029"}


def embed(data: Any) -> str:
    """JSON text safe to place between `<script type="application/json">` and `</script>` unescaped."""
    return json.dumps(data, separators=(",", ":")).translate(_ESCAPES)  # ASCII: even a stored lone surrogate
