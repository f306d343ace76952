"""Bad input, each with its own clear per-asset error; the good assets of the same call still import
and nothing half-written stays in storage."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from clipcrowd.compat.kili import ImportValidationError, Kili
from tests.ingest.conftest import Web, copy, stored_files
from tests.support import Live

INTERFACE = {"jobs": {"JOB_0": {"mlTask": "CLASSIFICATION", "required": 1, "content": {
    "input": "checkbox", "categories": {"A": {"name": "A"}, "B": {"name": "B"}}}}}}


def _project(kili: Kili) -> str:
    return kili.create_project(input_type="VIDEO", json_interface=INTERFACE, title="bad input")["id"]


def _by_external_id(kili: Kili, project_id: str) -> dict[str, dict]:
    rows = kili.assets(project_id, fields=["id", "externalId", "processingStatus", "processingError"])
    return {a["externalId"]: a for a in rows}


def test_one_call_with_every_kind_of_bad_file(kili: Kili, web: Web, media: Path, workdir: Path,
                                              ingest_live: Live) -> None:
    project_id = _project(kili)
    for name in ("short_video.mp4", "empty.mp4", "truncated.mp4", "notes.mp4", "wide.y4m", "zero.y4m"):
        copy(media, name, workdir)
    cases = {  # external id -> (content, metadata, what the error must say)
        "good_local": ("./short_video.mp4", {}, None),
        "good_url": (web.url("short_video.mkv"), {}, None),
        "zero_bytes": ("./empty.mp4", {}, "empty (0 bytes)"),
        "truncated": ("./truncated.mp4", {}, "truncated"),
        "text_as_mp4": ("./notes.mp4", {}, "not a media file"),
        "absurd_size": ("./wide.y4m", {}, "20000x2"),
        "zero_size": ("./zero.y4m", {}, "upload zero.y4m"),
        "missing_local": ("./nowhere.mp4", {}, "no such local file"),
        "url_404": (web.url("missing.mp4"), {}, "answered HTTP 404"),
        "url_too_large": (web.url("big.mp4"), {}, "the limit is 1500000 bytes"),
        "url_loop": (web.url("loop"), {}, "redirects more than 5 times"),
        "rate_zero": ("./short_video.mp4", {"processingParameters": {"framesPlayedPerSecond": 0}}, "must be > 0"),
        "rate_negative": ("./short_video.mp4", {"processingParameters": {"framesPlayedPerSecond": -5}},
                          "must be > 0"),
        "rate_above_native": ("./short_video.mp4", {"processingParameters": {"framesPlayedPerSecond": 60}},
                              "above the video's native rate 30"),
    }
    result = kili.append_many_to_dataset(
        project_id, content_array=[c[0] for c in cases.values()], external_id_array=list(cases),
        json_metadata_array=[c[1] for c in cases.values()], report_errors=True)
    assets = _by_external_id(kili, project_id)
    assert {k for k, a in assets.items() if a["processingStatus"] == "READY"} == {"good_local", "good_url"}
    for external_id, (_content, _meta, expected) in cases.items():
        if expected is None:
            continue
        assert expected in result["errors"][external_id], (external_id, result["errors"][external_id])
        if external_id in assets:  # known only once fetched or decoded: the asset records why
            assert assets[external_id]["processingStatus"] == "ERROR"
            assert expected in assets[external_id]["processingError"]
    # request-time faults never became assets; what failed in the worker left no files behind
    assert not {"zero_bytes", "missing_local", "rate_zero", "rate_negative"} & set(assets)
    failed = [a["id"] for a in assets.values() if a["processingStatus"] == "ERROR"]
    assert len(failed) == 8
    for asset_id in failed:
        assert stored_files(ingest_live, f"{project_id}/assets/{asset_id}") == []
    assert not list((ingest_live.settings.media_dir / ".tmp").glob("*"))
    # the zero-byte file was refused at upload with a clear error
    response = httpx.post(f"{ingest_live.url}/api/v1/assets/uploads", content=b"", headers=ingest_live.headers,
                          params={"project_id": project_id, "name": "empty.mp4"})
    assert response.status_code == 400 and response.json()["payload"]["file"]["code"] == "EMPTY"


def test_image_lists_and_duplicate_external_ids(kili: Kili, web: Web, media: Path, workdir: Path,
                                                 ingest_live: Live) -> None:
    project_id = _project(kili)
    frames = media / "vid2_frame"
    local = [copy(frames, f"video2-img{i:06d}.jpg", workdir).name for i in (1, 2)]
    cases = {
        "images_ok": [web.url("vid2_frame/video2-img000001.jpg"), web.url("vid2_frame/video2-img000002.jpg")],
        "mixed_sizes": [web.url("vid2_frame/video2-img000001.jpg"), web.url("vid2_frame/wider.jpg")],
        "missing_url_image": [web.url("vid2_frame/video2-img000001.jpg"), web.url("vid2_frame/nope.jpg")],
        "missing_local_image": [f"./{local[0]}", "./gone.jpg"],
        "dup": [f"./{local[0]}", f"./{local[1]}"],
    }
    result = kili.append_many_to_dataset(
        project_id, json_content_array=[*cases.values(), cases["images_ok"]],
        external_id_array=[*cases, "dup"],
        json_metadata_array=[{"processingParameters": {"shouldUseNativeVideo": False}}] * (len(cases) + 1),
        report_errors=True)
    errors = result["errors"]
    assert "is 80x48, but the sequence is 64x48" in errors["mixed_sizes"]
    assert web.url("vid2_frame/wider.jpg") in errors["mixed_sizes"]  # named by what was sent, not a temp path
    assert "answered HTTP 404" in errors["missing_url_image"] and "nope.jpg" in errors["missing_url_image"]
    assert "gone.jpg: no such local file" in errors["missing_local_image"]
    assert "'dup' is repeated" in errors["dup"]
    assets = _by_external_id(kili, project_id)
    assert assets["images_ok"]["processingStatus"] == "READY" and assets["dup"]["processingStatus"] == "READY"

    with pytest.raises(ImportValidationError, match="'images_ok' already exists in this project"):
        kili.append_many_to_dataset(project_id, content_array=[web.url("short_video.mp4")],
                                    external_id_array=["images_ok"])
    for name in ("mixed_sizes", "missing_url_image"):
        assert stored_files(ingest_live, f"{project_id}/assets/{assets[name]['id']}") == []


def test_request_time_faults_name_the_asset(ingest_live: Live, web: Web) -> None:
    with httpx.Client(base_url=ingest_live.url, headers=ingest_live.headers) as http:
        project = http.post("/api/v1/projects/from-interface", json={
            "title": "t", "input_type": "VIDEO", "json_interface": INTERFACE}).json()
        body = {"project_id": project["id"], "assets": [
            {"external_id": "a", "content": web.url("short_video.mp4"),
             "json_metadata": {"processingParameters": {"framesPlayedPerSecond": 0}}},
            {"external_id": "b", "content": "/home/me/clip.mp4"},
            {"external_id": "c", "content": "upload:ab/nothing.mp4"},
        ]}
        refused = http.post("/api/v1/assets", json=body)
        assert refused.status_code == 400 and refused.json()["code"] == "VALIDATION_ERROR"
        payload = refused.json()["payload"]
        assert set(payload) == {"assets[0].json_metadata.processingParameters.framesPlayedPerSecond",
                                "assets[1].content", "assets[2].content"}
        assert "asset 'b'" in refused.json()["message"] and "upload local files first" in refused.json()["message"]
        assert http.get("/api/v1/assets", params={"project_id": project["id"]}).json()["items"] == []

        body["assets"].append({"external_id": "d", "content": web.url("short_video.mp4")})
        mixed = http.post("/api/v1/assets", json=body)
        assert mixed.status_code == 201
        assert list(mixed.json()["items"]) == ["3"] and sorted(mixed.json()["validation_errors"]) == ["0", "1", "2"]
        assert mixed.json()["validation_errors"]["1"]["external_id"] == "b"
        too_big = http.post("/api/v1/assets/uploads", params={"project_id": project["id"], "name": "x.mp4"},
                            content=b"\0" * 1_600_000)
        assert too_big.status_code == 413 and too_big.json()["code"] == "PAYLOAD_TOO_LARGE"
