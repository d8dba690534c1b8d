"""Pictures are checked before decoding (specification §10).

A 165 KB PNG of 8000 by 5000 pixels took a process from 83 to 614 MB while being re-encoded:
memory goes by the pixel, not by the byte. The pixel count is read from the header and
checked against ``IMAGE_MAX_PIXELS`` before anything is decoded.
"""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from civicportal.core.images import image_reencode
from proposals.models import Idea
from tests.accounts.factories import UserFactory
from tests.proposals.factories import CategoryFactory

ROOT = Path(__file__).resolve().parents[2]


def png_of(width: int, height: int) -> bytes:
    """A valid RGB PNG of any size, written row by row: small file, no big image in memory."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    compressor = zlib.compressobj(9)
    row = b"\x00" + bytes(width * 3)  # filter byte, then black pixels
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


# What a process of its own measures: its peak memory before and after re-encoding a file.
_MEASURE = """
import json, resource, sys
import django
django.setup()
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from civicportal.core.images import image_reencode

upload = SimpleUploadedFile("photo.png", open(sys.argv[1], "rb").read())
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    image_reencode(upload, max_bytes=10 * 1024 * 1024)
    refused = None
except ValidationError as error:
    refused = " ".join(error.messages)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"refused": refused, "grew_kb": after - before}))
"""


def test_an_8000_by_5000_png_is_refused_before_it_is_decoded(tmp_path):
    path = tmp_path / "huge.png"
    path.write_bytes(png_of(8000, 5000))
    assert path.stat().st_size < 200 * 1024  # small on disk: only its pixels are large
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "civicportal.settings"}
    env.pop("IMAGE_MAX_PIXELS", None)  # the default limit
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    assert measured["refused"] and "8000 by 5000 pixels" in measured["refused"]
    # Decoding would take 160 MB (4 bytes a pixel) at the very least.
    assert measured["grew_kb"] < 20 * 1024, measured


def test_the_refusal_says_the_size_and_the_limit(settings):
    settings.IMAGE_MAX_PIXELS = 24_000_000
    upload = SimpleUploadedFile("photo.png", png_of(8000, 5000))
    with pytest.raises(ValidationError) as error:
        image_reencode(upload, max_bytes=10 * 1024 * 1024, field="image")
    assert error.value.message_dict["image"] == [
        "The picture is 8000 by 5000 pixels (40.0 megapixels); the largest we accept is 24.0 "
        "megapixels. Scale it down or choose a smaller picture."
    ]


def test_the_pixel_limit_follows_the_setting(settings):
    settings.IMAGE_MAX_PIXELS = 1_000_000
    with pytest.raises(ValidationError, match="1001 by 1000 pixels"):
        image_reencode(SimpleUploadedFile("a.png", png_of(1001, 1000)), max_bytes=10**7)
    stored = image_reencode(SimpleUploadedFile("b.png", png_of(1000, 1000)), max_bytes=10**7)
    assert Image.open(io.BytesIO(stored.read())).size == (1000, 1000)


def test_pillow_refuses_at_the_same_limit_for_code_that_opens_pictures_without_us(settings):
    assert settings.IMAGE_MAX_PIXELS <= 25_000_000  # set by memory: see settings.py
    assert Image.MAX_IMAGE_PIXELS == settings.IMAGE_MAX_PIXELS


def test_a_turned_photo_is_scaled_and_stored_upright():
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: the camera was turned; show it rotated 90°
    buffer = io.BytesIO()
    Image.new("RGB", (4400, 3000), "navy").save(buffer, format="JPEG", exif=exif)
    stored = image_reencode(SimpleUploadedFile("p.jpg", buffer.getvalue()), max_bytes=10**8)
    picture = Image.open(io.BytesIO(stored.read()))
    assert picture.size == (1364, 2000)
    assert not picture.getexif()


@pytest.mark.django_db
def test_an_idea_with_a_too_large_picture_is_refused_and_nothing_is_stored(client, settings):
    settings.PROPOSALS_REQUIRE_VERIFIED = False
    category = CategoryFactory()
    client.force_login(UserFactory())
    response = client.post(
        "/ideas/new/",
        {
            "title": "A square with trees",
            "body": "Trees, benches.",
            "category": category.pk,
            "image": SimpleUploadedFile("square.png", png_of(8000, 5000), "image/png"),
            "image_description": "The square today",
        },
    )
    assert response.status_code == 400
    assert "8000 by 5000 pixels (40.0 megapixels)" in response.text
    assert not Idea.objects.exists()
