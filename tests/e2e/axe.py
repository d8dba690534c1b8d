"""axe-core accessibility checks for the browser journeys.

axe-core comes from npm (``static/package.json``) and is read from ``static/node_modules``,
never from a CDN. Use it on any page a journey has open::

    from tests.e2e.axe import assert_no_axe_violations

    page.goto(f"{site}/budget/")
    assert_no_axe_violations(page)

It fails on violations of impact "critical" or "serious" and lists each one with its rule,
its help text and the elements concerned, so a failure says what to fix and where.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

AXE_SCRIPT = (
    Path(__file__).resolve().parents[2] / "static" / "node_modules" / "axe-core" / "axe.min.js"
)
BLOCKING_IMPACTS = ("critical", "serious")
# axe-core's default rule set: WCAG 2.x A and AA and axe's best practices, whose serious
# findings (a scrolling region out of the keyboard's reach, for one) stop residents as
# surely as a WCAG failure. Only violations are asked for: passes make the answer large.
RUN_OPTIONS = {"resultTypes": ["violations"]}
# Shown per violation in a failure message; the rest are counted.
NODES_SHOWN = 5


def _inject(page: Page) -> None:
    if page.evaluate("typeof window.axe !== 'undefined'"):
        return
    if not AXE_SCRIPT.exists():
        raise AssertionError(
            f"axe-core is missing at {AXE_SCRIPT}: run `npm ci` in static/ (make assets)."
        )
    try:
        page.add_script_tag(path=str(AXE_SCRIPT))
    except PlaywrightError:
        # The portal's Content-Security-Policy refuses scripts that are not its own files
        # (Playwright adds the file as an inline script); the test evaluates it instead, as
        # the browser's developer tools would, leaving the policy in force for the page.
        page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8") + "\n;undefined")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        raise AssertionError("axe-core could not be loaded into the page")


def axe_violations(
    page: Page,
    *,
    impacts: tuple[str, ...] = BLOCKING_IMPACTS,
    include: str | None = None,
    disable_rules: tuple[str, ...] = (),
) -> list[dict]:
    """axe-core's violations on the page as it is now, of the given impacts.

    ``include`` limits the check to one part of the page (a CSS selector);
    ``disable_rules`` switches rules off by id, for a check that does not apply to a page
    (say why beside the call).
    """
    _inject(page)
    options = dict(RUN_OPTIONS)
    if disable_rules:
        options["rules"] = {rule: {"enabled": False} for rule in disable_rules}
    result = page.evaluate(
        """async ([include, options]) => {
            const context = include ? {include: [include]} : document;
            return await window.axe.run(context, options);
        }""",
        [include, options],
    )
    return [v for v in result["violations"] if v.get("impact") in impacts]


def describe_violations(violations: list[dict]) -> str:
    """A readable list: rule, impact, help, link, and the elements with axe's summary."""
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']}"
            f"\n  {violation['helpUrl']}"
        )
        nodes = violation.get("nodes", [])
        for node in nodes[:NODES_SHOWN]:
            target = " ".join(str(part) for part in node.get("target", []))
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"    at {target}: {summary[:300]}")
        if len(nodes) > NODES_SHOWN:
            lines.append(f"    … and {len(nodes) - NODES_SHOWN} more elements")
    return "\n".join(lines)


def assert_no_axe_violations(
    page: Page,
    *,
    impacts: tuple[str, ...] = BLOCKING_IMPACTS,
    include: str | None = None,
    disable_rules: tuple[str, ...] = (),
) -> None:
    """Fail with a readable list when axe-core finds critical or serious problems."""
    violations = axe_violations(page, impacts=impacts, include=include, disable_rules=disable_rules)
    if violations:
        width = page.viewport_size["width"] if page.viewport_size else "?"
        raise AssertionError(
            f"axe-core found {len(violations)} {'/'.join(impacts)} problem(s) on {page.url} "
            f"at {width} px:\n{describe_violations(violations)}"
        )
