"""Mining errors: every bad input (model, classes, label, clip length, source) is one ``MiningError``.

It subclasses ``ValueError`` like :class:`clipcrowd.media.MediaError`, so the CLI prints its message
as one line and the API maps it to a 4xx; the message names the file or option at fault.
"""

from __future__ import annotations


class MiningError(ValueError):
    """The mining run cannot go ahead as asked (bad model, classes file, label, option or source)."""
