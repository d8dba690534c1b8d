from django.urls import path

from civicportal.core.api import views

app_name = "core"

urlpatterns = [
    path(
        "items/<str:target>/<int:object_id>/comments/",
        views.CommentListApi.as_view(),
        name="comment-list",
    ),
    path(
        "items/<str:target>/<int:object_id>/reports/",
        views.FlagCreateApi.as_view(),
        name="flag-create",
    ),
]
