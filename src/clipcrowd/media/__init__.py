"""clipcrowd.media: probing, decoding, sampling, covers, proxies, clips and storage, on PyAV.

No ffmpeg binary is needed at run time. This package never imports web, database or store code;
ingest and mining call it with paths and get plain dataclasses and numpy arrays back.
The public surface is exactly ``__all__`` (pinned by ``tests/media/test_exports.py``).
"""

from __future__ import annotations

from .clips import Clip, cut_clip
from .convert import FrameConverter, FrameSpec
from .decoder import DECODERS, DecodedFrame, Decoder, PyAVDecoder, open_decoder
from .errors import (
    BadDimensionsError,
    BadFrameRateError,
    EmptyFileError,
    ImageSequenceError,
    MediaError,
    NotDecodableError,
    NoVideoStreamError,
    TooLargeError,
    TruncatedFileError,
)
from .fanout import FanOut
from .images import cover, encode_image, save_cover, thumbnails
from .probe import AudioInfo, MediaInfo, VideoInfo, frame_table, probe
from .proxy import make_proxy, needs_proxy
from .remux import Playable, make_seekable
from .sampling import Sample, sample_frames
from .sequence import images_to_video
from .storage import Storage
from .timecode import FrameTime
from .waveform import waveform_peaks

__all__ = [
    "DECODERS",
    "AudioInfo",
    "BadDimensionsError",
    "BadFrameRateError",
    "Clip",
    "DecodedFrame",
    "Decoder",
    "EmptyFileError",
    "FanOut",
    "FrameConverter",
    "FrameSpec",
    "FrameTime",
    "ImageSequenceError",
    "MediaError",
    "MediaInfo",
    "NoVideoStreamError",
    "NotDecodableError",
    "Playable",
    "PyAVDecoder",
    "Sample",
    "Storage",
    "TooLargeError",
    "TruncatedFileError",
    "VideoInfo",
    "cover",
    "cut_clip",
    "encode_image",
    "frame_table",
    "images_to_video",
    "make_proxy",
    "make_seekable",
    "needs_proxy",
    "open_decoder",
    "probe",
    "sample_frames",
    "save_cover",
    "thumbnails",
    "waveform_peaks",
]
