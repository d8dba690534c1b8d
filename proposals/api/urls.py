from django.urls import path

from proposals.api import views

app_name = "proposals"

urlpatterns = [
    path("ideas/", views.IdeaListApi.as_view(), name="idea-list"),
    path("ideas/categories/", views.CategoryListApi.as_view(), name="category-list"),
    path("ideas/<int:pk>/", views.IdeaDetailApi.as_view(), name="idea-detail"),
    path("ideas/<int:pk>/vote/", views.IdeaVoteApi.as_view(), name="idea-vote"),
    path("ideas/<int:pk>/points/", views.PointCreateApi.as_view(), name="point-create"),
    path("ideas/<int:pk>/status/", views.IdeaStatusApi.as_view(), name="idea-status"),
    path("ideas/points/<int:pk>/rating/", views.PointRateApi.as_view(), name="point-rate"),
]
