"""clipcrowd.mining: machines propose what is worth a look (candidate clips, motion events).

Depends on :mod:`clipcrowd.media` only. Public entry points live in their modules:
:mod:`.scorers` (the frame-scorer interface and registry), :mod:`.pipeline` (mine videos into
candidate clips), :mod:`.candidates`, :mod:`.dedupe`.
"""
