"""Kili's query and delete calls through the facade against a live server: filters honoured,
Kili's return shapes, Kili's labelling status beside the processing state."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from clipcrowd.compat.kili import Kili
from tests.ingest.conftest import Web
from tests.support import Live

INTERFACE = {"jobs": {"JOB_0": {"mlTask": "CLASSIFICATION", "required": 1, "content": {
    "input": "radio", "categories": {"A": {"name": "A"}, "B": {"name": "B"}}}}}}


def test_filters_shapes_and_statuses(kili: Kili, web: Web, ingest_live: Live, workdir: Path) -> None:
    project_id = kili.create_project("queries", "", "VIDEO", INTERFACE)["id"]  # Kili's positional order
    url = web.url("short_video.mp4")
    result = kili.append_many_to_dataset(
        project_id, content_array=[url, url, url], external_id_array=["north_1", "south_1", "north_2"],
        json_metadata_array=[{"camera": "north", "n": 1}, {"camera": "south", "n": 4}, {"camera": "north", "n": 9}])
    assert set(result) == {"id", "asset_ids"} and result["id"] == project_id and len(result["asset_ids"]) == 3

    rows = kili.assets(project_id, fields=["externalId", "status", "processingStatus"])
    assert rows == [{"externalId": e, "status": "TODO", "processingStatus": "READY"}
                    for e in ("north_1", "south_1", "north_2")]
    assert kili.assets(project_id, status_in=["LABELED"]) == []
    assert kili.count_assets(project_id, status_in=["TODO", "ONGOING"]) == 3
    with pytest.raises(ValueError, match="READY"):
        kili.assets(project_id, status_in=["READY"])  # a processing state is not a labelling status

    def ext(**filters: object) -> list[str]:
        return [a["externalId"] for a in kili.assets(project_id, fields=["externalId"], **filters)]

    assert ext(metadata_where={"camera": "north"}) == ["north_1", "north_2"]
    assert ext(metadata_where={"n": [2, 9]}) == ["south_1", "north_2"]
    assert ext(metadata_where={"camera": "north", "n": [0, 5]}) == ["north_1"]
    assert kili.count_assets(project_id, metadata_where={"camera": "south"}) == 1
    assert ext(external_id_in=["north"]) == ["north_1", "north_2"]  # Kili: a partial match
    assert ext(external_id_strictly_in=["north"]) == []
    assert ext(asset_id_not_in=result["asset_ids"][:1], skip=1) == ["north_2"]
    assert ext(created_at_gte="2000-01-01T00:00:00Z", created_at_lte="2000-01-02") == []
    assert ext(created_at_gte="2000-01-01T00:00:00Z", first=2) == ["north_1", "south_1"]

    frame = kili.assets(project_id, fields=["id", "externalId", "jsonMetadata"], format="pandas")
    assert isinstance(frame, pd.DataFrame) and list(frame.columns) == ["id", "externalId", "jsonMetadata"]
    assert frame["externalId"].tolist() == ["north_1", "south_1", "north_2"]
    assert frame["jsonMetadata"].iloc[1]["camera"] == "south"

    with pytest.raises(FileNotFoundError, match=r"gone\.mp4"):  # Kili checks local files before importing
        kili.append_many_to_dataset(project_id, content_array=[url, "./gone.mp4"], external_id_array=["x", "y"])
    assert kili.count_assets(project_id) == 3  # nothing half-imported

    first = result["asset_ids"][0]
    outcome = kili.delete_many_from_dataset(asset_ids=[first])
    assert outcome == {"succeeded": [{"assetId": first, "externalId": None}], "declined": [], "failed": []}
    assert kili.delete_many_from_dataset(asset_ids=[first])["succeeded"][0]["assetId"] == first  # already gone
    outcome = kili.delete_many_from_dataset(external_ids=["south_1", "nobody"], project_id=project_id)
    assert outcome["succeeded"] == [{"assetId": result["asset_ids"][1], "externalId": "south_1"}]
    assert outcome["declined"] == [{"assetId": None, "externalId": "nobody"}] and outcome["failed"] == []
    assert ext() == ["north_2"]
