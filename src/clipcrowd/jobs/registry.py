"""Job kinds: a :class:`Handler` subclass per kind, registered with :func:`register`.

A handler says how a request is cut into shards (:meth:`Handler.plan`) and how one shard runs
(:meth:`Handler.run_shard`). The job row stores the handler's import path, so a worker process
(local or on a Ray node) that never imported the module that registered the kind still finds it.
"""

from __future__ import annotations

import abc
import importlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

if TYPE_CHECKING:
    from .shard import ShardRun

__all__ = ["Handler", "ShardFailed", "ShardPlan", "UnknownKind", "handler_path", "kinds", "register", "resolve",
           "split"]

#: Longest kind name and item key the tables hold.
KIND_MAX = 60
KEY_MAX = 500

#: Shard statuses a plan may start a shard in: ``queued`` (a worker may claim it) or ``missing``
#: (its items are still arriving; :func:`clipcrowd.jobs.ready` queues it later).
PLAN_STATUSES = ("queued", "missing")


class ShardFailed(Exception):
    """Raised by a handler to fail its shard with a message (an expected failure: no traceback logged)."""


class UnknownKind(LookupError):
    """No handler is registered (or importable) for a job kind."""


@dataclass(frozen=True)
class ShardPlan:
    """One shard as planned: its item keys (each one a row a worker reports on), an optional payload.

    ``item_count`` is the number of items the shard is to hold when they arrive later (a ``missing``
    shard); by default it is ``len(items)``.
    """

    items: Sequence[str] = ()
    payload: Mapping[str, Any] | None = None
    status: str = "queued"
    item_count: int | None = None


def split(keys: Iterable[str], size: int, payload: Mapping[str, Any] | None = None) -> list[ShardPlan]:
    """Cut item keys into shards of at most ``size`` items (the last one holds the remainder)."""
    if size < 1:
        raise ValueError("shard size must be at least 1")
    keys = list(keys)
    return [ShardPlan(keys[i:i + size], payload) for i in range(0, len(keys), size)]


class Handler(abc.ABC):
    """The code of one job kind. Instances are made with no arguments, once per shard run.

    A shard may run more than once (its worker died, the lease ran out): :meth:`run_shard` must be
    idempotent. Items already reported done are not handed out again by ``shard.pending()``.
    """

    #: set by :func:`register`
    kind: ClassVar[str] = ""
    #: items per shard when :meth:`plan` is not overridden
    shard_size: ClassVar[int] = 2048

    def plan(self, request: Mapping[str, Any]) -> list[ShardPlan]:
        """Shards for a request; by default ``request["items"]`` cut into ``shard_size`` pieces."""
        items = request.get("items")
        if not isinstance(items, list) or not items:
            raise ValueError("the request needs a non-empty list 'items' (or the handler its own plan())")
        return split((str(i) for i in items), self.shard_size)

    @abc.abstractmethod
    def run_shard(self, shard: ShardRun) -> None:
        """Do the shard's work, reporting each item with ``shard.done/failed/skipped``."""


_REGISTRY: dict[str, type[Handler]] = {}
H = TypeVar("H", bound=type[Handler])


def register(kind: str) -> Callable[[H], H]:
    """Class decorator: ``@register("camera.import") class CameraImport(Handler): ...``."""
    if not isinstance(kind, str) or not kind or len(kind) > KIND_MAX:
        raise ValueError(f"a job kind is a non-empty string of at most {KIND_MAX} characters")

    def decorate(cls: H) -> H:
        if not (isinstance(cls, type) and issubclass(cls, Handler)):
            raise TypeError(f"{cls!r} is not a clipcrowd.jobs.Handler subclass")
        known = _REGISTRY.get(kind)
        if known is not None and handler_path(known) != handler_path(cls):
            raise ValueError(f"job kind {kind!r} is already registered by {handler_path(known)}")
        cls.kind = kind
        _REGISTRY[kind] = cls
        return cls

    return decorate


def handler_path(cls: type[Handler]) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def kinds() -> dict[str, type[Handler]]:
    """The kinds registered in this process so far."""
    return dict(_REGISTRY)


def resolve(kind: str, path: str | None = None) -> type[Handler]:
    """The handler of ``kind``: registered here, or registered by importing the module in ``path``."""
    cls = _REGISTRY.get(kind)
    if cls is None and path:
        module = path.split(":", 1)[0]
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise UnknownKind(f"job kind {kind!r}: cannot import {module}: {exc}") from None
        cls = _REGISTRY.get(kind)
    if cls is None:
        raise UnknownKind(f"no handler is registered for job kind {kind!r}")
    return cls

