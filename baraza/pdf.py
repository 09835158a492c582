"""PDFs drawn from HTML with WeasyPrint: workshop summaries, the guidance document, briefs.

    pdf = render_pdf(html)                      # bytes starting with %PDF
    return pdf_response(pdf, "summary.pdf")     # an attachment, never cached

The HTML is a page rendered like any other (autoescaped Jinja, charts as inline SVG from
`baraza.charts`), usually extending `baraza/pdf.html`, which links `static/css/print.css`
(A4, page numbers). Rendering never touches the network (SECURITY 16): the URL fetcher serves
the application's own static files from disk and refuses every other address, so a link or an
image in what a young person wrote cannot make the server call out, nor read a file outside
the static folders. Fonts come from the system (DejaVu, Noto Sans and Noto Naskh Arabic,
installed by `scripts/system-packages`); Arabic is shaped by pango and laid out right to left
when the page says `dir="rtl"`. Not inside inline SVG: WeasyPrint draws an SVG `<text>` a
letter at a time (weasyprint/svg/text.py), with no shaping or bidi, so `render_pdf` first
writes each chart text that holds right-to-left letters in the form a reader sees: joined
(arabic-reshaper's presentation forms) and in display order (python-bidi). Pages that print
charts also give their words as HTML (a workshop summary prints the table of a chart that
holds right-to-left words), which a screen reader and a copy-paste read in logical order.

WeasyPrint needs pango at run time. Where it is missing, `render_pdf` raises `PdfUnavailable`,
a 503 that views show as the friendly error page in the reader's language; the rest of the
application runs on.
"""

from __future__ import annotations

import html as html_text
import logging
import mimetypes
import re
import threading
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from starlette.responses import Response

from baraza.errors import BarazaError
from baraza.i18n import N_, has_right_to_left

log = logging.getLogger("baraza.pdf")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
STATIC_DIR = PROJECT_ROOT / "static"
# A base address for relative links in the HTML ("/static/css/print.css"). It names no real
# host: the fetcher maps its paths to files and nothing is ever asked of the network.
DEFAULT_BASE_URL = "https://baraza.invalid/"
# URL path prefix -> folder the fetcher may read from. An app with its own static folder
# (served under /static/<app>/) passes `static_dirs={"/static/tracker/": Path(...)}`.
CORE_STATIC = {"/static/": STATIC_DIR}
# Inline `data:` images (a QR code) hold their bytes already: no fetch, no network.
_DATA_SCHEME = "data"

# One PDF at a time per process: WeasyPrint is CPU-bound and memory-hungry (tens of MB for a
# long document), and a burst of downloads on a small machine must not starve the phones.
_RENDERING = threading.Lock()


class PdfUnavailable(BarazaError):
    """WeasyPrint or its system libraries (pango) cannot be loaded on this server."""

    status_code = 503
    title = N_("PDF downloads are not available")

    def __init__(self, message: str = "") -> None:
        super().__init__(message or N_("This server cannot make PDF files at the moment. The page itself shows the same content; please print it from your browser or try again later."))


@lru_cache(maxsize=1)
def _weasyprint() -> Any:
    """The weasyprint module, imported once. Its import loads pango through cffi: an OSError
    there means the system library is missing, not a bug of ours."""
    try:
        import weasyprint
    except (ImportError, OSError) as exc:
        log.error("WeasyPrint cannot be loaded (is pango installed? scripts/system-packages): %s", exc)
        raise PdfUnavailable() from exc
    return weasyprint


def pdf_available() -> bool:
    try:
        _weasyprint()
    except PdfUnavailable:
        return False
    return True


def _static_file(path: str, roots: Mapping[str, Path]) -> Path | None:
    """The file on disk a URL path names, if it is inside one of the static folders."""
    # The longest prefix first: an app's /static/<app>/ before the project's /static/.
    for prefix, folder in sorted(roots.items(), key=lambda item: -len(item[0])):
        if not path.startswith(prefix):
            continue
        relative = unquote(path[len(prefix) :])
        if not relative or "\x00" in relative:
            return None
        root = folder.resolve()
        candidate = (root / relative).resolve()
        # `..`, symbolic links out of the folder and absolute paths all land outside the root.
        if candidate.is_relative_to(root) and candidate.is_file():
            return candidate
        return None
    return None


def make_url_fetcher(base_url: str, static_dirs: Mapping[str, Path] | None = None) -> Any:
    """A WeasyPrint URL fetcher that answers only for the application's own static files
    (same origin as `base_url`, a path under one of the static prefixes) and `data:` URLs, and
    refuses every other address without opening a connection."""
    weasyprint = _weasyprint()
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    roots = {**CORE_STATIC, **(static_dirs or {})}
    base = urlsplit(base_url)

    class StaticOnlyFetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            parts = urlsplit(url)
            if parts.scheme == _DATA_SCHEME:
                return super().fetch(url, headers)
            if (parts.scheme, parts.netloc) == (base.scheme, base.netloc):
                found = _static_file(parts.path, roots)
                if found is not None:
                    media_type = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, found.read_bytes(), {"Content-Type": media_type})
            # WeasyPrint logs this and draws the page without the resource.
            raise ValueError(f"PDF rendering fetches only the application's static files, not {url[:200]!r}")

    del weasyprint
    return StaticOnlyFetcher(timeout=1, allowed_protocols=("https", "http", _DATA_SCHEME), allow_redirects=False)


_SVG_TEXT = re.compile(r"<text([^>]*)>([^<]*)</text>")


def shaped_svg_text(html: str) -> str:
    """`html` with the right-to-left text of its inline SVG (`<text>` of `baraza.charts`) joined
    and in display order, as WeasyPrint, which draws SVG text a letter at a time, must be given
    it; every other text as it was."""
    from arabic_reshaper import reshape
    from bidi import get_display

    def shaped(match: re.Match[str]) -> str:
        words = html_text.unescape(match.group(2))
        if not has_right_to_left(words):
            return match.group(0)
        return f"<text{match.group(1)}>{html_text.escape(get_display(reshape(words)), quote=False)}</text>"

    return _SVG_TEXT.sub(shaped, html) if "<text" in html else html


def render_pdf(html: str, *, base_url: str | None = None, static_dirs: Mapping[str, Path] | None = None) -> bytes:
    """The PDF of `html` (a whole document), A4 unless its stylesheet says otherwise.

    `base_url` resolves relative links (default: a placeholder origin; pass the request's base
    URL when the HTML holds absolute links to this site). Only static files under `/static/`
    (and the folders in `static_dirs`, URL prefix -> folder) are read; nothing else is fetched.
    Raises `PdfUnavailable` (503) when WeasyPrint cannot run here.
    """
    weasyprint = _weasyprint()
    base = base_url or DEFAULT_BASE_URL
    fetcher = make_url_fetcher(base, static_dirs)
    try:
        with _RENDERING:
            document = weasyprint.HTML(string=shaped_svg_text(html), base_url=base, url_fetcher=fetcher, media_type="print")
            pdf: bytes = document.write_pdf()
    except OSError as exc:
        # A library that loaded but cannot draw (a broken font cache, cairo/pango at odds).
        log.error("WeasyPrint could not draw a PDF: %s", exc)
        raise PdfUnavailable() from exc
    return pdf


def pdf_response(pdf: bytes, filename: str) -> Response:
    """A PDF as a download (the one attachment response of `baraza.uploads`: never cached, never
    shown inline)."""
    from baraza.uploads import attachment

    return attachment(pdf, "application/pdf", filename[:100] or "baraza.pdf")
