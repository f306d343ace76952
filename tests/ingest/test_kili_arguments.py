"""The Kili facade refuses what it does not offer, by name, before any request is made; it reads the
server and key from the environment as the real client does."""

from __future__ import annotations

import inspect

import pytest

from clipcrowd.compat.kili import Kili, UnsupportedArgument

DEAD = "http://127.0.0.1:9/api/label/v2/graphql"  # nothing listens: any request would fail differently


@pytest.fixture
def kili() -> Kili:
    return Kili(api_key="token", api_endpoint=DEAD)


def test_unsupported_arguments_are_named_and_nothing_is_sent(kili: Kili) -> None:
    with pytest.raises(UnsupportedArgument, match="id_array"):
        kili.append_many_to_dataset("000000000001", content_array=["a.mp4"], id_array=["x"])
    with pytest.raises(NotImplementedError, match="tags"):
        kili.create_project("t", input_type="VIDEO", json_interface={}, tags=["a"])
    with pytest.raises(NotImplementedError, match="csv_separator"):
        kili.append_many_to_dataset("000000000001", content_array=["a.mp4"], csv_separator=";")
    with pytest.raises(NotImplementedError, match="priorities"):
        kili.update_properties_in_assets(asset_ids=["1"], priorities=[1])
    with pytest.raises(NotImplementedError, match="graphql_client_params"):
        Kili(api_key="k", api_endpoint=DEAD, graphql_client_params={"a": 1})


@pytest.mark.parametrize("method", ["assets", "count_assets"])
def test_every_filter_of_assets_is_honoured_or_refused_by_name(kili: Kili, method: str) -> None:
    """Each parameter given a non-default value either reaches the (dead) server or is refused."""
    honoured = {"asset_id", "skip", "fields", "asset_id_in", "asset_id_not_in", "disable_tqdm", "first", "format",
                "metadata_where", "updated_at_gte", "updated_at_lte", "created_at_gte", "created_at_lte",
                "external_id_strictly_in", "external_id_in", "status_in", "as_generator"}
    function = getattr(kili, method)
    for name, p in inspect.signature(function).parameters.items():
        if name in honoured or name == "project_id":
            continue
        value: object = "x" if p.default is None else (not p.default if isinstance(p.default, bool) else "other")
        with pytest.raises(UnsupportedArgument, match=name):
            function("000000000001", **{name: value})


def test_the_client_reads_kili_and_clipcrowd_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("KILI_API_KEY", "KILI_API_ENDPOINT", "CLIPCROWD_TOKEN", "CLIPCROWD_URL"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ValueError, match="KILI_API_KEY"):
        Kili()
    monkeypatch.setenv("KILI_API_KEY", "kili-key")
    monkeypatch.setenv("KILI_API_ENDPOINT", "http://127.0.0.1:9/api/label/v2/graphql")
    client = Kili()
    assert client.base == "http://127.0.0.1:9" and client.http.headers["Authorization"] == "OAuth kili-key"
    monkeypatch.delenv("KILI_API_KEY")
    monkeypatch.delenv("KILI_API_ENDPOINT")
    monkeypatch.setenv("CLIPCROWD_TOKEN", "cc-token")
    monkeypatch.setenv("CLIPCROWD_URL", "http://127.0.0.1:8/")
    client = Kili()
    assert client.base == "http://127.0.0.1:8" and client.http.headers["Authorization"] == "OAuth cc-token"
    explicit = Kili("given", "http://127.0.0.1:7")
    assert explicit.base == "http://127.0.0.1:7" and explicit.http.headers["Authorization"] == "OAuth given"
