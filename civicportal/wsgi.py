"""The WSGI application gunicorn serves.

Everything a request reads and never changes (the apps, models and settings, the URLconf
with every view module it imports) is built here, then frozen out of the garbage
collector's work (``gc.freeze``): otherwise each collection of the oldest generation walks
those objects again, some 150,000 of them, pausing a request for tens of milliseconds and
costing every request a share. bench/vote_burst.py: about 10 % more requests per second and
a p99 some 15 ms lower.
"""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicportal.settings")
application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018  (loads the URLconf now, not on the first request)
gc.freeze()
