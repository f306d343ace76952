from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from clipcrowd.media import MediaError, Storage, TooLargeError


class _Exploding(io.RawIOBase):
    """A reader that fails after some bytes, like a dropped upload."""

    def __init__(self, good: int) -> None:
        self.left = good

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        if self.left <= 0:
            raise ConnectionError("client went away")
        chunk = min(self.left, 1000 if n < 0 else n)
        self.left -= chunk
        return b"x" * chunk


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_put_open_size_exists_delete(tmp_path: Path) -> None:
    store = Storage(str(tmp_path / "m"))
    assert store.put("covers/a.jpg", io.BytesIO(b"hello")) == 5
    assert store.exists("covers/a.jpg") and store.size("covers/a.jpg") == 5
    with store.open("covers/a.jpg") as fh:
        assert fh.read() == b"hello"
    assert store.local_path("covers/a.jpg") == tmp_path / "m" / "covers" / "a.jpg"
    assert store.delete("covers/a.jpg") and not store.delete("covers/a.jpg")
    with pytest.raises(FileNotFoundError):
        store.open("covers/a.jpg")


def test_size_cap_leaves_nothing(tmp_path: Path) -> None:
    store = Storage(str(tmp_path / "m"))
    with pytest.raises(TooLargeError, match="size limit of 1000 bytes"):
        store.put("big.bin", io.BytesIO(b"y" * 5000), max_bytes=1000)
    assert not store.exists("big.bin")
    assert _files(tmp_path / "m") == []


def test_failed_upload_leaves_nothing_and_keeps_old_content(tmp_path: Path) -> None:
    store = Storage(str(tmp_path / "m"))
    store.put("a.bin", io.BytesIO(b"old"))
    with pytest.raises(ConnectionError):
        store.put("a.bin", _Exploding(3 << 20))
    with store.open("a.bin") as fh:
        assert fh.read() == b"old"
    assert [p.name for p in _files(tmp_path / "m")] == ["a.bin"]


def test_content_addressed_is_idempotent(tmp_path: Path) -> None:
    store = Storage(str(tmp_path / "m"))
    data = b"z" * (3 << 20)  # several chunks: the hash covers all of it, not the first bytes
    key = store.put_content(io.BytesIO(data), suffix=".mp4")
    digest = hashlib.sha256(data).hexdigest()
    assert key == f"sha256/{digest[:2]}/{digest}.mp4"
    assert store.put_content(io.BytesIO(data), suffix=".mp4") == key
    other = store.put_content(io.BytesIO(data[:-1] + b"q"), suffix=".mp4")
    assert other != key
    assert len(_files(tmp_path / "m")) == 2


def test_delete_prefix(tmp_path: Path) -> None:
    store = Storage(str(tmp_path / "m"))
    for name in ("a", "b", "c"):
        store.put(f"asset1/{name}", io.BytesIO(b"1"))
    store.put("asset2/a", io.BytesIO(b"1"))
    assert store.delete_prefix("asset1") == 3
    assert not store.exists("asset1/a") and store.exists("asset2/a")
    assert store.delete_prefix("asset1") == 0


@pytest.mark.parametrize("key", ["../escape", "/abs", "", "a/../../b", "."])
def test_keys_stay_inside(tmp_path: Path, key: str) -> None:
    with pytest.raises(MediaError, match="invalid storage key"):
        Storage(str(tmp_path / "m")).put(key, io.BytesIO(b"1"))


def test_memory_filesystem_url() -> None:
    store = Storage("memory://clipcrowd-test")
    key = store.put_content(io.BytesIO(b"abc"))
    assert store.exists(key) and store.local_path(key) is None
    with store.open(key) as fh:
        assert fh.read() == b"abc"
    assert store.delete_prefix("sha256") == 1
