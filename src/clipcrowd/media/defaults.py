"""Every default of the media layer in one place, so the CLI, the server and the docs agree.

Settings (``CLIPCROWD_*``) may override these at the call sites; nothing deeper in the package
hard-codes a limit.
"""

from __future__ import annotations

from fractions import Fraction

#: Largest accepted width or height. 16384 is the H.264 level 6.2 limit and far beyond any camera.
MAX_DIMENSION = 16384
#: Width of cover images and the default sampling width (height follows the aspect ratio).
COVER_WIDTH = 320
#: Thumbnail width for timeline strips.
THUMBNAIL_WIDTH = 160
#: JPEG quality scale for covers (FFmpeg ``qscale``: 2 = best, 31 = worst).
JPEG_QSCALE = 4
#: Relative spread of frame durations above which a stream counts as variable frame rate.
VFR_TOLERANCE = 0.01
#: Timestamp jitter (seconds) that never makes a stream VFR: containers that store milliseconds.
VFR_JITTER = Fraction(2, 1000)
#: Frames kept in each consumer's queue by :func:`clipcrowd.media.fanout.fan_out`.
FANOUT_BUFFER = 8
#: Video codecs every current browser plays inside MP4.
BROWSER_VIDEO_CODECS = frozenset({"h264"})
#: Audio codecs every current browser plays inside MP4.
BROWSER_AUDIO_CODECS = frozenset({"aac", "mp3"})
#: Containers (FFmpeg demuxer names) browsers play.
BROWSER_CONTAINERS = frozenset({"mov,mp4,m4a,3gp,3g2,mj2"})
#: x264 settings for proxies and re-encoded clips: fast, small, plays everywhere.
PROXY_PRESET = "veryfast"
PROXY_CRF = "23"
PROXY_MAX_WIDTH = 1280
#: Audio bit rate for AAC proxies.
PROXY_AUDIO_BITRATE = 128_000
#: Chunk size for streamed copies into storage.
COPY_CHUNK = 1 << 20
