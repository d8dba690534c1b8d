from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.static import serve as serve_media

from civicportal.core import views as core_views

# Staff sign in through allauth, so the second factor is always asked for.
admin.site.login = login_required(RedirectView.as_view(pattern_name="admin:index"))
admin.site.site_header = settings.SITE_NAME
admin.site.site_title = settings.SITE_NAME

urlpatterns = [
    path("", core_views.HomeView.as_view(), name="home"),
    path("theme.css", core_views.theme_css, name="theme-css"),
    path("privacy/", core_views.PrivacyView.as_view(), name="privacy"),
    path("accessibility/", core_views.AccessibilityView.as_view(), name="accessibility"),
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    # Background jobs under /staff/jobs/ (staff pages, MFA enforced).
    path("", include("civicportal.kernel.urls")),
    # Comments, reports, follows, sharing; /profile/data/ and /profile/delete/.
    path("", include("civicportal.core.urls")),
    path("profile/", include("civicportal.accounts.urls")),
    # /profile/notifications/, /profile/inbox/, one-click unsubscribe, and /sw.js.
    path("", include("civicportal.notifications.urls")),
    path("ideas/", include("proposals.urls")),
    path("budget/", include("budgeting.urls")),
    # /alerts/ (pages, feeds, CAP) and /staff/alerts/ (staff screens, MFA enforced).
    path("", include("alerts.urls")),
    # /consultations/... and the staff results under /staff/consultations/...
    path("", include("consultations.urls")),
    # /events/, /stories/ and their staff screens.
    path("", include("community.urls")),
    # /staff/social/ (the council's posts) and /embed/ (the widget for the council's website).
    path("", include("outreach.urls")),
    # /profile/questions/ and the staff dashboard "Who takes part".
    path("", include("civicportal.audience.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("civicportal.api_urls")),
]

if settings.DEBUG or not settings.DATABASE_URL:
    # The embedded default has no web server in front; a deployment serves media itself.
    urlpatterns += [
        path("media/<path:path>", serve_media, {"document_root": settings.MEDIA_ROOT}),
    ]

handler403 = "civicportal.core.views.permission_denied"
handler404 = "civicportal.core.views.page_not_found"
handler500 = "civicportal.core.views.server_error"
