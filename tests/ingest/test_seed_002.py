"""Seed 002 (Kili's "How to import video assets"), run through the facade against a live server.

The notebook's code is kept as written; only the import, the constructor's URL and key, and the
download URLs (served by a local ``http.server``) differ.
"""

from __future__ import annotations

import urllib.request
from pathlib import Path

import httpx
import numpy as np

from clipcrowd.compat.kili import Kili
from clipcrowd.media import probe
from tests.ingest.conftest import Web, stored_files
from tests.support import Live

interface = {
    "jobs": {
        "JOB_0": {
            "content": {
                "categories": {
                    "OBJECT_A": {"children": [], "name": "Object A", "id": "category3"},
                    "OBJECT_B": {"children": [], "name": "Object B", "id": "category4"},
                },
                "input": "radio",
            },
            "instruction": "Categories",
            "isChild": False,
            "mlTask": "CLASSIFICATION",
            "models": {},
            "isVisible": True,
            "required": 1,
            "isNew": False,
        }
    }
}


def run_notebook(kili: Kili, web: Web) -> str:
    """The notebook's cells in order (URLs point at the local server); returns the project id."""
    result = kili.create_project(
        title="[Kili SDK Notebook]: Importing Video Assets",
        description="Project Description",
        input_type="VIDEO",
        json_interface=interface,
    )
    project_id = result["id"]

    urllib.request.urlretrieve(web.url("short_video.mp4"), "test.mp4")
    assets = kili.append_many_to_dataset(
        project_id=project_id, content_array=["./test.mp4"], external_id_array=["video_1_from_local"]
    )
    assert assets == {"id": project_id, "asset_ids": [assets["asset_ids"][0]]}  # Kili's shape

    url = web.url("short_video.mkv")  # MPEG-4 Part 2 in Matroska: not browser-safe, so it gets a proxy
    assets = kili.append_many_to_dataset(
        project_id=project_id, content_array=[url], external_id_array=["video_2_from_url"]
    )
    assets = kili.append_many_to_dataset(
        project_id=project_id,
        content_array=[url],
        external_id_array=["video_2_from_url_split_frames"],
        json_metadata_array=[{"processingParameters": {"shouldUseNativeVideo": False}}],
    )

    urllib.request.urlretrieve(web.url("vid2_frame/video2-img000001.jpg"), "image_1.jpg")
    urllib.request.urlretrieve(web.url("vid2_frame/video2-img000002.jpg"), "image_2.jpg")
    urllib.request.urlretrieve(web.url("vid2_frame/video2-img000003.jpg"), "image_3.jpg")
    assets = kili.append_many_to_dataset(
        project_id=project_id,
        json_content_array=[["./image_1.jpg", "./image_2.jpg", "./image_3.jpg"]],
        external_id_array=["video_3_from_local_images"],
        json_metadata_array=[{"processingParameters": {"shouldUseNativeVideo": False}}],
    )

    url1 = web.url("vid2_frame/video2-img000001.jpg")
    url2 = web.url("vid2_frame/video2-img000002.jpg")
    url3 = web.url("vid2_frame/video2-img000003.jpg")
    assets = kili.append_many_to_dataset(
        project_id=project_id,
        json_content_array=[[url1, url2, url3]],
        external_id_array=["video_4_from_image_urls"],
        json_metadata_array=[{"processingParameters": {"shouldUseNativeVideo": False}}],
    )

    assets = kili.append_many_to_dataset(
        project_id=project_id,
        content_array=["./test.mp4"],
        external_id_array=["video_5_custom"],
        json_metadata_array=[{"processingParameters": {"framesPlayedPerSecond": 10}}],
    )
    assert len(assets["asset_ids"]) == 1

    assets = kili.update_properties_in_assets(
        project_id=project_id,
        external_ids=["video_5_custom"],
        json_metadatas=[{"processingParameters": {"framesPlayedPerSecond": 10}}],
    )

    updated_json_metadatas = kili.assets(
        project_id=project_id, external_id_in=["video_5_custom"], fields=["jsonMetadata"]
    )
    updated_json_metadatas[0]["jsonMetadata"]["customMetadata"] = 20

    assets = kili.update_properties_in_assets(
        project_id=project_id,
        external_ids=["video_5_custom"],
        json_metadatas=[updated_json_metadatas[0]["jsonMetadata"]],
    )
    return str(project_id)


def test_seed_002_through_the_kili_facade(kili: Kili, web: Web, ingest_live: Live, workdir: Path) -> None:
    project_id = run_notebook(kili, web)
    everything = {a["externalId"]: a for a in kili.assets(
        project_id, fields=["id", "externalId", "status", "processingStatus", "processingError", "jsonMetadata",
                            "jsonContent", "content", "mediaUrl", "thumbnail", "resolution", "kind"])}
    assert sorted(everything) == sorted([
        "video_1_from_local", "video_2_from_url", "video_2_from_url_split_frames", "video_3_from_local_images",
        "video_4_from_image_urls", "video_5_custom"])
    assert {k: (a["status"], a["processingStatus"], a["processingError"]) for k, a in everything.items()} == {
        k: ("TODO", "READY", None) for k in everything}

    params = {k: a["jsonMetadata"]["processingParameters"] for k, a in everything.items()}
    # filled from the probe where not given
    assert params["video_1_from_local"] == {
        "shouldUseNativeVideo": True, "shouldKeepNativeFrameRate": True, "framesPlayedPerSecond": 30.0,
        "numberOfFrames": 60, "startTime": 0.0, "delayDueToMinPts": 0.0, "codec": "h264"}
    assert params["video_2_from_url"]["codec"] == "mpeg4" and params["video_2_from_url"]["numberOfFrames"] == 60
    # split into frames: a FRAME asset whose frame list holds one picture per frame
    split = everything["video_2_from_url_split_frames"]
    assert split["kind"] == "FRAME" and len(split["jsonContent"]) == 60
    assert params["video_2_from_url_split_frames"]["numberOfFrames"] == 60
    for name in ("video_3_from_local_images", "video_4_from_image_urls"):
        assert everything[name]["kind"] == "FRAME" and len(everything[name]["jsonContent"]) == 3
        assert everything[name]["resolution"] == {"width": 64, "height": 48}
    # the custom rate: 2 s at 10 frames per second is 20 frames; updates kept the parameters
    custom = everything["video_5_custom"]["jsonMetadata"]
    assert custom["customMetadata"] == 20
    assert custom["processingParameters"]["framesPlayedPerSecond"] == 10
    assert custom["processingParameters"]["numberOfFrames"] == 20
    assert custom["processingParameters"]["shouldKeepNativeFrameRate"] is False
    assert custom["processingParameters"]["codec"] == "h264"

    # replacing metadata without processingParameters keeps them and drops everything else
    kili.update_properties_in_assets(project_id=project_id, external_ids=["video_5_custom"],
                                     json_metadatas=[{"camera": "north"}])
    [again] = kili.assets(project_id=project_id, external_id_strictly_in=["video_5_custom"], fields=["jsonMetadata"])
    assert set(again) == {"jsonMetadata"}  # only the chosen fields
    assert again["jsonMetadata"] == {"camera": "north", "processingParameters": custom["processingParameters"]}
    assert [a["externalId"] for a in kili.assets(project_id, external_id_in=["video_2"],
                                                  fields=["externalId"])] == [
        "video_2_from_url", "video_2_from_url_split_frames"]

    _check_served_media(ingest_live, everything)
    assert stored_files(ingest_live, project_id)

    kili.delete_project(project_id)
    assert stored_files(ingest_live, project_id) == []
    gone = httpx.get(f"{ingest_live.url}/api/v1/projects/{project_id}", headers=ingest_live.headers)
    assert gone.status_code == 404
    left = httpx.get(f"{ingest_live.url}/api/v1/assets", params={"project_id": project_id},
                     headers=ingest_live.headers).json()
    assert left == {"items": [], "has_more": False}


def _check_served_media(live: Live, assets: dict[str, dict]) -> None:
    with httpx.Client(headers=live.headers) as http:
        local = assets["video_1_from_local"]
        whole = http.get(local["content"])
        assert whole.status_code == 200 and whole.headers["content-type"] == "video/mp4"
        part = http.get(local["content"], headers={"Range": "bytes=100-199"})
        assert part.status_code == 206 and part.content == whole.content[100:200]
        assert local["mediaUrl"].endswith("/media")  # H.264 MP4 plays as is: no proxy
        cover = http.get(local["thumbnail"])
        assert cover.content[:2] == b"\xff\xd8"
        table = http.get(local["content"].replace("/content", "/frame-table")).json()
        assert table["frame_count"] == 60 and table["pts"] == sorted(table["pts"])

        mkv = assets["video_2_from_url"]
        proxy = http.get(mkv["mediaUrl"])
        assert proxy.status_code == 200 and proxy.headers["content-type"] == "video/mp4"
        assert http.get(mkv["mediaUrl"], headers={"Range": "bytes=0-9"}).status_code == 206
        frame = http.get(assets["video_4_from_image_urls"]["jsonContent"][2])
        assert frame.status_code == 200 and frame.content[:2] == b"\xff\xd8"
        path = Path(live.settings.media_dir) / "check.mp4"
        path.write_bytes(proxy.content)
        info = probe(path)
        path.unlink()
        assert info.video is not None and info.video.codec == "h264" and info.video.frame_count == 60
        assert np.array_equal(np.diff(table["pts"]) > 0, np.ones(59, bool))
