"""The two networks' public read APIs a campaign's hashtag is pulled from.

- Mastodon: the public hashtag timeline ``GET /api/v1/timelines/tag/{tag}`` (pages with
  ``max_id``), and ``GET /api/v1/statuses/{id}`` to tell whether a post still exists
  (404 or 410: gone). No token is needed; a bearer token is sent when set (servers in
  "authorized fetch" or limited mode ask for one).
- Bluesky: ``app.bsky.feed.searchPosts`` (``q=#tag``, ``sort=latest``, ``cursor`` pages) on
  an AppView (the public one serves it without auth; some deployments want a bearer token),
  and ``app.bsky.feed.getPosts`` (up to 25 URIs a call) to tell whether posts still exist
  (absent from the answer: gone).

Every request goes through the SSRF guard (``civicportal.kernel.outbound``), narrowed to the
configured host, with a timeout. A network that does not answer as expected raises
``SourceUnavailable``; a single malformed item is skipped, never the whole page. What is
read from a post is only what ``FetchedPost`` holds: nothing else about its author.
"""

from __future__ import annotations

import html
import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlsplit

import nh3
import requests
from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from civicportal.kernel.outbound import outbound_session
from community.models.hashtag_posts import HASHTAG_POST_TEXT_MAX_LENGTH, HashtagNetwork

logger = logging.getLogger(__name__)

MASTODON_PAGE_SIZE = 40
HANDLE_MAX_LENGTH = 300
BLUESKY_PAGE_SIZE = 50
BLUESKY_GET_POSTS_MAX = 25
BLUESKY_PUBLIC_APPVIEW = "https://public.api.bsky.app"

# Mastodon status ids are digits (snowflakes); other servers' ids are alphanumeric. Nothing
# else may reach the path of GET /api/v1/statuses/{id}.
_MASTODON_ID = re.compile(r"^[0-9A-Za-z]{1,64}\Z")
_BLUESKY_URI = re.compile(
    r"^at://(?P<did>did:[a-z]{1,10}:[A-Za-z0-9._:%-]{1,150})/app\.bsky\.feed\.post/"
    r"(?P<rkey>[A-Za-z0-9._:~-]{1,100})\Z"
)
_BLUESKY_HANDLE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?\Z")
_BLUESKY_TAG_FACET = "app.bsky.richtext.facet#tag"
_BREAKS = re.compile(r"<br\s*/?>", re.IGNORECASE)
_PARAGRAPH_ENDS = re.compile(r"</p\s*>", re.IGNORECASE)
_BLANK_LINES = re.compile(r"\n{3,}")


class SourceUnavailable(Exception):
    """The network did not answer as its API says (down, refused, not JSON): skip it this
    run; the next run tries again."""


@dataclass(frozen=True)
class FetchedPost:
    network: str
    source_id: str
    source_url: str
    author_handle: str
    author_name: str
    text: str
    language: str
    posted_at: datetime


@dataclass
class Pull:
    """What one pull of a hashtag saw: the posts to keep, and every id the network listed
    (kept or skipped), so posts it still lists are not checked for deletion."""

    posts: list[FetchedPost]
    seen_ids: set[str]


def plain_text(value: str, *, max_length: int = HASHTAG_POST_TEXT_MAX_LENGTH) -> str:
    """Text without markup or control characters: paragraphs and line breaks kept as new
    lines, every tag dropped (nh3, an HTML5 parser: no regex guesses what is a tag), entities
    decoded. The result is stored and shown escaped, never as HTML."""
    value = _PARAGRAPH_ENDS.sub("\n\n", _BREAKS.sub("\n", value or ""))
    value = html.unescape(nh3.clean(value, tags=set(), clean_content_tags={"script", "style"}))
    value = "".join(
        character
        for character in value
        if character == "\n" or unicodedata.category(character) not in ("Cc", "Cf", "Cs", "Co")
    )
    lines = [" ".join(line.split()) for line in value.split("\n")]
    value = _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
    return value if len(value) <= max_length else value[: max_length - 1].rstrip() + "…"


def _short(value, max_length: int) -> str:
    return plain_text(value if isinstance(value, str) else "", max_length=max_length)


def _http_url(value) -> str:
    if not isinstance(value, str) or len(value) > 500:
        return ""
    parts = urlsplit(value)
    return value if parts.scheme in ("http", "https") and parts.netloc else ""


def _when(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        return None
    if parsed is None:
        return None
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, timezone.utc)


def _timeout() -> float:
    return float(settings.COMMUNITY_HASHTAG_TIMEOUT)


class _Source:
    network: str

    def __init__(self, *, base_url: str, token: str = "") -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        host = urlsplit(self.base_url).hostname or ""
        # Narrowed to the one configured host: a crafted answer cannot send us elsewhere.
        self.session = outbound_session(allowed_hosts=[host])
        self.session.headers["Accept"] = "application/json"
        self.session.headers["User-Agent"] = f"CivicPortal ({settings.SITE_URL})"
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def _get(self, path: str, params=None) -> requests.Response:
        try:
            return self.session.get(f"{self.base_url}{path}", params=params, timeout=_timeout())
        except requests.RequestException as exc:
            raise SourceUnavailable(f"{self.network}: {exc}") from exc

    def _json(self, path: str, params=None):
        response = self._get(path, params)
        if response.status_code != 200:
            raise SourceUnavailable(f"{self.network}: {path} answered {response.status_code}")
        try:
            return response.json()
        except ValueError as exc:
            raise SourceUnavailable(f"{self.network}: {path} did not answer JSON") from exc

    def close(self) -> None:
        self.session.close()


class MastodonSource(_Source):
    network = HashtagNetwork.MASTODON

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or ""

    def pull(self, *, hashtag: str, since: datetime, max_pages: int) -> Pull:
        """Public posts tagged ``hashtag`` (with its "#"), newest first, back to ``since`` or
        ``max_pages`` pages of 40. Boosts, posts not public and posts behind a content
        warning are skipped (an author who hides a post behind a warning did not mean it
        for a council's page)."""
        tag = quote(hashtag.lstrip("#"), safe="")
        pull = Pull(posts=[], seen_ids=set())
        max_id = ""
        for _page in range(max_pages):
            params = {"limit": MASTODON_PAGE_SIZE}
            if max_id:
                params["max_id"] = max_id
            statuses = self._json(f"/api/v1/timelines/tag/{tag}", params)
            if not isinstance(statuses, list):
                raise SourceUnavailable("mastodon: the hashtag timeline is not a list")
            if not statuses:
                break
            oldest = None
            for status in statuses:
                if not isinstance(status, dict):
                    continue
                status_id = str(status.get("id") or "")
                if not _MASTODON_ID.match(status_id):
                    continue
                pull.seen_ids.add(status_id)
                max_id = status_id
                posted_at = _when(status.get("created_at"))
                if posted_at is not None:
                    oldest = posted_at if oldest is None else min(oldest, posted_at)
                post = self._post(status, status_id, posted_at)
                if post is not None:
                    pull.posts.append(post)
            if oldest is None or oldest < since:
                break
        return pull

    def _post(self, status: dict, status_id: str, posted_at) -> FetchedPost | None:
        if status.get("reblog") or posted_at is None:
            return None
        if status.get("visibility") != "public":
            return None
        if status.get("sensitive") or status.get("spoiler_text"):
            return None
        account = status.get("account")
        if not isinstance(account, dict):
            return None
        # Not cut short: a handle cut short would name someone else; too long, it is skipped.
        acct = _short(account.get("acct"), HASHTAG_POST_TEXT_MAX_LENGTH)
        if not acct:
            return None
        if "@" not in acct:  # a local account: its handle is on this server
            acct = f"{acct}@{self.host}"
        if len(acct) >= HANDLE_MAX_LENGTH:
            return None
        link = _http_url(status.get("url")) or _http_url(status.get("uri"))
        if not link:
            return None
        language = status.get("language")
        return FetchedPost(
            network=self.network,
            source_id=status_id,
            source_url=link,
            author_handle=f"@{acct}",
            author_name=_short(account.get("display_name"), 200),
            text=_short(status.get("content"), HASHTAG_POST_TEXT_MAX_LENGTH),
            language=language[:16] if isinstance(language, str) else "",
            posted_at=posted_at,
        )

    def gone(self, source_ids: list[str]) -> set[str]:
        """Of ``source_ids``, those the server says no longer exist (404 or 410). A post it
        cannot tell about (another error) is left alone; a network error ends the check."""
        gone: set[str] = set()
        for status_id in source_ids:
            if not _MASTODON_ID.match(status_id):
                continue
            response = self._get(f"/api/v1/statuses/{status_id}")
            if response.status_code in (404, 410):
                gone.add(status_id)
            elif response.status_code != 200:
                logger.warning(
                    "mastodon: status %s answered %s; checked again next run",
                    status_id,
                    response.status_code,
                )
        return gone


class BlueskySource(_Source):
    network = HashtagNetwork.BLUESKY

    def pull(self, *, hashtag: str, since: datetime, max_pages: int) -> Pull:
        """Posts found by ``searchPosts`` for ``hashtag``, newest first, back to ``since`` or
        ``max_pages`` pages of 50. Only posts that really carry the tag (a tag facet, or
        the hashtag as a word of the text) are kept; labelled posts are skipped, among them
        authors' "!no-unauthenticated" wish not to be shown to people who are not signed
        in."""
        pull = Pull(posts=[], seen_ids=set())
        cursor = ""
        for _page in range(max_pages):
            params = {"q": hashtag, "sort": "latest", "limit": BLUESKY_PAGE_SIZE}
            if cursor:
                params["cursor"] = cursor
            data = self._json("/xrpc/app.bsky.feed.searchPosts", params)
            posts = data.get("posts") if isinstance(data, dict) else None
            if not isinstance(posts, list):
                raise SourceUnavailable("bluesky: searchPosts answered no list of posts")
            oldest = None
            for view in posts:
                uri = view.get("uri") if isinstance(view, dict) else None
                if not isinstance(uri, str) or not _BLUESKY_URI.match(uri):
                    continue
                pull.seen_ids.add(uri)
                post = self._post(view, uri, hashtag)
                if post is not None:
                    pull.posts.append(post)
                    oldest = post.posted_at if oldest is None else min(oldest, post.posted_at)
            cursor = data.get("cursor") if isinstance(data.get("cursor"), str) else ""
            if not posts or not cursor or (oldest is not None and oldest < since):
                break
        return pull

    def _post(self, view: dict, uri: str, hashtag: str) -> FetchedPost | None:
        record = view.get("record")
        author = view.get("author")
        if not isinstance(record, dict) or not isinstance(author, dict):
            return None
        if view.get("labels") or record.get("labels"):
            return None
        text = record.get("text") if isinstance(record.get("text"), str) else ""
        if not _carries_tag(record, text, hashtag):
            return None
        posted_at = _when(record.get("createdAt")) or _when(view.get("indexedAt"))
        if posted_at is None:
            return None
        match = _BLUESKY_URI.match(uri)
        handle = author.get("handle") if isinstance(author.get("handle"), str) else ""
        if not _BLUESKY_HANDLE.match(handle) or handle == "handle.invalid":
            # The link then needs the account's id: the one thing of it we keep, in the URI.
            handle = ""
        profile = handle or match["did"]
        langs = record.get("langs")
        language = langs[0] if isinstance(langs, list) and langs else ""
        return FetchedPost(
            network=self.network,
            source_id=uri,
            source_url=f"https://bsky.app/profile/{profile}/post/{match['rkey']}",
            author_handle=f"@{handle}" if handle else "",
            author_name=_short(author.get("displayName"), 200),
            text=plain_text(text),
            language=language[:16] if isinstance(language, str) else "",
            posted_at=posted_at,
        )

    def gone(self, source_ids: list[str]) -> set[str]:
        """Of ``source_ids`` (at:// URIs), those ``getPosts`` no longer returns."""
        gone: set[str] = set()
        uris = [uri for uri in source_ids if _BLUESKY_URI.match(uri)]
        for start in range(0, len(uris), BLUESKY_GET_POSTS_MAX):
            batch = uris[start : start + BLUESKY_GET_POSTS_MAX]
            data = self._json("/xrpc/app.bsky.feed.getPosts", {"uris": batch})
            posts = data.get("posts") if isinstance(data, dict) else None
            if not isinstance(posts, list):
                raise SourceUnavailable("bluesky: getPosts answered no list of posts")
            present = {view.get("uri") for view in posts if isinstance(view, dict)}
            gone.update(uri for uri in batch if uri not in present)
        return gone


def _carries_tag(record: dict, text: str, hashtag: str) -> bool:
    wanted = hashtag.lstrip("#").casefold()
    for facet in record.get("facets") or []:
        features = facet.get("features") if isinstance(facet, dict) else None
        for feature in features if isinstance(features, list) else []:
            if (
                isinstance(feature, dict)
                and feature.get("$type") == _BLUESKY_TAG_FACET
                and isinstance(feature.get("tag"), str)
                and feature["tag"].lstrip("#").casefold() == wanted
            ):
                return True
    pattern = re.compile(rf"(?<!\w)#{re.escape(wanted)}(?!\w)", re.IGNORECASE)
    return bool(pattern.search(text))


def configured_sources() -> list[_Source]:
    """The networks to pull from: each one whose base URL is set."""
    sources: list[_Source] = []
    mastodon_url = settings.COMMUNITY_HASHTAG_MASTODON_URL or settings.NOTIFICATIONS_MASTODON_URL
    if mastodon_url:
        sources.append(
            MastodonSource(
                base_url=mastodon_url,
                token=settings.COMMUNITY_HASHTAG_MASTODON_TOKEN,
            )
        )
    bluesky_url = settings.COMMUNITY_HASHTAG_BLUESKY_URL
    if bluesky_url:
        sources.append(
            BlueskySource(
                base_url=bluesky_url,
                token=settings.COMMUNITY_HASHTAG_BLUESKY_TOKEN,
            )
        )
    return sources
