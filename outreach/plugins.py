"""What social reach plugs into the platform, part by part."""


def register() -> None:
    """Called once from ``SocialConfig.ready()``."""
    _register_posts()
    _register_embed()
    from outreach import demo  # noqa: F401  (registers the demo seeder and editor)


def _register_posts() -> None:
    from django.utils.translation import gettext_lazy as _

    from civicportal.core import periodic, staff_screens
    from civicportal.kernel import personal_data
    from outreach import rules  # noqa: F401  (the posts' permissions)
    from outreach.roles import register_roles
    from outreach.services import posts as post_services

    register_roles()
    staff_screens.register(
        app_label="outreach",
        key="outreach.posts",
        label=_("Social media posts"),
        description=_(
            "Compose posts for the council's social accounts from public items, approve "
            "colleagues' posts, and see each network's status and link."
        ),
        url_name="outreach:post-list",
        permission="outreach.view_post",
        models=("outreach.post",),
        order=10,
    )
    staff_screens.register_for_object(
        model="outreach.post",
        key="outreach.post-screen",
        label=_("Open on the social posts screen"),
        url=lambda post: post.get_absolute_url(),
        permission="outreach.view_post",
    )
    personal_data.register(
        "outreach-posts",
        export=post_services.posts_personal_data_export,
        erase=post_services.posts_personal_data_erase,
    )
    # Approved posts that are due and were not published (a lost task, a broker that was
    # down); safe to run twice: publishing locks the post and runs once.
    periodic.register(
        "outreach-posts-publish-due",
        task="outreach.tasks.posts_publish_due_task",
        schedule=60.0,
        options={"expires": 55},
    )


def _register_embed() -> None:
    from outreach import embed_plugins

    embed_plugins.register()
