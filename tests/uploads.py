"""Test images: a photo carrying EXIF with GPS and a description, as a phone camera writes it."""

from __future__ import annotations

import io

from PIL import Image


def photo_with_location(fmt: str = "JPEG") -> bytes:
    image = Image.new("RGB", (24, 16), (200, 120, 40))
    exif = Image.Exif()
    exif[0x010E] = "Nairobi, Kibera, Olympic school gate"  # ImageDescription
    exif[0x0110] = "Phone model X"  # Model
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "S", (1.0, 18.0, 40.0)  # GPSLatitudeRef, GPSLatitude
    out = io.BytesIO()
    image.save(out, format=fmt, exif=exif)
    return out.getvalue()


def has_exif(data: bytes) -> bool:
    with Image.open(io.BytesIO(data)) as image:
        return bool(image.getexif()) or "exif" in image.info
