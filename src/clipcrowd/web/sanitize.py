"""Requester-written text made safe for a worker's page: markdown rendered here, HTML cleaned by nh3.

Nothing a requester wrote reaches a worker's browser as HTML unless it went through
:func:`clean_html`. `view.markdown` components whose content comes from the task's inputs are
rendered per task on the server (:func:`markdown_for_tasks`), keyed by the component's path in
the config (`view.items.0`), the same path the page's renderer computes while drawing.
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Mapping
from typing import Any

import nh3
from markdown_it import MarkdownIt

_MD = MarkdownIt("commonmark", {"html": True, "linkify": False}).enable("table").enable("strikethrough")


def clean_html(html: str) -> str:
    """Only harmless tags and attributes survive (no script, style, event handlers, javascript: URLs)."""
    return nh3.clean(html, url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow")


def as_shown(value: Any) -> Any:
    """An input value as a worker's page shows it: character references (`&#128077;`, `&amp;`)
    decoded by the HTML5 rules the worker's markdown goes through, in every string of the value.
    The result is text for `textContent`, never HTML: `&lt;b&gt;` becomes the characters `<b>`."""
    if isinstance(value, str):
        return html.unescape(value) if "&" in value else value
    if isinstance(value, list):
        return [as_shown(v) for v in value]
    if isinstance(value, Mapping):
        return {k: as_shown(v) for k, v in value.items()}
    return value


def markdown(text: str) -> str:
    return clean_html(_MD.render(text))


class _Unresolved(Exception):
    """The content depends on something only the page knows (an output, a local value)."""


def _get(values: Mapping[str, Any], path: str) -> Any:
    value: Any = values
    for part in path.split("."):
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list) and part.isascii() and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def resolve_static(node: Any, inputs: Mapping[str, Any]) -> Any:
    """The value of a content expression that needs only the task's inputs."""
    if not isinstance(node, Mapping):
        return node
    kind = str(node.get("type", "")).lstrip("@")
    if kind == "data.input":
        return _get(inputs, str(node.get("path", "")))
    if kind == "helper.join":
        by = _text(resolve_static(node.get("by", ""), inputs))
        return by.join(_text(resolve_static(item, inputs)) for item in node.get("items") or [])
    raise _Unresolved(kind)


def markdown_nodes(node: Any, path: str = "") -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every `view.markdown` component of a config, with its path."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            yield from markdown_nodes(item, f"{path}.{i}")
    elif isinstance(node, Mapping):
        if node.get("type") == "view.markdown":
            yield path.lstrip("."), node
        for key, value in node.items():
            yield from markdown_nodes(value, f"{path}.{key}")


def markdown_for_tasks(config: Mapping[str, Any], inputs: list[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Per task, the sanitised HTML of each markdown component that the inputs alone decide."""
    nodes = list(markdown_nodes(config))
    static: dict[str, str] = {}
    for path, node in nodes:
        if isinstance(node.get("content"), str):
            static[path] = markdown(node["content"])
    result = []
    for values in inputs:
        rendered = dict(static)
        for path, node in nodes:
            if path in rendered:
                continue
            try:
                rendered[path] = markdown(_text(resolve_static(node.get("content"), values)))
            except _Unresolved:
                continue  # the page shows it as plain text once it can be resolved
        result.append(rendered)
    return result
