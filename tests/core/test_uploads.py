"""Uploads: type by content, size, images without metadata, names safe to offer back."""

from __future__ import annotations

import pytest

from baraza.errors import InvalidInput
from baraza.uploads import attachment, check_document, clean_name, prepare_document, read_document, write_document
from tests.uploads import has_exif, photo_with_location


def test_a_photo_loses_where_and_when_it_was_taken() -> None:
    original = photo_with_location("JPEG")
    assert has_exif(original) and b"Nairobi" in original
    stored, body = prepare_document(original, "evidence.jpg")
    assert stored.content_type == "image/jpeg" and stored.file_name.endswith(".jpg")
    assert not has_exif(body) and b"Nairobi" not in body and b"Phone model" not in body
    png_stored, png = prepare_document(photo_with_location("PNG"), "scan.png")
    assert png_stored.content_type == "image/png" and not has_exif(png) and b"Nairobi" not in png


def test_type_is_read_from_the_content_not_the_name() -> None:
    with pytest.raises(InvalidInput) as refused:
        check_document(b"<html><script>alert(1)</script>", field="file")
    assert "file" in refused.value.errors
    assert check_document(b"%PDF-1.7 ...")[0] == "application/pdf"
    with pytest.raises(InvalidInput):
        prepare_document(b"\xff\xd8\xff" + b"not really a jpeg", "x.jpg")


def test_size_and_emptiness() -> None:
    with pytest.raises(InvalidInput):
        check_document(b"")
    with pytest.raises(InvalidInput):
        check_document(b"%PDF-" + b"0" * 2048, limit=1024)


def test_names_and_reading_back(tmp_path) -> None:
    assert clean_name("../../etc/passwd") == "passwd"
    assert clean_name('a"b;<c>.pdf') == "abc.pdf"
    assert clean_name("") == "document"
    stored, body = prepare_document(b"%PDF-1.4 report", "../report.pdf")
    write_document(tmp_path, stored, body)
    assert read_document(tmp_path, stored.file_name) == body
    with pytest.raises(FileNotFoundError):
        read_document(tmp_path, "../" + stored.file_name)


def test_a_download_is_an_attachment_never_rendered() -> None:
    response = attachment(b"%PDF-", "application/pdf", 'evil"; filename=x.html')
    assert response.headers["content-disposition"] == 'attachment; filename="evilfilenamex.html"'
    assert response.headers["x-content-type-options"] == "nosniff"
