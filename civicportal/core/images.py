"""Residents' pictures: checked by content (not by name), re-encoded, metadata dropped.

One place for every upload of a photo (ideas, budget projects, reports from the ground).
Re-encoding with Pillow writes only the pixels: EXIF (camera, GPS position, time), XMP,
IPTC and comments of the upload are not copied. The picture is turned upright first (the
EXIF orientation would otherwise be lost with the rest) and scaled down to ``max_side`` on
its longer side.
"""

from __future__ import annotations

import io
import secrets

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding them


def image_reencode(
    upload, *, max_bytes: int, max_side: int = 2000, field: str = "image"
) -> ContentFile:
    """A clean copy of ``upload``: JPEG, or PNG when it has transparency.

    Raises ``ValidationError`` on ``field`` for a file too large, not an image, in a format
    we do not take, or with too many pixels.
    """
    if upload.size and upload.size > max_bytes:
        raise ValidationError(
            {
                field: _(
                    "The picture is %(size)s; the largest we accept is %(limit)s. "
                    "Choose a smaller picture."
                )
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(max_bytes)}
            },
            code="too_large",
        )
    upload.seek(0)
    try:
        with Image.open(upload) as probe:
            image_format = probe.format
            width, height = probe.size
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(
            {field: _("This file is not a picture we can read. Upload a JPEG, PNG or WebP.")},
            code="not_an_image",
        ) from None
    if image_format not in ALLOWED_FORMATS:
        raise ValidationError(
            {
                field: _(
                    "Pictures in %(format)s format are not accepted. Upload a JPEG, PNG or WebP."
                )
                % {"format": image_format or "?"}
            },
            code="bad_format",
        )
    if width * height > MAX_PIXELS:
        raise ValidationError(
            {field: _("The picture has too many pixels. Choose a smaller picture.")},
            code="too_many_pixels",
        )
    upload.seek(0)
    with Image.open(upload) as original:
        original.load()
        picture = ImageOps.exif_transpose(original)
    picture.thumbnail((max_side, max_side))
    has_alpha = picture.mode in ("RGBA", "LA") or (
        picture.mode == "P" and "transparency" in picture.info
    )
    buffer = io.BytesIO()
    if has_alpha:
        picture.convert("RGBA").save(buffer, format="PNG", optimize=True)
        extension = "png"
    else:
        picture.convert("RGB").save(buffer, format="JPEG", quality=85, optimize=True)
        extension = "jpg"
    return ContentFile(buffer.getvalue(), name=f"{secrets.token_hex(12)}.{extension}")
