"""Residents' Markdown as safe HTML: markdown-it-py (CommonMark, raw HTML off), then nh3.

Two layers, so a gap in one is caught by the other: the parser never passes HTML through
and refuses ``javascript:``/``vbscript:``/``file:``/``data:`` links; nh3 then keeps only an
allowlist of tags, attributes and URL schemes, and marks every link
``rel="nofollow noopener ugc"``. Images are off (no tracking pixels in comments), and so
are headings (a comment is not a document).
"""

from __future__ import annotations

from functools import cache

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset(
    {
        "a",
        "blockquote",
        "br",
        "code",
        "del",
        "em",
        "hr",
        "li",
        "ol",
        "p",
        "pre",
        "s",
        "strong",
        "ul",
    }
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener ugc"


@cache
def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    parser.disable(["image", "heading", "lheading", "html_block", "html_inline"])
    parser.enable("strikethrough")
    return parser


def sanitise_html(html: str) -> str:
    """Keep only the allowlisted tags, attributes and URL schemes."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    )


def markdown_render(text: str) -> str:
    """The sanitised HTML of Markdown ``text``; safe to mark safe in a template."""
    return sanitise_html(_parser().render(text or "")).strip()
