"""axe-core (vendored under tests/e2e/vendor/axe-core) run on the page a WebDriver shows.

The script is injected by the test through WebDriver (never served by the app, so the CSP stays
as it is) and checks WCAG 2.0/2.1 A and AA rules.  :func:`serious_violations` is what the journeys
assert empty: every serious or critical rule broken, with the first offending elements named.
"""

from __future__ import annotations

from pathlib import Path

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")

_RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})
  .then(result => done(result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' — ' + ((n.any[0] || n.all[0] || {}).message || '').slice(0, 140))
  }))))
  .catch(error => done([{id: 'axe-error', impact: 'critical', help: String(error), nodes: []}]));
"""


class preloaded:
    """``with preloaded(driver):`` every page opened inside gets axe-core as it loads (one CDP call,
    instead of sending the 650 kB script through WebDriver on each page)."""

    def __init__(self, driver):
        self.driver = driver
        self.identifier = None

    def __enter__(self):
        self.driver.execute_cdp_cmd("Page.enable", {})
        self.identifier = self.driver.execute_cdp_cmd(
            "Page.addScriptToEvaluateOnNewDocument", {"source": AXE_SOURCE})["identifier"]
        return self

    def __exit__(self, *exc):
        self.driver.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": self.identifier})
        return False


def violations(driver) -> list[dict]:
    """Every WCAG A/AA violation axe finds on the current page."""
    if not driver.execute_script("return !!window.axe;"):
        driver.execute_script(AXE_SOURCE)
    return driver.execute_async_script(_RUN, list(WCAG_TAGS))


def serious_violations(driver) -> list[str]:
    """The serious and critical violations, one readable line each (empty when the page passes)."""
    return [f"{v['id']} ({v['impact']}): {v['help']}; " + " | ".join(v["nodes"])
            for v in violations(driver) if v["impact"] in ("serious", "critical")]
