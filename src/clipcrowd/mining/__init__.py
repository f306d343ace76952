"""clipcrowd.mining: machines propose what is worth a look (motion events, scored frames, clips).

- :mod:`.events` turns a per-frame motion score into events (hysteresis, minimum duration, merge gap),
  rules stated in seconds and converted to frames from the stream's rate;
- :mod:`.motion` streams a video once (luma plane at reduced size) and measures each event.

Depends on :mod:`clipcrowd.media` only.
"""

from __future__ import annotations

from .events import EventRules, Segmenter
from .motion import MotionEvent, MotionParams, detect_motion

__all__ = ["EventRules", "MotionEvent", "MotionParams", "Segmenter", "detect_motion"]
