"""``python manage.py vapid_keys``: a new VAPID key pair for web push, as env lines."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import serialization
from django.core.management.base import BaseCommand
from py_vapid import Vapid02


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def vapid_keys_generate() -> tuple[str, str]:
    """A fresh P-256 pair: (public key, private key), both base64url without padding.

    The public key is the uncompressed point browsers take as ``applicationServerKey``;
    the private key is the raw 32-byte scalar ``py_vapid.Vapid02.from_string`` reads.
    """
    vapid = Vapid02()
    vapid.generate_keys()
    public = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    private = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
    return _b64url(public), _b64url(private)


class Command(BaseCommand):
    help = (
        "Generate a VAPID key pair for web push and print it as environment variables. "
        "Keep the private key secret; changing keys invalidates every browser subscription."
    )

    def handle(self, *args, **options) -> None:
        public, private = vapid_keys_generate()
        self.stdout.write(f"NOTIFICATIONS_VAPID_PUBLIC_KEY={public}")
        self.stdout.write(f"NOTIFICATIONS_VAPID_PRIVATE_KEY={private}")
