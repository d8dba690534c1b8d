"""The kernel's models, by subdomain; import them from here.

- ``jobs``: background jobs (long staff work run by a worker) and their private files;
- ``tokens``: personal API tokens (stored as digests, expiring).
"""

from civicportal.kernel.models.jobs import Job, PrivateStorage, private_storage
from civicportal.kernel.models.tokens import ApiToken

__all__ = [
    "ApiToken",
    "Job",
    "PrivateStorage",
    "private_storage",
]
