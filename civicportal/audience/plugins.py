"""What "who takes part" plugs into the platform."""

from __future__ import annotations

from urllib.parse import urlencode


def register() -> None:
    """Called once from ``AudienceConfig.ready()``."""
    from allauth.account.signals import user_signed_up
    from django.apps import apps
    from django.db.models.signals import post_migrate
    from django.utils.translation import gettext_lazy as _

    from civicportal.accounts.adapters import after_signup_register
    from civicportal.audience import rules  # noqa: F401  (the app's permissions)
    from civicportal.audience import services as audience_services
    from civicportal.core import staff_screens
    from civicportal.kernel import personal_data

    staff_screens.register(
        app_label="audience",
        key="audience.dashboard",
        label=_("Who takes part"),
        description=_(
            "Visits and participations per source link, and participants per age band and "
            "district against the population."
        ),
        url_name="audience:dashboard",
        permission="audience.view_dashboard",
        models=("audience.populationfigure", "audience.profilequestion"),
        order=10,
    )
    personal_data.register(
        "audience",
        export=audience_services.audience_personal_data_export,
        erase=audience_services.audience_personal_data_erase,
    )
    user_signed_up.connect(signup_recorded, dispatch_uid="audience-signup-recorded")
    # The built-in questions exist after every migrate (and after a test's flush).
    post_migrate.connect(
        audience_services.builtin_questions_ensure,
        sender=apps.get_app_config("audience"),
        dispatch_uid="audience.builtin_questions_ensure",
    )
    after_signup_register(profile_questions_step)
    from civicportal.audience import demo  # noqa: F401  (registers the demo seeder)


def signup_recorded(sender, request, user, **kwargs) -> None:
    """A new account is a participation of its own (through the sign-up form's source)."""
    from civicportal.audience.selectors import SIGNUP_ACTION, SIGNUP_MODULE
    from civicportal.audience.services import participation_record

    participation_record(user=user, module=SIGNUP_MODULE, action=SIGNUP_ACTION)


def profile_questions_step(request, user, destination: str) -> str | None:
    """After sign-up, the voluntary questions once, then on to ``destination``."""
    from django.urls import reverse

    from civicportal.audience.models import ProfileQuestion
    from civicportal.audience.services import questions_asked

    if questions_asked(user=user) or not ProfileQuestion.objects.filter(active=True).exists():
        return None
    return f"{reverse('audience:profile-questions')}?{urlencode({'next': destination})}"
