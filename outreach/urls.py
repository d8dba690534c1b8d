from django.urls import path

from outreach.views import embed, posts

app_name = "outreach"

urlpatterns: list = []

# --- The staff's social posts (/staff/social/: the second factor is enforced there) --------
urlpatterns += [
    path("staff/social/", posts.PostListView.as_view(), name="post-list"),
    path("staff/social/compose/", posts.PostSourcesView.as_view(), name="post-sources"),
    path(
        "staff/social/compose/<str:kind>/<int:pk>/",
        posts.PostComposeView.as_view(),
        name="post-compose",
    ),
    path("staff/social/<int:pk>/", posts.PostDetailView.as_view(), name="post-detail"),
    path("staff/social/<int:pk>/edit/", posts.PostEditView.as_view(), name="post-edit"),
    path("staff/social/<int:pk>/submit/", posts.PostSubmitView.as_view(), name="post-submit"),
    path("staff/social/<int:pk>/approve/", posts.PostApproveView.as_view(), name="post-approve"),
    path("staff/social/<int:pk>/reject/", posts.PostRejectView.as_view(), name="post-reject"),
    path("staff/social/<int:pk>/cancel/", posts.PostCancelView.as_view(), name="post-cancel"),
]

urlpatterns += [
    # --- The widget for the council's website (outreach/views/embed.py) ---------------------
    path("embed/<slug:widget>/", embed.EmbedWidgetView.as_view(), name="embed-widget"),
    path("staff/social/embed/", embed.EmbedHelpView.as_view(), name="embed-help"),
]
