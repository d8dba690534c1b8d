"""Demo data for social reach: the council's social media editor, a post about the open
consultation that a second person (the administrator) approved and that went out on the
configured accounts (the default ``recording`` one keeps it for staff to see), and a post
about a consultation's results waiting for a second editor's approval.

Everything goes through the services, so the two-person rule holds as it does on the
screens: the editor composes and sends for approval, someone else approves. The items
come from the shareables registry, as on the compose screen (this module imports no
other). Runs once: a second seed_demo finds the posts by their items and changes nothing.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from civicportal.accounts import roles
from civicportal.core import demo, shareables
from civicportal.notifications.channels.social import network_limit, social_accounts, text_fit
from civicportal.notifications.rendering import absolute_url
from outreach.models import Post
from outreach.roles import SOCIAL_EDITOR
from outreach.services import posts as services

demo.register_staff(SOCIAL_EDITOR, local_part="social", display_name="Tom Achterberg")

# The kinds of item the posts are about, as the modules register them (shareables.py).
OPENING_KIND = "consultations.opening"
RESULTS_KIND = "consultations.results"

OPENING_TEXT = "Have your say: “{title}” is open. Tell us what you think before it closes."
RESULTS_TEXT = "You told us what you think of “{title}”. Here is what we heard and what changes."


def _item(kind: str) -> shareables.SourceItem | None:
    """The newest public item of ``kind``, or None when no module offers one."""
    try:
        source = shareables.source_get(kind)
    except ValidationError:  # the module is not installed: nothing to post about
        return None
    items = source.recent(1)
    return items[0] if items else None


def _texts(item: shareables.SourceItem, words: str) -> dict[str, str]:
    """The same words on every configured account, with the item's link, cut to fit."""
    text = words.format(title=item.title)
    link = absolute_url(item.url)
    return {
        account: text_fit(text, link, limit=network_limit(account)) for account in social_accounts()
    }


def _compose(editor, item: shareables.SourceItem, words: str) -> Post:
    post = services.post_create(
        actor=editor,
        source_kind=item.kind,
        source_id=item.pk,
        texts=_texts(item, words),
        card_title=item.title,
        card_description=item.description,
    )
    return services.post_submit(actor=editor, post=post)


@demo.register("outreach-posts", order=600)
def seed_posts(ctx: demo.DemoContext) -> None:
    editor = ctx.staff.get(SOCIAL_EDITOR)
    # The second person: an administrator may approve any post (the two-person rule only
    # asks that it is not its author).
    approver = ctx.staff.get(roles.ADMINISTRATOR)
    if editor is None or approver is None or not social_accounts():
        ctx.say("Social posts: skipped (no social media editor, administrator or account).")
        return
    made = []
    opening = _item(OPENING_KIND)
    if (
        opening is not None
        and not Post.objects.filter(source_kind=opening.kind, source_id=opening.pk).exists()
    ):
        post = _compose(editor, opening, OPENING_TEXT)
        post = services.post_approve(actor=approver, post=post, version=services.post_version(post))
        # Published now rather than by the task enqueued on commit (which then finds it
        # published and does nothing): the post is out when seed_demo returns.
        services.post_publish(post_id=post.pk)
        made.append(f"“{post.card_title}” published")
    results = _item(RESULTS_KIND)
    if (
        results is not None
        and not Post.objects.filter(source_kind=results.kind, source_id=results.pk).exists()
    ):
        post = _compose(editor, results, RESULTS_TEXT)
        made.append(f"“{post.card_title}” awaiting approval by someone other than its author")
    if made:
        ctx.say(f"Social posts by {editor.email}: " + "; ".join(made) + ".")
