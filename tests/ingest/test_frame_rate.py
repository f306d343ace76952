"""One frame-rate rule on import and on metadata updates, over a variable-frame-rate clip.

The clip's frames alternate 1/30 s and 1/10 s apart: its base rate is 30 fps and its average about
15. 20 fps is a rate the stream holds, so both paths accept it and count the same frames; 31 fps
is above the base rate, so both refuse it, naming the field.
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import httpx
import pytest

from clipcrowd.compat.kili import Kili
from clipcrowd.media import BadFrameRateError, probe
from clipcrowd.media.rate import check_rate, frames_at, is_native_rate
from tests.media._generate import write_vfr
from tests.support import Live

INTERFACE = {"jobs": {"JOB_0": {"mlTask": "CLASSIFICATION", "required": 1, "content": {
    "input": "radio", "categories": {"A": {"name": "A"}, "B": {"name": "B"}}}}}}
FIELD = "processingParameters.framesPlayedPerSecond"


def vfr_pts(frames: int) -> list[int]:
    """Milliseconds: gaps of 1/30 s and 1/10 s in turn (base rate 30, average 15)."""
    out, t = [], Fraction(0)
    for i in range(frames):
        out.append(round(t))
        t += Fraction(1000, 30) if i % 2 == 0 else Fraction(100)
    return out


@pytest.fixture
def vfr_clip(workdir: Path) -> Path:
    return write_vfr(workdir / "vfr.mkv", vfr_pts(46)).path


def test_the_rule_on_fractions() -> None:
    assert check_rate(20, native=Fraction(30), average=Fraction(46, 3)) == 20
    with pytest.raises(BadFrameRateError, match="above the video's native rate 30"):
        check_rate(Fraction(31), native=Fraction(30), average=Fraction(46, 3))
    assert check_rate(30, native=Fraction(30000, 1001), average=None) == 30  # within the slack of 29.97
    assert is_native_rate(Fraction(30), native=Fraction(30000, 1001), average=None)
    assert not is_native_rate(Fraction(20), native=Fraction(30), average=Fraction(15))
    assert check_rate(40, native=None, average=Fraction(45)) == 40  # no base rate: the average decides
    for bad in (0, -1, float("nan"), float("inf")):
        with pytest.raises(BadFrameRateError):
            check_rate(bad, native=None, average=None)
    assert frames_at(Fraction(20), duration=Fraction(3), frame_count=46) == 60
    assert frames_at(None, duration=Fraction(3), frame_count=46) == 46


def test_import_and_update_agree_on_a_vfr_clip(kili: Kili, ingest_live: Live, vfr_clip: Path) -> None:
    video = probe(vfr_clip).require_video()
    assert video.native_rate == 30 and 14 < video.average_rate < 16 and video.vfr
    project_id = kili.create_project(input_type="VIDEO", json_interface=INTERFACE, title="vfr")["id"]
    result = kili.append_many_to_dataset(
        project_id=project_id, content_array=[str(vfr_clip)] * 3, external_id_array=["at20", "plain", "at31"],
        json_metadata_array=[{"processingParameters": {"framesPlayedPerSecond": 20}}, {},
                             {"processingParameters": {"framesPlayedPerSecond": 31}}],
        wait_until_availability=True, report_errors=True)
    assert set(result["errors"]) == {"at31"} and "above the video's native rate 30" in result["errors"]["at31"]
    rows = {a["externalId"]: a for a in kili.assets(project_id, fields=["id", "externalId", "processingStatus",
                                                                        "jsonMetadata"])}
    expected = math.ceil(video.duration * 20)
    imported = rows["at20"]["jsonMetadata"]["processingParameters"]
    assert rows["at20"]["processingStatus"] == "READY"
    assert (imported["framesPlayedPerSecond"], imported["numberOfFrames"]) == (20, expected)
    assert imported["shouldKeepNativeFrameRate"] is False

    with httpx.Client(base_url=ingest_live.url, headers=ingest_live.headers, timeout=30) as http:
        path = f"/api/v1/assets/{rows['plain']['id']}"
        updated = http.patch(path, json={"json_metadata": {"processingParameters": {"framesPlayedPerSecond": 20}}})
        assert updated.status_code == 200, updated.text
        params = updated.json()["json_metadata"]["processingParameters"]
        assert (params["numberOfFrames"], params["shouldKeepNativeFrameRate"]) == (expected, False)

        refused = http.patch(path, json={"json_metadata": {"processingParameters": {"framesPlayedPerSecond": 31}}})
        assert refused.status_code == 400
        assert any(key.endswith(FIELD) for key in refused.json()["payload"]), refused.text
        assert "above the video's native rate 30" in refused.json()["message"]
        assert http.get(path).json()["json_metadata"]["processingParameters"]["numberOfFrames"] == expected
