"""Covers, thumbnails, waveforms, proxies, image sequences and clips, checked by decoding them back."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from clipcrowd.media import (
    ImageSequenceError,
    MediaError,
    cover,
    cut_clip,
    frame_table,
    images_to_video,
    make_proxy,
    needs_proxy,
    probe,
    sample_frames,
    save_cover,
    thumbnails,
    waveform_peaks,
)
from clipcrowd.media.images import encode_image

from ._generate import Written, read_barcode, write_images


def _decode_image(data: bytes, tmp_path: Path, name: str) -> np.ndarray:
    path = tmp_path / name
    path.write_bytes(data)
    with av.open(str(path)) as c:
        return next(c.decode(video=0)).to_ndarray(format="rgb24")


def test_cover_is_the_first_keyframe_scaled(cfr: Written, tmp_path: Path) -> None:
    jpeg = cover(cfr.path, width=80)
    assert jpeg[:3] == b"\xff\xd8\xff"
    image = _decode_image(jpeg, tmp_path, "c.jpg")
    assert image.shape == (60, 80, 3)
    assert read_barcode(image) == 0
    png = save_cover(cfr.path, tmp_path / "c.png", width=80).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_cover_of_rotated_video_is_upright(rotated: Written, tmp_path: Path) -> None:
    image = _decode_image(cover(rotated.path, width=60, fmt="png"), tmp_path, "r.png")
    assert image.shape == (80, 60, 3)


def test_png_round_trip_is_lossless(tmp_path: Path) -> None:
    rgb = np.random.default_rng(0).integers(0, 256, (7, 9, 3), dtype=np.uint8)
    assert np.array_equal(_decode_image(encode_image(rgb, "png"), tmp_path, "x.png"), rgb)


def test_thumbnails_spread_over_the_video(cfr: Written) -> None:
    thumbs = thumbnails(cfr.path, count=4, width=40)
    assert len(thumbs) == 4
    times = [t.seconds for t, _ in thumbs]
    assert times == sorted(times) and times[0] == 0 and times[-1] >= 1.4
    assert all(data[:2] == b"\xff\xd8" for _, data in thumbs)


def test_waveform_peaks(with_audio: Written) -> None:
    peaks = waveform_peaks(with_audio.path, buckets=20)
    assert peaks.shape == (20, 2) and peaks.dtype == np.float32
    assert np.all(peaks[:, 0] <= peaks[:, 1])
    assert np.abs(peaks[:8]).max() < 0.05  # silent first second
    assert peaks[12:, 1].min() > 0.6 and peaks[12:, 0].max() < -0.6  # 0.8 amplitude tone


def test_waveform_without_audio(cfr: Written) -> None:
    with pytest.raises(MediaError, match="no audio stream"):
        waveform_peaks(cfr.path)


def test_needs_proxy(cfr: Written, with_audio: Written, webm: Written, vfr: Written, odd: Written) -> None:
    assert not needs_proxy(probe(cfr.path))
    assert not needs_proxy(probe(with_audio.path))
    assert needs_proxy(probe(webm.path))  # VP9 in WebM
    assert needs_proxy(probe(vfr.path))  # Matroska
    assert needs_proxy(probe(odd.path))  # 4:4:4 H.264 does not play in browsers


def test_proxy_keeps_every_frame_and_time(webm: Written, tmp_path: Path) -> None:
    out = make_proxy(webm.path, tmp_path / "p.mp4")
    info = probe(out)
    assert info.video is not None and info.video.codec == "h264" and info.video.pix_fmt == "yuv420p"
    assert not needs_proxy(info)
    src_t = frame_table(webm.path) * probe(webm.path).require_video().time_base
    dst_t = frame_table(out) * info.video.time_base
    assert list(dst_t) == list(src_t)
    head = out.read_bytes()[:4096]
    assert head.find(b"moov") < head.find(b"mdat") or b"mdat" not in head  # faststart: index first


def test_proxy_with_audio_and_vfr(vfr: Written, with_audio: Written, tmp_path: Path) -> None:
    out = make_proxy(vfr.path, tmp_path / "v.mp4")
    assert probe(out).require_video().vfr
    assert [read_barcode(s.image) for s in sample_frames(out, None)] == list(range(vfr.frames))
    out = make_proxy(with_audio.path, tmp_path / "a.mp4")
    info = probe(out)
    assert [a.codec for a in info.audio] == ["aac"] and info.require_video().frame_count == 50


def test_images_to_video(tmp_path: Path) -> None:
    images = write_images(tmp_path / "imgs", 30, width=64, height=48)
    out = images_to_video(images, tmp_path / "seq.mp4", fps=10)
    video = probe(out).require_video()
    assert (video.frame_count, video.width, video.height, video.average_rate) == (30, 64, 48, 10)
    assert video.keyframe_count < 5  # pict_type was reset: not every image became a keyframe
    assert [read_barcode(s.image) for s in sample_frames(out, None)] == list(range(30))


def test_images_jpeg_and_odd_size(tmp_path: Path) -> None:
    images = write_images(tmp_path / "odd", 5, width=65, height=49, ext="jpg")
    video = probe(images_to_video(images, tmp_path / "odd.mp4", fps=5)).require_video()
    assert (video.width, video.height, video.frame_count) == (64, 48, 5)


def test_image_list_errors_name_the_image(tmp_path: Path) -> None:
    images = write_images(tmp_path / "a", 3, width=64, height=48)
    other = write_images(tmp_path / "b", 1, width=32, height=48)[0]
    dest = tmp_path / "bad.mp4"
    with pytest.raises(ImageSequenceError, match=r"b/img_0000.png is 32x48, but the sequence is 64x48"):
        images_to_video([*images, other], dest)
    assert not dest.exists() and list(tmp_path.glob(".bad.mp4*")) == []  # nothing half-written
    missing = tmp_path / "a" / "gone.png"
    with pytest.raises(ImageSequenceError, match=r"gone\.png does not exist"):
        images_to_video([images[0], missing], dest)
    broken = tmp_path / "a" / "broken.png"
    broken.write_text("not an image")
    with pytest.raises(ImageSequenceError, match=r"broken\.png cannot be decoded"):
        images_to_video([images[0], broken], dest)
    with pytest.raises(ImageSequenceError, match="empty"):
        images_to_video([], dest)


@pytest.mark.parametrize(
    ("start", "end", "first", "count", "copied"),
    [(0.5, 1.0, 15, 15, True), (0.4, 1.1, 12, 21, False), (1.5, 5.0, 45, 15, True), (0.0, 0.3, 0, 9, False)],
)
def test_cut_clip_is_frame_exact(
    cfr: Written, tmp_path: Path, start: float, end: float, first: int, count: int, copied: bool
) -> None:
    clip = cut_clip(cfr.path, tmp_path / "clip.mp4", start, end)
    assert (clip.first_frame, clip.frame_count, clip.copied) == (first, count, copied)
    got = [read_barcode(s.image) for s in sample_frames(clip.path, None)]
    assert got == list(range(first, first + count))
    assert len(frame_table(clip.path)) == count


def test_cut_clip_errors(cfr: Written, tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="not keyframe-aligned"):
        cut_clip(cfr.path, tmp_path / "x.mp4", 0.4, 1.0, mode="copy")
    with pytest.raises(MediaError, match="no frame is shown"):
        cut_clip(cfr.path, tmp_path / "x.mp4", 5.0, 6.0)
    assert not (tmp_path / "x.mp4").exists()
