from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "civicportal.accounts"
    label = "accounts"
    verbose_name = _("Accounts and areas")

    def ready(self) -> None:
        from civicportal.accounts import jobs, personal_data  # noqa: F401  (registers its job and part)
