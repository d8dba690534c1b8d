"""Pages of the participation pieces (namespace ``core``), included at the site's root."""

from django.urls import path

from civicportal.core.views import (
    comments,
    follows,
    maps,
    moderation,
    personal_data,
    share,
)

app_name = "core"

urlpatterns = [
    path(
        "participate/<str:target>/<int:object_id>/comments/",
        comments.CommentCreateView.as_view(),
        name="comment-create",
    ),
    path(
        "participate/comments/<int:pk>/reply/",
        comments.CommentReplyView.as_view(),
        name="comment-reply",
    ),
    path(
        "participate/comments/<int:pk>/edit/",
        comments.CommentEditView.as_view(),
        name="comment-edit",
    ),
    path(
        "participate/comments/<int:pk>/delete/",
        comments.CommentDeleteView.as_view(),
        name="comment-delete",
    ),
    path(
        "participate/<str:target>/<int:object_id>/report/",
        moderation.FlagCreateView.as_view(),
        name="flag-create",
    ),
    path(
        "participate/<str:target>/<int:object_id>/follow/",
        follows.FollowView.as_view(),
        name="follow",
    ),
    path("share/mastodon/", share.MastodonShareView.as_view(), name="share-mastodon"),
    # Open Graph pictures (civicportal/core/share_cards.py): a page's title, or an item's.
    path(
        "share/card/page/<str:language>/<str:digest>.png",
        share.PageCardView.as_view(),
        name="share-card-page",
    ),
    path(
        "share/card/<str:key>/<int:pk>/<str:language>/<str:digest>.png",
        share.ShareCardView.as_view(),
        name="share-card",
    ),
    # What every map asks for: the areas drawn as its base, and the address search.
    path("maps/areas.geojson", maps.MapAreasView.as_view(), name="map-areas"),
    path("maps/geocode/", maps.MapGeocodeView.as_view(), name="map-geocode"),
    path(
        "profile/data/",
        personal_data.PersonalDataExportView.as_view(),
        name="personal-data-export",
    ),
    path("profile/delete/", personal_data.AccountDeleteView.as_view(), name="account-delete"),
]
