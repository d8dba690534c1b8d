"""Template tags of the participation pieces: comment threads, follow button, sharing.

``{% load participation %}`` then, in the includes:

- ``{% comment_thread object as thread %}``: the thread of ``object`` and what the viewer
  may do with each comment (used by ``core/_comments.html``);
- ``{% follow_state object as follow %}``: whether the viewer follows it, and the count;
- ``{% share_data object title=... text=... as share %}``: the canonical URL and share links,
  and ``share.card`` (the Open Graph picture, drawn only when a page asks for it);
- ``{% page_block_text "title" as title %}``: a block of the page as plain text (base.html's
  Open Graph tags use the title and description on pages that do not fill ``opengraph``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from html import unescape
from urllib.parse import quote, urlencode, urljoin

from django import template
from django.conf import settings
from django.db import models
from django.template.loader_tags import BLOCK_CONTEXT_KEY, BlockNode
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from civicportal.core import selectors, share_cards, targets
from civicportal.core.forms import CommentForm, ReplyForm

register = template.Library()


@register.filter
def participation_key(obj: models.Model) -> str:
    return targets.model_key(obj)


@dataclass
class Thread:
    object: models.Model
    comments: list
    count: int
    dom_id: str
    create_url: str
    next: str
    can_comment: bool
    comment_form: CommentForm
    reply_form: ReplyForm | None = None
    reply_to: int | None = None
    edit_form: CommentForm | None = None
    edit_id: int | None = None
    posted_id: int | None = None
    edit_minutes: int = field(default_factory=lambda: settings.CORE_COMMENT_EDIT_MINUTES)


def _page(request, obj: models.Model) -> str:
    """The page the resident is on (for htmx, the page that sent the request)."""
    if hasattr(obj, "get_absolute_url"):
        return obj.get_absolute_url()
    if request is None:
        return ""
    htmx = getattr(request, "htmx", None)
    return (htmx.current_url_abs_path or "") if htmx else request.get_full_path()


def _annotate(comment, *, viewer, edit_until) -> None:
    signed_in = bool(viewer and viewer.is_authenticated)
    live = not comment.is_deleted and comment.is_visible
    own = signed_in and comment.author_id == viewer.pk
    comment.can_edit = own and live and comment.created_at >= edit_until
    comment.can_delete = signed_in and live and viewer.has_perm("core.delete_comment", comment)
    comment.can_flag = signed_in and live and not own


@register.simple_tag(takes_context=True)
def comment_thread(context, obj: models.Model) -> Thread:
    request = context.get("request")
    viewer = getattr(request, "user", None)
    key = targets.model_key(obj)
    comments = selectors.comment_thread(target=obj)
    page = context.get("thread_next") or _page(request, obj)
    edit_until = timezone.now() - timedelta(minutes=settings.CORE_COMMENT_EDIT_MINUTES)
    count = 0
    dom_id = f"comments-{key.replace('.', '-')}-{obj.pk}"
    reply_to, reply_form = context.get("reply_to"), context.get("reply_form")
    for comment in comments:
        _annotate(comment, viewer=viewer, edit_until=edit_until)
        # Each reply form has its own ids: several sit on the page with the main form.
        if reply_to == comment.pk and reply_form is not None:
            comment.reply_form = reply_form
        else:
            comment.reply_form = ReplyForm(initial={"next": page}, auto_id=f"reply_{comment.pk}_%s")
        count += (not comment.is_deleted and comment.is_visible) + len(comment.thread_replies)
        for reply in comment.thread_replies:
            _annotate(reply, viewer=viewer, edit_until=edit_until)
    return Thread(
        object=obj,
        comments=comments,
        count=count,
        dom_id=dom_id,
        create_url=reverse("core:comment-create", args=[key, obj.pk]),
        next=page,
        can_comment=bool(viewer and viewer.has_perm("core.add_comment")),
        # Ids of its own: a page may show several threads (a draft, one per paragraph).
        comment_form=context.get("comment_form")
        or CommentForm(initial={"next": page}, auto_id=f"{dom_id}-%s"),
        reply_form=reply_form,
        reply_to=reply_to,
        edit_form=context.get("edit_form"),
        edit_id=context.get("edit_id"),
        posted_id=context.get("posted_id"),
    )


@register.simple_tag(takes_context=True)
def follow_state(context, obj: models.Model) -> dict:
    request = context.get("request")
    viewer = getattr(request, "user", None)
    key = targets.model_key(obj)
    return {
        "following": selectors.is_following(user=viewer, item=obj),
        "count": selectors.follower_count(item=obj),
        "url": reverse("core:follow", args=[key, obj.pk]),
        "dom_id": f"follow-{key.replace('.', '-')}-{obj.pk}",
        "next": _page(request, obj),
    }


@register.simple_tag(takes_context=True)
def share_data(context, obj: models.Model | None = None, title: str = "", text: str = "") -> dict:
    """The item's absolute URL, its title and text, and a share link per network.

    Plain links: no SDKs, no trackers. Mastodon goes through our own page, which asks the
    resident for their server (``core:share-mastodon``).
    """
    request = context.get("request")
    path = ""
    if obj is not None and hasattr(obj, "get_absolute_url"):
        path = obj.get_absolute_url()
    elif request is not None:
        path = request.path
    url = urljoin(settings.SITE_URL + "/", path)
    title = str(title or (obj if obj is not None else settings.SITE_NAME))
    text = " ".join(str(text or "").split())
    message = f"{title} {url}"
    email_body = "\n\n".join(filter(None, [text, url]))
    return {
        "url": url,
        "title": title,
        "text": text,
        "email": f"mailto:?subject={quote(title)}&body={quote(email_body)}",
        "mastodon": f"{reverse('core:share-mastodon')}?{urlencode({'url': url, 'text': title})}",
        "facebook": f"https://www.facebook.com/sharer/sharer.php?{urlencode({'u': url})}",
        "x": f"https://x.com/intent/post?{urlencode({'text': title, 'url': url})}",
        "whatsapp": f"https://wa.me/?{urlencode({'text': message})}",
        "card": ShareCard(obj, title),
    }


class ShareCard:
    """The Open Graph picture of an item (``obj`` with a page of its own) or of a page
    (its ``title``): absolute address and text alternative, worked out on first use."""

    def __init__(self, obj: models.Model | None, title: str) -> None:
        self.item = obj if obj is not None and hasattr(obj, "get_absolute_url") else None
        self.title = title

    @cached_property
    def _card(self) -> share_cards.Card:
        if self.item is not None:
            return share_cards.card_for_item(self.item)
        return share_cards.card_for_page(self.title)

    @cached_property
    def url(self) -> str:
        if self.item is not None:
            return share_cards.absolute(share_cards.item_card_path(self.item))
        return share_cards.absolute(share_cards.page_card_path(self._card.title))

    @property
    def alt(self) -> str:
        return self._card.alt

    width = share_cards.WIDTH
    height = share_cards.HEIGHT


@register.simple_tag(takes_context=True)
def page_block_text(context, name: str) -> str:
    """The text of the page's ``{% block <name> %}`` (``title``, ``meta_description``), as
    the child template fills it; empty when no template defines the block.

    Rendered the way base.html's own block renders it (the block context gives the most
    specific override), then unescaped to plain text: the caller escapes it again.
    """
    if context.render_context.get(BLOCK_CONTEXT_KEY) is None:
        return ""
    rendered = BlockNode(name, template.NodeList()).render(context)
    return " ".join(unescape(strip_tags(rendered)).split())


# Pages of one person or of staff: never shared, so no card; search engines keep out.
PRIVATE_PATH_PREFIXES = ("/staff/", "/admin/", "/profile/", "/accounts/", "/api/")


@register.filter
def share_private_path(path: str) -> bool:
    return str(path or "").startswith(PRIVATE_PATH_PREFIXES)
