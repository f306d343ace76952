"""Fetching a URL for import: a size cap, a timeout, a redirect limit, and a clear error for each.

The body is streamed to a local file and counted as it arrives, so a server that lies about (or
omits) Content-Length still cannot push more than the cap. What arrived is checked later by
decoding it, never trusted by its name or content type.
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from clipcrowd.media import MediaError, TooLargeError

from . import defaults


class FetchError(MediaError):
    """A URL could not be fetched (status, redirects, network, timeout)."""


def is_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def fetch(url: str, dest: Path, *, max_bytes: int, timeout: float = defaults.FETCH_TIMEOUT) -> int:
    """Download ``url`` to ``dest``; returns the size. On any failure ``dest`` is removed."""
    deadline = time.monotonic() + timeout
    size = 0
    try:
        with httpx.Client(follow_redirects=True, max_redirects=defaults.MAX_REDIRECTS, timeout=timeout) as client, \
                client.stream("GET", url) as response:
            if response.status_code != 200:
                raise FetchError(f"{url} answered HTTP {response.status_code}")
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise TooLargeError(f"{url} is {int(declared)} bytes; the limit is {max_bytes} bytes")
            with dest.open("wb") as out:
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLargeError(f"{url} is larger than allowed: the limit is {max_bytes} bytes")
                    if time.monotonic() > deadline:
                        raise FetchError(f"{url} took longer than {timeout:g} s to download")
                    out.write(chunk)
    except httpx.TooManyRedirects:
        dest.unlink(missing_ok=True)
        raise FetchError(f"{url} redirects more than {defaults.MAX_REDIRECTS} times (a redirect loop?)") from None
    except httpx.TimeoutException:
        dest.unlink(missing_ok=True)
        raise FetchError(f"{url} did not answer within {timeout:g} s") from None
    except httpx.HTTPError as exc:
        dest.unlink(missing_ok=True)
        raise FetchError(f"{url} could not be fetched ({type(exc).__name__}: {exc})") from None
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
    return size
