"""Uploaded documents: one way for every app to take, keep and give back a file (SECURITY 17, 34).

- **Type by content**: a PDF, PNG or JPEG is recognised by its first bytes, never by its name or
  the browser's word for it; anything else is refused.
- **Size**: the caller reads at most `limit + 1` bytes and `check_document` refuses more.
- **Images lose their metadata**: a PNG or JPEG is decoded and written again without EXIF, GPS or
  text chunks (a photo of a signed page or of a ministry's notice can carry where and when it
  was taken, and by which phone).
- **Kept outside the web root** under `var/<folder>/` with a random name; the original name is
  kept only for the download, cleaned.
- **Given back** only by an authorising endpoint, as an attachment (`attachment(...)`), so a
  file is never rendered in the platform's origin.

    stored = store_document(settings.var_dir / "evidence", data, "report.pdf")   # or InvalidInput
    ...
    return attachment(read_document(folder, stored.file_name), stored.content_type, stored.name)
"""

from __future__ import annotations

import hashlib
import io
import secrets
from dataclasses import dataclass
from pathlib import Path

from starlette.responses import Response

from baraza.errors import InvalidInput
from baraza.i18n import N_

MAX_DOCUMENT_BYTES = 4 * 1024 * 1024
# Documents: a PDF, or a photo or scan of a page. Checked by content, not by name.
DOCUMENT_SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)


def sniff_document(data: bytes) -> tuple[str, str] | None:
    """(content type, extension) from the file's first bytes, or None if not allowed."""
    for magic, content_type, ext in DOCUMENT_SIGNATURES:
        if data.startswith(magic):
            return content_type, ext
    return None


def without_metadata(data: bytes, content_type: str) -> bytes:
    """An image written again from its pixels alone: no EXIF, GPS, XMP or text chunks.

    Raises InvalidInput for an image that does not decode (a file that only starts like one)."""
    if content_type not in {"image/png", "image/jpeg"}:
        return data
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            clean = Image.new(image.mode, image.size)
            clean.paste(image)
            palette = image.getpalette()
            if image.mode == "P" and palette:
                clean.putpalette(palette)
            out = io.BytesIO()
            if content_type == "image/png":
                clean.save(out, format="PNG")
            else:
                clean.save(out, format="JPEG", quality=90)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise InvalidInput(errors={"document": N_("The image could not be read.")}) from exc


def check_document(data: bytes, *, limit: int = MAX_DOCUMENT_BYTES, field: str = "document") -> tuple[str, str]:
    """(content type, extension) of an acceptable document, or InvalidInput saying what is wrong."""
    if not data:
        raise InvalidInput(errors={field: N_("Choose a file to upload.")})
    if len(data) > limit:
        raise InvalidInput(errors={field: N_("The file is too large (%(megabytes)s MB at most).", megabytes=limit // (1024 * 1024))})
    kind = sniff_document(data)
    if kind is None:
        raise InvalidInput(errors={field: N_("Upload a PDF, PNG or JPEG file.")})
    return kind


def clean_name(name: str | None, default: str = "document") -> str:
    """A file name safe to keep and to offer back in a download header."""
    base = Path(name or "").name
    return "".join(ch for ch in base if ch.isalnum() or ch in "._- ")[:150].strip() or default


@dataclass(frozen=True)
class StoredDocument:
    file_name: str  # the random name on disk, under the folder
    name: str  # the uploader's name for it, cleaned
    content_type: str
    size: int
    sha256: str


def prepare_document(data: bytes, name: str | None, *, limit: int = MAX_DOCUMENT_BYTES, field: str = "document") -> tuple[StoredDocument, bytes]:
    """Check a document and make the bytes to keep (images without metadata), not yet written."""
    content_type, ext = check_document(data, limit=limit, field=field)
    body = without_metadata(data, content_type)
    stored = StoredDocument(
        file_name=secrets.token_hex(16) + "." + ext,
        name=clean_name(name),
        content_type=content_type,
        size=len(body),
        sha256=hashlib.sha256(body).hexdigest(),
    )
    return stored, body


def write_document(folder: Path, stored: StoredDocument, body: bytes) -> Path:
    """Write prepared bytes under `folder`; the caller deletes the file if its commit fails."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / stored.file_name
    path.write_bytes(body)
    return path


def read_document(folder: Path, file_name: str) -> bytes:
    """The bytes of a stored document; only a plain name under `folder` is ever read."""
    if Path(file_name).name != file_name or file_name.startswith("."):
        raise FileNotFoundError(file_name)
    return (folder / file_name).read_bytes()


def attachment(body: bytes, media_type: str, filename: str) -> Response:
    """A download, never rendered in the platform's origin (SECURITY 34)."""
    safe = "".join(ch for ch in filename if ch.isalnum() or ch in "._-") or "download"
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{safe}"', "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"},
    )
