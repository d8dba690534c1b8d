"""Writes of the kernel, by subdomain; import them from here.

- ``api_tokens``: personal API tokens: rotate, revoke, and check a key when it is used;
- ``jobs``: background jobs: start, cancel, run (the worker's side), sweep
  (the API modules use: ``civicportal.kernel.jobs``).
"""

from civicportal.kernel.services.api_tokens import (
    ApiTokenRefused,
    api_token_authenticate,
    api_token_get,
    api_token_revoke,
    api_token_rotate,
)
from civicportal.kernel.services.jobs import (
    job_cancel,
    job_run,
    job_start,
    job_sweep,
    jobs_of_user_delete,
)

__all__ = [
    "ApiTokenRefused",
    "api_token_authenticate",
    "api_token_get",
    "api_token_revoke",
    "api_token_rotate",
    "job_cancel",
    "job_run",
    "job_start",
    "job_sweep",
    "jobs_of_user_delete",
]
