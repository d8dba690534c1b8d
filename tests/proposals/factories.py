"""Proposals factories: ideas and points through the services, so HTML and counters are right.

CategoryFactory()                         a category
idea_post(author, title="...", **fields)  an idea posted through idea_create
vote(user, idea, "support")               a vote through idea_vote
point_post(author, idea, "for", "text")   a point through point_add
jpeg_with_gps() / png_bytes()             image uploads (the JPEG carries EXIF GPS data)
"""

from __future__ import annotations

import io

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from proposals import services
from proposals.models import Category, Idea, IdeaVote, Point


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


def idea_post(author, title: str = "More benches in the park", **fields) -> Idea:
    fields.setdefault("body", "Older residents need somewhere to rest on the way to the shops.")
    if "category" not in fields:
        fields["category"] = CategoryFactory()
    return services.idea_create(author=author, title=title, **fields)


def vote(user, idea: Idea, value: str = IdeaVote.Value.SUPPORT) -> IdeaVote:
    return services.idea_vote(user=user, idea=idea, value=value)


def point_post(
    author, idea: Idea, side: str = Point.Side.FOR, text: str = "A fair point."
) -> Point:
    return services.point_add(author=author, idea=idea, side=side, text=text)


GPS_IFD = 0x8825


def jpeg_with_gps(name: str = "photo.jpg", size=(64, 48)) -> SimpleUploadedFile:
    """A small JPEG carrying EXIF camera and GPS data (Reykjavik's coordinates)."""
    image = Image.new("RGB", size, (200, 80, 40))
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # Make
    exif[0x0132] = "2026:11:26 10:00:00"  # DateTime
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (64.0, 8.0, 48.0), 3: "W", 4: (21.0, 56.0, 33.0)})
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes())
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def png_bytes(size=(32, 32)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", size, (0, 0, 255, 128)).save(buffer, format="PNG")
    return buffer.getvalue()


def pdf_named_jpg() -> SimpleUploadedFile:
    content = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    return SimpleUploadedFile("holiday.jpg", content, content_type="image/jpeg")


def ten_megabyte_jpg() -> SimpleUploadedFile:
    """A file of 10 MB that starts like a JPEG."""
    content = b"\xff\xd8\xff\xe0" + b"\0" * (10 * 1024 * 1024)
    return SimpleUploadedFile("huge.jpg", content, content_type="image/jpeg")
