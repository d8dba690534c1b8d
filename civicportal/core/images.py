"""Residents' pictures: checked by content (not by name), re-encoded, metadata dropped.

One place for every upload of a photo (ideas, budget projects, reports from the ground).
Re-encoding with Pillow writes only the pixels: EXIF (camera, GPS position, time), XMP,
IPTC and comments of the upload are not copied. The picture is scaled down to ``max_side``
on its longer side and turned upright (the EXIF orientation would otherwise be lost with
the rest).

Decoding costs memory by the pixel, not by the byte: a 165 KB PNG of 8000 by 5000 pixels
took a process from 83 to 614 MB. So the pixel count is read from the file's header
(``Image.open`` reads nothing more) and checked against ``settings.IMAGE_MAX_PIXELS``
before anything is decoded; the settings module says what the limit costs in memory.
Pillow's own bomb check (``Image.MAX_IMAGE_PIXELS``) is set to the same limit by
``pillow_configure()`` for the code that opens pictures without us (Django's
``forms.ImageField``).
"""

from __future__ import annotations

import io
import secrets
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}


def pillow_configure() -> None:
    """Pillow's decompression-bomb limit follows ours (it warns above it, refuses at twice)."""
    Image.MAX_IMAGE_PIXELS = settings.IMAGE_MAX_PIXELS


class _TooManyPixels(Exception):
    pass


def _too_many_pixels(field: str, width: int | None, height: int | None) -> ValidationError:
    limit = settings.IMAGE_MAX_PIXELS
    if width and height:
        message = _(
            "The picture is %(width)s by %(height)s pixels (%(megapixels)s megapixels); the "
            "largest we accept is %(limit)s megapixels. Scale it down or choose a smaller "
            "picture."
        ) % {
            "width": width,
            "height": height,
            "megapixels": round(width * height / 1_000_000, 1),
            "limit": round(limit / 1_000_000, 1),
        }
    else:
        message = _(
            "The picture has too many pixels; the largest we accept is %(limit)s megapixels. "
            "Scale it down or choose a smaller picture."
        ) % {"limit": round(limit / 1_000_000, 1)}
    return ValidationError({field: message}, code="too_many_pixels")


def image_reencode(
    upload, *, max_bytes: int, max_side: int = 2000, field: str = "image"
) -> ContentFile:
    """A clean copy of ``upload``: JPEG, or PNG when it has transparency.

    Raises ``ValidationError`` on ``field`` for a file too large, not an image, in a format
    we do not take, or with more pixels than ``settings.IMAGE_MAX_PIXELS`` (read from the
    header: such a picture is never decoded).
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
    width = height = None
    try:
        with warnings.catch_warnings():
            # Above the limit Pillow warns; we refuse below, with our own words.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(upload) as probe:  # the header only: nothing is decoded
                image_format = probe.format
                width, height = probe.size
                if width * height > settings.IMAGE_MAX_PIXELS:
                    raise _TooManyPixels
                probe.verify()
    except (_TooManyPixels, Image.DecompressionBombError):
        raise _too_many_pixels(field, width, height) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
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
    upload.seek(0)
    with Image.open(upload) as original:
        # Scaled down before it is turned upright, so that only the small copy is turned
        # (and copied); a JPEG is decoded at the smallest scale that still covers max_side.
        original.draft(None, (max_side, max_side))
        original.thumbnail((max_side, max_side))
        picture = ImageOps.exif_transpose(original)
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
