from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "civicportal.accounts"
    label = "accounts"
    verbose_name = _("Accounts and areas")

    def ready(self) -> None:
        from django.apps import apps
        from django.db.models.signals import post_migrate

        from civicportal.accounts import jobs, personal_data  # noqa: F401  (registers its job and part)
        from civicportal.accounts.roles import ensure_role_groups
        from civicportal.accounts.sites import site_sync

        # After the sites app creates "example.com": the portal's own name and address.
        post_migrate.connect(
            site_sync, sender=apps.get_app_config("sites"), dispatch_uid="accounts.site_sync"
        )
        # A group for every role the platform and the modules registered (a new module's
        # roles exist after its first migrate).
        post_migrate.connect(
            ensure_role_groups,
            sender=apps.get_app_config("auth"),
            dispatch_uid="accounts.ensure_role_groups",
        )
