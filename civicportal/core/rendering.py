"""Residents' Markdown as safe HTML (markdown-it-py: CommonMark, raw HTML off; then nh3),
and as plain text for excerpts, page descriptions and share texts.

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


# Inline tokens whose content is what a reader sees of the text.
_TEXT_TOKENS = frozenset({"text", "code_inline"})
_BREAK_TOKENS = frozenset({"softbreak", "hardbreak"})


def markdown_text(text: str, *, reads: int | None = None) -> str:
    """The words of Markdown ``text`` without its markup, on one line.

    With ``reads``, only about that many leading characters are parsed (whole paragraphs
    where they fit), so an excerpt of a long text costs as little as one of a short text.
    """
    text = text or ""
    if reads is not None and len(text) > reads:
        paragraphs_end = text.rfind("\n\n", 0, reads)
        text = text[:paragraphs_end] if paragraphs_end > 0 else text[:reads]
    words = []
    for token in _parser().parse(text):
        if token.type == "inline":
            for child in token.children or ():
                if child.type in _TEXT_TOKENS:
                    words.append(child.content)
                elif child.type in _BREAK_TOKENS:
                    words.append(" ")
        elif token.type in ("code_block", "fence"):
            words.append(token.content)
        words.append(" ")  # between blocks
    return " ".join("".join(words).split())
