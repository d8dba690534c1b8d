"""An XSS payload corpus: whatever residents type, the stored HTML is inert. And the plain
text of residents' Markdown, for excerpts."""

from __future__ import annotations

import re

import pytest

from civicportal.core.rendering import LINK_REL, markdown_render, markdown_text

PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<img src="x" onerror="alert(1)">',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](javascript&#58;alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](  javascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](data:image/svg+xml,<svg onload=alert(1)>)",
    "![x](data:image/png;base64,iVBORw0KGgo=)",
    "![x](https://tracker.example/pixel.gif)",
    '[click](https://example.org "title\\" onmouseover=\\"alert(1))',
    "[click][ref]\n\n[ref]: javascript:alert(1)",
    '<https://example.org/a"onmouseover=alert(1)>',
    "<javascript:alert(1)>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<form action=javascript:alert(1)><button>x</button></form>",
    "<details open ontoggle=alert(1)>",
    "<body onload=alert(1)>",
    "<!--<script>alert(1)</script>-->",
    "`<script>alert(1)</script>`",
    "```\n<script>alert(1)</script>\n```",
    "<input autofocus onfocus=alert(1)>",
    "<object data=javascript:alert(1)>",
    "<embed src=javascript:alert(1)>",
    "<base href=javascript:alert(1)//>",
    "<meta http-equiv=refresh content=0;url=javascript:alert(1)>",
]

_TAG = re.compile(r"<\s*([a-zA-Z][a-zA-Z0-9]*)([^>]*)>")


def _tags(html: str) -> list[tuple[str, str]]:
    return [(name.lower(), attrs) for name, attrs in _TAG.findall(html)]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_renders_inert(payload):
    html = markdown_render(payload)
    allowed = {
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
    for name, attrs in _tags(html):
        assert name in allowed, html
        assert not re.search(r"\bon[a-z]+\s*=", attrs, re.IGNORECASE), html
        assert "style" not in attrs.lower(), html
        for href in re.findall(r'href="([^"]*)"', attrs):
            assert re.match(r"^(https?:|mailto:)", href), html
    assert "<script" not in html.lower()
    assert "<img" not in html.lower()
    assert "<svg" not in html.lower()


def test_links_are_marked_user_generated():
    html = markdown_render("[council](https://example.org/)")
    assert html == f'<p><a href="https://example.org/" rel="{LINK_REL}">council</a></p>'


def test_entities_stay_text():
    assert markdown_render("5 &lt; 6 &amp; 7 > 2") == "<p>5 &lt; 6 &amp; 7 &gt; 2</p>"


def test_markdown_basics_survive_sanitising():
    html = markdown_render("*a* **b** `c`\n\n> quote\n\n- one\n- two\n\n~~gone~~")
    for fragment in (
        "<em>a</em>",
        "<strong>b</strong>",
        "<code>c</code>",
        "<blockquote>",
        "<li>one</li>",
        "<s>gone</s>",
    ):
        assert fragment in html


def test_headings_and_images_are_not_rendered():
    html = markdown_render("# Loud\n\n![pixel](https://tracker.example/p.gif)")
    assert "<h1" not in html and "<img" not in html


# --- Plain text ----------------------------------------------------------------------------


def test_plain_text_keeps_the_words_and_drops_the_markup():
    text = markdown_text(
        "Plant **trees** on _Main St_, see [the plan](https://example.org) and `map.pdf`.\n"
        "Second line  \nthird.\n\n> A quote.\n\n- one\n- two\n\n~~gone~~\n\n```\ncode\n```"
    )
    assert text == (
        "Plant trees on Main St, see the plan and map.pdf. Second line third. "
        "A quote. one two gone code"
    )


def test_plain_text_of_html_stays_text():
    assert markdown_text("<b>bold</b> & <script>x</script>") == ("<b>bold</b> & <script>x</script>")


def test_plain_text_reads_only_the_leading_paragraphs_it_is_asked_for():
    first = "A first paragraph with **bold** words. " * 3
    text = markdown_text(first + "\n\n" + "Later **text**. " * 500, reads=len(first) + 10)
    assert text == " ".join(first.replace("**", "").split())
