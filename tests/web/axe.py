"""Accessibility audits with axe-core, and screenshots at the two widths every page is checked at.

axe-core comes from the npm registry (`make axe`, pinned in the Makefile) into `tests/.node/`; it is
injected into the page under test only, never served by the app. The audit fails on any violation
whose impact is serious or critical, and names the rule, the element and axe's help text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.web.conftest import ARTIFACTS, full_page_png

AXE_JS = Path(__file__).resolve().parents[1] / ".node" / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = (1280, 375)
BLOCKING = ("serious", "critical")


def audit(page: Any, name: str = "") -> list[dict[str, Any]]:
    """Run axe on the page as it is now; fail on a serious or critical violation."""
    if not AXE_JS.exists():
        raise AssertionError(f"axe-core is missing at {AXE_JS}: run `make axe`")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not govern.
        page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;void 0")
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                           nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}));
        }""")
    blocking = [v for v in result if v["impact"] in BLOCKING]
    assert not blocking, f"axe on {name or page.url}: " + "; ".join(
        f"{v['impact']} {v['id']} ({v['help']}) at {', '.join(v['nodes'])}" for v in blocking)
    return result


def shots(page: Any, name: str, *, check: bool = True, widths: tuple[int, ...] = WIDTHS) -> None:
    """Screenshots of the page at 1280 px and 375 px (restoring the size), each audited by axe.

    At 375 px the page must not scroll sideways either. A test run once per width passes its own
    (`widths`): the same page state is then shot and audited once at each width, not twice.
    """
    ARTIFACTS.mkdir(exist_ok=True)
    before = page.viewport_size
    try:
        for width in widths:
            page.set_viewport_size({"width": width, "height": 800})
            full_page_png(page, ARTIFACTS / f"{name}-{width}.png")
            if check:
                audit(page, f"{name} at {width}px")
                if width == 375:
                    scroll = page.evaluate("() => document.documentElement.scrollWidth")
                    assert scroll <= 375, f"{name} is {scroll}px wide at a 375px viewport"
    finally:
        if before:
            page.set_viewport_size(before)
