"""The Kili facade refuses what it does not offer, by name, before any request is made."""

from __future__ import annotations

import pytest

from clipcrowd.compat.kili import Kili, UnsupportedArgument


def test_unsupported_arguments_are_named_and_nothing_is_sent() -> None:
    kili = Kili(api_key="token", api_endpoint="http://127.0.0.1:9/api/label/v2/graphql")
    with pytest.raises(UnsupportedArgument, match="id_array"):
        kili.append_many_to_dataset("000000000001", content_array=["a.mp4"], id_array=["x"])
    with pytest.raises(ValueError, match="api_key"):
        Kili(api_endpoint="http://127.0.0.1:9")
