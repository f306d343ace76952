"""The public surface of clipcrowd.media is pinned: adding or removing a name is a visible change."""

from __future__ import annotations

import subprocess
import sys

import clipcrowd.media as media


def test_public_names() -> None:
    assert sorted(media.__all__) == sorted(
        [
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
    )
    for name in media.__all__:
        assert getattr(media, name) is not None


def test_errors_are_value_errors() -> None:
    for name in media.__all__:
        obj = getattr(media, name)
        if isinstance(obj, type) and name.endswith("Error"):
            assert issubclass(obj, media.MediaError) and issubclass(obj, ValueError)


def test_registry_holds_the_pyav_backend() -> None:
    assert {"pyav": media.PyAVDecoder} == media.DECODERS
    assert issubclass(media.PyAVDecoder, media.Decoder)


def test_no_web_database_or_store_imports() -> None:
    code = (
        "import sys, clipcrowd.media; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('fastapi', 'sqlalchemy', 'starlette', 'httpx')"
        " or m.startswith(('clipcrowd.store', 'clipcrowd.api', 'clipcrowd.web', 'clipcrowd.services'))]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
