"""An image list (local paths) turned into an H.264 video at a given rate.

Gotcha (measured, see shared/reference/media.md): frames decoded from PNG/JPEG carry an I-frame
flag that libx264 obeys, so unless ``pict_type`` is reset every frame becomes a keyframe (26.8 MB
instead of 0.42 MB for 150 frames). Images are read one at a time: memory does not grow with the list.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import av
from av.video.reformatter import Interpolation, VideoReformatter

from . import defaults
from ._container import PathLike
from ._encode import add_h264, atomic_output, even, open_mp4
from .errors import ImageSequenceError
from .rate import check_rate


def _read_image(path: Path) -> av.VideoFrame:
    if not path.is_file():
        raise ImageSequenceError(f"image {path} does not exist")
    if path.stat().st_size == 0:
        raise ImageSequenceError(f"image {path} is empty (0 bytes)")
    try:
        with av.open(str(path)) as container:
            for frame in container.decode(video=0):
                return frame
    except (av.FFmpegError, IndexError) as exc:
        raise ImageSequenceError(f"image {path} cannot be decoded ({exc})") from exc
    raise ImageSequenceError(f"image {path} holds no picture")


def images_to_video(
    images: Sequence[PathLike],
    dest: PathLike,
    fps: float | Fraction = 25,
    *,
    crf: str = defaults.PROXY_CRF,
    preset: str = defaults.PROXY_PRESET,
) -> Path:
    """Encode ``images`` (all the same size) as frames ``0..n-1`` of an MP4 at ``fps``; returns ``dest``.

    Odd sides are scaled down to the nearest even size (4:2:0 chroma needs even sides).
    """
    if not images:
        raise ImageSequenceError("the image list is empty")
    rate = check_rate(fps, native=None, average=None).limit_denominator(1001)
    tb = 1 / rate
    paths = [Path(p) for p in images]
    first = _read_image(paths[0])
    size = (first.width, first.height)
    scaler = VideoReformatter()
    with atomic_output(dest) as tmp, open_mp4(tmp) as out:
        stream = add_h264(out, even(size[0]), even(size[1]), tb, rate, crf=crf, preset=preset)
        for i, path in enumerate(paths):
            frame = first if i == 0 else _read_image(path)
            if (frame.width, frame.height) != size:
                raise ImageSequenceError(
                    f"image {path} is {frame.width}x{frame.height}, but the sequence is "
                    f"{size[0]}x{size[1]} (from {paths[0]})"
                )
            picture = scaler.reformat(
                frame,
                width=stream.width,
                height=stream.height,
                format="yuv420p",
                interpolation=Interpolation.AREA,
            )
            picture.pts, picture.time_base = i, tb
            picture.pict_type = av.video.frame.PictureType.NONE  # let x264 choose keyframes
            out.mux(stream.encode(picture))
        out.mux(stream.encode(None))
    return Path(dest)
