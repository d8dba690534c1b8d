"""The council's Facebook Page: a feed post through the Graph API.

``POST /{version}/{page-id}/feed`` with the ``message`` and the ``link`` (Facebook draws the
link's card from the page's Open Graph tags), authorised by a Page access token. A post on
a thread is a comment (``POST /{version}/{post-id}/comments``) under the thread's first
post. No client library: Meta's Python SDK is for the Marketing API, and two calls through
the outbound guard are all this needs.

Once only: the Graph API keeps no idempotency key. So before a delivery's second or later
attempt (the first may have been posted with its answer lost, or its worker killed), the
backend reads the Page's latest posts (or the thread post's comments) and takes one with
the same message and link as this delivery's post instead of posting again.

Graph answers errors as ``{"error": {"message", "type", "code", "error_subcode",
"fbtrace_id"}}``: code 190 (the token is invalid or expired) and other refusals are
permanent; 4, 17, 32, 613 and 80001 (rate limits) are transient, the Page then paused for
the ``Retry-After`` or ``FACEBOOK_RATE_LIMIT_WAIT`` seconds; 5xx and answers marked
``is_transient`` are transient.
"""

from __future__ import annotations

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from civicportal.notifications.channels.base import TransientSendError
from civicportal.notifications.channels.http import (
    TRANSIENT_STATUSES,
    FarSide,
    excerpt,
    retry_after,
)
from civicportal.notifications.channels.social import (
    Published,
    SocialBackend,
    SocialMessage,
    SocialRefused,
)
from civicportal.notifications.channels.social_http import SocialApi, json_object

FACEBOOK = FarSide(
    name="Facebook",
    unreachable="cannot reach the Facebook Graph API",
    guard_refused="not posted to Facebook",
    refusal="Facebook refused the post",
)
PUBLIC_URL = "https://www.facebook.com"
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, 80001})
INVALID_TOKEN_CODE = 190
# Seconds the Page is paused after a rate-limit answer without a Retry-After: the Graph
# API counts calls over an hour, so there is no point in trying again at once.
FACEBOOK_RATE_LIMIT_WAIT = 60.0
# How many of the Page's latest posts (or a post's comments) the once-only check reads.
RECENT_POSTS = 25


def graph_check(response: requests.Response, what: str) -> None:
    """Return on 2xx; otherwise raise ``TransientSendError`` or ``SocialRefused`` by the
    Graph error's code (see the module docstring)."""
    status = response.status_code
    if 200 <= status < 300:
        return
    error = json_object(response).get("error")
    error = error if isinstance(error, dict) else {}
    code = error.get("code")
    reason = str(error.get("message") or excerpt(response))[:300]
    if code in RATE_LIMIT_CODES:
        raise TransientSendError(
            f"Facebook's rate limit ({code}) for {what}: {reason}",
            retry_after=retry_after(response) or FACEBOOK_RATE_LIMIT_WAIT,
        )
    if status in TRANSIENT_STATUSES or status >= 500 or error.get("is_transient") is True:
        raise TransientSendError(
            f"Facebook answered {status} to {what}: {reason}", retry_after=retry_after(response)
        )
    if code == INVALID_TOKEN_CODE:
        raise SocialRefused(
            f"Facebook refused the Page access token ({status}, code 190): {reason}; "
            "renew NOTIFICATIONS_FACEBOOK_PAGE_TOKEN"
        )
    raise SocialRefused(f"{FACEBOOK.refusal} ({status}, code {code or '?'}): {reason}")


def _same_link(left: str, right: str) -> bool:
    return (left or "").rstrip("/") == (right or "").rstrip("/")


class FacebookSocialBackend(SocialBackend):
    """``NOTIFICATIONS_FACEBOOK_PAGE_ID`` with ``NOTIFICATIONS_FACEBOOK_PAGE_TOKEN`` (a Page
    access token with ``pages_manage_posts`` and ``pages_read_engagement``), on
    ``NOTIFICATIONS_FACEBOOK_URL`` (``https://graph.facebook.com``) at
    ``NOTIFICATIONS_FACEBOOK_API_VERSION`` (``v21.0``)."""

    name = "facebook"

    def __init__(self) -> None:
        self.page_id = str(settings.NOTIFICATIONS_FACEBOOK_PAGE_ID).strip()
        self.token = settings.NOTIFICATIONS_FACEBOOK_PAGE_TOKEN
        base_url = settings.NOTIFICATIONS_FACEBOOK_URL
        self.version = settings.NOTIFICATIONS_FACEBOOK_API_VERSION.strip("/")
        if not self.page_id or not self.token or not base_url or not self.version:
            raise ImproperlyConfigured(
                "The Facebook backend needs NOTIFICATIONS_FACEBOOK_PAGE_ID (the Page's id) and "
                "NOTIFICATIONS_FACEBOOK_PAGE_TOKEN (a Page access token with the "
                "pages_manage_posts and pages_read_engagement permissions)."
            )
        self.api = SocialApi(
            base_url=f"{base_url.rstrip('/')}/{self.version}",
            timeout=settings.NOTIFICATIONS_SOCIAL_TIMEOUT,
            far_side=FACEBOOK,
        )

    @property
    def account(self) -> str:
        return f"facebook page {self.page_id}"

    def open(self) -> None:
        self.api.open()
        self.api.session.headers["Authorization"] = f"Bearer {self.token}"

    def close(self) -> None:
        self.api.close()

    def _graph(self, method: str, path: str, what: str, **kwargs) -> dict:
        if self.api.session is None:
            self.open()
        response = self.api.request(method, path, **kwargs)
        graph_check(response, what)
        return json_object(response)

    def publish(self, message: SocialMessage) -> Published:
        root = message.root
        tried_before = message.delivery.attempts > 1
        if root is not None:
            # A thread goes on as comments under its first post.
            post_id = root.reference
            comment = (
                message.text
                if not message.url or message.url in message.text
                else (f"{message.text}\n\n{message.url}")
            )
            found = self._comment_made(post_id, comment) if tried_before else ""
            if not found:
                answer = self._graph(
                    "POST", f"/{post_id}/comments", "the comment", data={"message": comment}
                )
                found = str(answer.get("id") or "")
            return self._published(found, on=post_id)
        found = self._post_made(message) if tried_before else ""
        if not found:
            data = {"message": message.text}
            if message.url:
                data["link"] = message.url
            answer = self._graph("POST", f"/{self.page_id}/feed", "the post", data=data)
            found = str(answer.get("id") or "")
        return self._published(found)

    def _published(self, graph_id: str, *, on: str = "") -> Published:
        if not graph_id:
            raise SocialRefused("Facebook took the post but answered no id")
        if on:
            comment = graph_id.rsplit("_", 1)[-1]
            return Published(reference=graph_id, post_url=f"{PUBLIC_URL}/{on}?comment_id={comment}")
        return Published(reference=graph_id, post_url=f"{PUBLIC_URL}/{graph_id}")

    def _post_made(self, message: SocialMessage) -> str:
        """The id of a Page post with this message and link, if an earlier attempt made it."""
        answer = self._graph(
            "GET",
            f"/{self.page_id}/feed",
            "reading the Page's latest posts",
            params={"fields": "id,message,link", "limit": RECENT_POSTS},
        )
        for post in answer.get("data") or []:
            if (
                isinstance(post, dict)
                and post.get("message") == message.text
                and _same_link(post.get("link", ""), message.url)
            ):
                return str(post.get("id") or "")
        return ""

    def _comment_made(self, post_id: str, text: str) -> str:
        answer = self._graph(
            "GET",
            f"/{post_id}/comments",
            "reading the thread's comments",
            params={
                "fields": "id,message",
                "limit": RECENT_POSTS,
                "order": "reverse_chronological",
            },
        )
        for comment in answer.get("data") or []:
            if isinstance(comment, dict) and comment.get("message") == text:
                return str(comment.get("id") or "")
        return ""
