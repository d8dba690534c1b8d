"""The portal's settings plus the social networks' settings read from the environment, for
worker processes that tests start against the fake networks (tests/fakes/social_networks.py).

civicportal/settings.py does not read the Bluesky and Facebook settings yet (the backends
read them with ``getattr`` and a default); until it does, a worker gets them through
``DJANGO_SETTINGS_MODULE=tests.fakes.social_settings``.
"""

from civicportal.settings import *  # noqa: F403
from civicportal.settings import env_str

NOTIFICATIONS_BLUESKY_URL = env_str("NOTIFICATIONS_BLUESKY_URL", "https://bsky.social")
NOTIFICATIONS_BLUESKY_HANDLE = env_str("NOTIFICATIONS_BLUESKY_HANDLE")
NOTIFICATIONS_BLUESKY_APP_PASSWORD = env_str("NOTIFICATIONS_BLUESKY_APP_PASSWORD")
NOTIFICATIONS_FACEBOOK_URL = env_str("NOTIFICATIONS_FACEBOOK_URL", "https://graph.facebook.com")
NOTIFICATIONS_FACEBOOK_API_VERSION = env_str("NOTIFICATIONS_FACEBOOK_API_VERSION", "v21.0")
NOTIFICATIONS_FACEBOOK_PAGE_ID = env_str("NOTIFICATIONS_FACEBOOK_PAGE_ID")
NOTIFICATIONS_FACEBOOK_PAGE_TOKEN = env_str("NOTIFICATIONS_FACEBOOK_PAGE_TOKEN")
NOTIFICATIONS_SOCIAL_RATES = env_str(
    "NOTIFICATIONS_SOCIAL_RATES", "mastodon=1,bluesky=1,facebook=1"
)
