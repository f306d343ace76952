"""Every default of ingest in one place (size caps come from ``Settings.max_upload_bytes``)."""

from __future__ import annotations

from fractions import Fraction

#: Seconds allowed to fetch one URL (connect, each read, and the whole download).
FETCH_TIMEOUT = 30.0
#: Redirects followed before a URL is refused (a loop ends here).
MAX_REDIRECTS = 5
#: Frame rate of a video made from an image list when no framesPlayedPerSecond is given.
IMAGE_LIST_FPS = Fraction(25)
#: JPEG quality of split frames (FFmpeg qscale: 2 best .. 31 worst).
FRAME_QSCALE = 3
#: Most frames one FRAME asset may be split into (a 10-minute video at 30 fps is 18,000).
MAX_SPLIT_FRAMES = 20_000
#: Assets in one import call.
MAX_BATCH_ASSETS = 10_000
