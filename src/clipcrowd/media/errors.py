"""The media error family: every bad input becomes one ``MediaError`` whose message names the problem.

``MediaError`` subclasses ``ValueError`` because bad media *is* a bad value handed to us: the API layer
maps it to a 4xx with the message as is, never a 500. Subclasses let callers (and tests) tell the
causes apart without parsing messages.
"""

from __future__ import annotations


class MediaError(ValueError):
    """Base class: the media (or a request about it) cannot be processed as asked."""


class EmptyFileError(MediaError):
    """The file has zero bytes."""


class NotDecodableError(MediaError):
    """The bytes are not a container/codec FFmpeg can read (e.g. a text file named ``.mp4``)."""


class TruncatedFileError(MediaError):
    """The container opens but its data ends early (an interrupted upload or copy)."""


class NoVideoStreamError(MediaError):
    """A video operation was asked of a file without a video stream (audio only, image-less)."""


class BadDimensionsError(MediaError):
    """Width or height is zero, negative or absurdly large."""


class BadFrameRateError(MediaError):
    """A sampling rate that is not positive, or higher than the video's native rate."""


class TooLargeError(MediaError):
    """Content exceeds the size cap given to :class:`~clipcrowd.media.storage.Storage`."""


class ImageSequenceError(MediaError):
    """An image list cannot become a video: a missing, unreadable or differently sized image."""
