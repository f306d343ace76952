"""clipcrowd.mining: machines propose what is worth a look (motion events, candidate clips).

Depends on :mod:`clipcrowd.media` only. Public entry points live in their modules:

- :mod:`.events` turns a per-frame motion score into events (hysteresis, minimum duration, merge gap),
  rules stated in seconds and converted to frames from the stream's rate;
- :mod:`.motion` streams a video once (luma plane at reduced size) and measures each event;
- :mod:`.scorers` (the frame-scorer interface and registry), :mod:`.pipeline` (mine videos into
  candidate clips), :mod:`.candidates`, :mod:`.dedupe`.
"""
