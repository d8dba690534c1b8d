from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KernelConfig(AppConfig):
    name = "civicportal.kernel"
    label = "kernel"
    verbose_name = _("Platform")

    def ready(self) -> None:
        # Importing them registers the platform's own kinds of background job: the workers'
        # check (services.jobs) and a resident's download of their own data.
        from civicportal.kernel import (  # noqa: F401  (job kinds)
            personal_data,
            personal_data_jobs,
            selectors,
            services,
        )

        # The jobs a person started are theirs to see; when the account goes, their own
        # data downloads go with it, and staff work stays without their name.
        personal_data.register(
            "background_jobs",
            export=selectors.kernel_personal_data_export,
            erase=services.jobs_of_user_delete,
        )
