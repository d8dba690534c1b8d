"""Pages of the kernel (namespace ``kernel``), included at the site's root: the background
jobs. Staff pages live under /staff/, where the second factor is enforced."""

from django.urls import path

from civicportal.kernel import views

app_name = "kernel"

urlpatterns = [
    path("staff/jobs/", views.JobListView.as_view(), name="job-list"),
    path("staff/jobs/check/", views.JobCheckStartView.as_view(), name="job-check"),
    path("staff/jobs/<int:pk>/", views.JobDetailView.as_view(), name="job-detail"),
    path("staff/jobs/<int:pk>/cancel/", views.JobCancelView.as_view(), name="job-cancel"),
    path("staff/jobs/<int:pk>/download/", views.JobDownloadView.as_view(), name="job-download"),
]
