"""Checks of uploaded consultation documents: by their content, not their name.

A file named ``plan.pdf`` must start like a PDF; an image must open as a PNG, JPEG, GIF or
WebP image (Pillow reads its header and verifies its structure). The extension must agree
with the content, so a browser never receives a file under a misleading type.
"""

from __future__ import annotations

from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files import File
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

DOCUMENT_MAX_BYTES = 20 * 1024 * 1024
PDF_EXTENSIONS = {".pdf"}
IMAGE_FORMATS = {"PNG": {".png"}, "JPEG": {".jpg", ".jpeg"}, "GIF": {".gif"}, "WEBP": {".webp"}}


def document_kind(file: File) -> str:
    """``"pdf"`` or ``"image"`` from the file's content; ``ValidationError`` otherwise."""
    name = getattr(file, "name", "") or ""
    extension = PurePath(name).suffix.lower()
    size = getattr(file, "size", None) or 0
    if size > DOCUMENT_MAX_BYTES:
        raise ValidationError(
            _("The file is %(size)s; documents can be at most %(max)s.")
            % {"size": filesizeformat(size), "max": filesizeformat(DOCUMENT_MAX_BYTES)}
        )
    file.seek(0)
    head = file.read(1024)
    file.seek(0)
    if head.startswith(b"%PDF-"):
        if extension not in PDF_EXTENSIONS:
            raise ValidationError(
                _("This file is a PDF document but its name ends in “%(extension)s”; name it .pdf.")
                % {"extension": extension or _("(nothing)")}
            )
        return "pdf"
    image_format = _image_format(file)
    if image_format is None:
        raise ValidationError(
            _(
                "This file is neither a PDF document nor a PNG, JPEG, GIF or WebP image "
                "(whatever its name says). Upload one of those."
            )
        )
    if extension not in IMAGE_FORMATS[image_format]:
        raise ValidationError(
            _("This file is a %(format)s image but its name ends in “%(extension)s”.")
            % {"format": image_format, "extension": extension or _("(nothing)")}
        )
    return "image"


def _image_format(file: File) -> str | None:
    from PIL import Image, UnidentifiedImageError

    try:
        file.seek(0)
        with Image.open(file) as image:
            image_format = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None
    finally:
        file.seek(0)
    return image_format if image_format in IMAGE_FORMATS else None


def validate_document(file: File) -> None:
    document_kind(file)
