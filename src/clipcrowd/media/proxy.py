"""Browser proxies: an H.264/AAC MP4 with faststart for media a browser cannot play as is.

Only the video's pixels are re-encoded (scaled to at most ``max_width``); timestamps pass through
unchanged, so a variable-frame-rate source stays VFR and frame ``N`` keeps its time. The display
matrix is copied rather than applied, exactly like the original.
"""

from __future__ import annotations

from pathlib import Path

import av
from av.audio.resampler import AudioResampler
from av.video.reformatter import Interpolation, VideoReformatter

from . import defaults
from ._container import PathLike, open_input
from ._encode import add_h264, atomic_output, even, open_mp4
from .errors import MediaError
from .probe import MediaInfo, probe


def needs_proxy(info: MediaInfo) -> bool:
    """True when a browser may fail to play the file: container, codec or pixel format not web-safe."""
    if info.format_name not in defaults.BROWSER_CONTAINERS:
        return True
    if any(a.codec not in defaults.BROWSER_AUDIO_CODECS for a in info.audio):
        return True
    video = info.video
    return video is not None and (
        video.codec not in defaults.BROWSER_VIDEO_CODECS or video.pix_fmt not in ("yuv420p", "yuvj420p")
    )


def make_proxy(src: PathLike, dest: PathLike, *, max_width: int = defaults.PROXY_MAX_WIDTH) -> Path:
    """Write an H.264/AAC faststart MP4 of ``src`` to ``dest`` (atomically) and return ``dest``."""
    info = probe(src)
    with atomic_output(dest) as tmp, open_input(src) as inp, open_mp4(tmp) as out:
        vin = inp.streams.video[0] if inp.streams.video else None
        ain = inp.streams.audio[0] if inp.streams.audio else None
        vout = aout = None
        if vin is not None and info.video is not None:
            v = info.video
            width = even(min(v.width, max_width))
            height = even(round(v.height * width / v.width))
            vout = add_h264(out, width, height, v.time_base, v.native_rate, rotation=v.rotation)
            scaler = VideoReformatter()
        if ain is not None:
            aout = out.add_stream("aac", rate=ain.codec_context.sample_rate or 48000)
            aout.codec_context.bit_rate = defaults.PROXY_AUDIO_BITRATE
            resampler = AudioResampler(format="fltp", layout=aout.codec_context.layout, rate=aout.rate)
        streams = [s for s in (vin, ain) if s is not None]
        try:
            for packet in inp.demux(streams):
                for frame in packet.decode():
                    if packet.stream is vin and vout is not None and isinstance(frame, av.VideoFrame):
                        assert info.video is not None
                        scaled = scaler.reformat(
                            frame,
                            width=vout.width,
                            height=vout.height,
                            format="yuv420p",
                            interpolation=Interpolation.AREA,
                        )
                        scaled.pts = (frame.pts or 0) - info.video.first_pts
                        scaled.time_base = info.video.time_base
                        scaled.pict_type = av.video.frame.PictureType.NONE
                        out.mux(vout.encode(scaled))
                    elif aout is not None and isinstance(frame, av.AudioFrame):
                        frame.pts = None
                        for chunk in resampler.resample(frame):
                            out.mux(aout.encode(chunk))
            if vout is not None:
                out.mux(vout.encode(None))
            if aout is not None:
                for chunk in resampler.resample(None):
                    out.mux(aout.encode(chunk))
                out.mux(aout.encode(None))
        except av.FFmpegError as exc:
            raise MediaError(f"{src}: proxy encoding failed ({exc})") from exc
    return Path(dest)
