"""Steps the browser journeys share."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.accounts.factories import DEFAULT_PASSWORD, TOTP_SECRET, fresh_totp_code

_SIGN_IN_PAGES = re.compile(r"/accounts/(login|2fa)/")
# A browser takes longer than a test client to carry a code to the portal.
_CODE_MARGIN_SECONDS = 5


def _fresh_totp_code() -> str:
    """The authenticator app's code, from a period with time left to type it in."""
    return fresh_totp_code(TOTP_SECRET, margin_seconds=_CODE_MARGIN_SECONDS)


def sign_in(
    page: Page,
    site: str,
    email: str,
    *,
    staff: bool = False,
    at_second_factor: Callable[[Page], None] | None = None,
) -> None:
    """Sign in with the factories' password (and, for staff, a code of their authenticator
    app), and wait until the portal has let the browser in.

    ``at_second_factor(page)`` is called on the page that asks staff for their code, before
    it is typed (a journey that checks that page itself).

    Waiting matters: a journey that goes to its next page while the last form is still
    being sent cancels the sign-in, and then finds the sign-in page where it expected its own.
    """
    page.goto(f"{site}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    if staff:
        if at_second_factor is not None:
            page.wait_for_url(re.compile(r"/accounts/2fa/"))
            at_second_factor(page)
        page.get_by_label(re.compile("code", re.I)).first.fill(_fresh_totp_code())
        page.get_by_role("button", name=re.compile("Sign In|Authenticate", re.I)).click()
    expect(page).not_to_have_url(_SIGN_IN_PAGES)
