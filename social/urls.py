from django.urls import path

from social.views import embed

app_name = "social"

urlpatterns: list = [
    # --- The widget for the council's website (social/views/embed.py) ---------------------
    path("embed/<slug:widget>/", embed.EmbedWidgetView.as_view(), name="embed-widget"),
    path("staff/social/embed/", embed.EmbedHelpView.as_view(), name="embed-help"),
]
