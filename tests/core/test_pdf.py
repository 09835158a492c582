"""PDFs: WeasyPrint draws them from HTML, fetching nothing but the application's own static
files, with system fonts for Latin and Arabic script (baraza/pdf.py)."""

from __future__ import annotations

import re
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from baraza import pdf
from baraza.charts import BarDatum, bar_chart
from baraza.disclosure import Cell


def page(body: str, *, lang: str = "en", head: str = "") -> str:
    direction = "rtl" if lang == "ar" else "ltr"
    return (
        f'<!doctype html><html lang="{lang}" dir="{direction}"><head><meta charset="utf-8">'
        f'<title>T</title><link rel="stylesheet" href="/static/css/print.css">{head}</head><body>{body}</body></html>'
    )


def streams(data: bytes) -> bytes:
    """Every stream of the PDF, inflated: fonts, pages and the document's structure."""
    out = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            out.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(out)


def embedded_fonts(data: bytes) -> set[str]:
    return {name.decode().split("+", 1)[-1] for name in re.findall(rb"/BaseFont\s*/([A-Za-z0-9+\-]+)", streams(data))}


def page_count(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", streams(data)))


def laid_out_text(html: str) -> str:
    """The text WeasyPrint put on the pages (its layout boxes), for asserting what a reader sees."""
    weasyprint = pdf._weasyprint()
    document = weasyprint.HTML(string=html, base_url=pdf.DEFAULT_BASE_URL, url_fetcher=pdf.make_url_fetcher(pdf.DEFAULT_BASE_URL)).render()
    texts: list[str] = []

    def walk(box: object) -> None:
        text = getattr(box, "text", None)
        if isinstance(text, str):
            texts.append(text)
        for child in getattr(box, "children", ()) or ():
            walk(child)

    for p in document.pages:
        walk(p._page_box)
    return " ".join(texts)


def test_a_pdf_is_drawn_with_the_latin_font_and_page_numbers() -> None:
    data = pdf.render_pdf(page("<h1>Workshop summary</h1>" + "<p>Young people said many things.</p>" * 120))
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    assert page_count(data) >= 2  # the print stylesheet's A4 pages
    assert "DejaVu-Sans" in embedded_fonts(data)
    text = laid_out_text(page("<h1>Workshop summary</h1>" + "<p>Young people said many things.</p>" * 120))
    assert "Workshop summary" in text


def test_arabic_is_drawn_with_an_arabic_font_right_to_left() -> None:
    html = page("<h1>ملخص الورشة</h1><p>قال الشباب إن بياناتهم يجب أن تبقى آمنة.</p>", lang="ar")
    data = pdf.render_pdf(html)
    assert data.startswith(b"%PDF-")
    fonts = embedded_fonts(data)
    assert any(name.startswith("Noto-Naskh-Arabic") for name in fonts), fonts
    assert "ملخص الورشة" in laid_out_text(html)


def test_text_from_a_participant_is_text_not_markup() -> None:
    from markupsafe import escape

    note = '<script>alert(1)</script><img src="x" onerror="alert(2)">'
    html = page(f"<p>{escape(note)}</p>")
    assert "<script>alert(1)</script>" in laid_out_text(html)  # shown as the characters typed
    assert pdf.render_pdf(html).startswith(b"%PDF-")


def test_the_fetcher_serves_static_files_and_refuses_everything_else() -> None:
    fetcher = pdf.make_url_fetcher(pdf.DEFAULT_BASE_URL)
    served = fetcher.fetch("https://baraza.invalid/static/css/print.css?v=123")
    assert b"@page" in served.read()
    served.close()
    for url in (
        "https://example.com/static/css/print.css",  # another origin
        "http://baraza.invalid/static/css/print.css",  # another scheme
        "https://baraza.invalid/static/../pyproject.toml",
        "https://baraza.invalid/static/%2e%2e/pyproject.toml",
        "https://baraza.invalid/static/",
        "https://baraza.invalid/workshops/1/summary",  # a page of the application, not a file
        "file:///etc/passwd",
        "ftp://example.com/x",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_an_app_may_add_its_own_static_folder(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "app.css").write_text("h1 { color: red }")
    fetcher = pdf.make_url_fetcher(pdf.DEFAULT_BASE_URL, {"/things/static/": tmp_path})
    assert fetcher.fetch("https://baraza.invalid/things/static/app.css").read() == b"h1 { color: red }"
    with pytest.raises(ValueError):
        fetcher.fetch("https://baraza.invalid/things/static/../../etc/passwd")


@pytest.fixture
def listening() -> Iterator[tuple[str, list[str]]]:
    """A local web server that records every request made to it."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server name
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body { color: red }")

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


def test_rendering_never_calls_out(listening: tuple[str, list[str]]) -> None:
    """Links and images in the HTML (a note a young person typed could hold one) are not
    fetched: the server never opens a connection while drawing a PDF (SECURITY 16)."""
    origin, hits = listening
    html = page(
        f'<p>Hello</p><img src="{origin}/pixel.png"><p style="background: url({origin}/bg.png)">x</p>',
        head=f'<link rel="stylesheet" href="{origin}/style.css"><style>@import url("{origin}/more.css");</style>',
    )
    assert pdf.render_pdf(html).startswith(b"%PDF-")
    # Even when the page's own base address is that server.
    assert pdf.render_pdf(page('<img src="/static/x.png"><img src="/pixel.png">'), base_url=origin + "/").startswith(b"%PDF-")
    assert hits == []


def test_charts_in_a_pdf() -> None:
    chart = bar_chart([BarDatum("نعم", Cell(12)), BarDatum("لا", Cell(2, suppressed=True, primary=True))], title="سؤال", k=5, rtl=True)
    data = pdf.render_pdf(page(f"<figure>{chart}</figure>", lang="ar"))
    assert data.startswith(b"%PDF-")


def test_arabic_in_a_chart_reaches_the_pdf_joined_and_in_reading_order() -> None:
    """WeasyPrint draws SVG text a letter at a time: a chart's Arabic is given to it already
    joined (presentation forms) and in display order; Latin text and the HTML around it are
    left as they were."""
    label = "يجب ألا تشارك المدارس"
    svg = str(bar_chart([BarDatum(label, Cell(12)), BarDatum("Ask us first", Cell(7))], title="Votes", k=5))
    html = f'<p dir="rtl">{label}</p>{svg}'
    shaped = pdf.shaped_svg_text(html)
    assert f'<p dir="rtl">{label}</p>' in shaped  # HTML text: pango shapes it
    drawn = re.findall(r"<text[^>]*>([^<]*)</text>", shaped)
    arabic = next(t for t in drawn if any("\ufe70" <= ch <= "\ufeff" for ch in t))
    assert label not in drawn and "Ask us first" in drawn
    # Joined and in display order: the first word, "يجب" (ya, jim, ba), is drawn at the right
    # end, left to right as ba final, jim medial, ya initial.
    assert arabic.endswith("\ufe90\ufea0\ufef3")
    assert pdf.shaped_svg_text("<p>Hello</p>") == "<p>Hello</p>"
    assert pdf.render_pdf(f"<html><body>{svg}</body></html>").startswith(b"%PDF")


def test_without_weasyprint_the_reader_is_told_plainly(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing() -> None:
        raise pdf.PdfUnavailable()

    monkeypatch.setattr(pdf, "_weasyprint", missing)
    with pytest.raises(pdf.PdfUnavailable) as caught:
        pdf.render_pdf(page("<p>x</p>"))
    assert caught.value.status_code == 503
    assert caught.value.message and "PDF" in caught.value.message
    assert pdf.pdf_available() is False


def test_a_missing_pango_becomes_pdf_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def fake_import(name: str, *args: object, **kwargs: object) -> object:
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    pdf._weasyprint.cache_clear()
    monkeypatch.setattr(builtins, "__import__", fake_import)
    try:
        with pytest.raises(pdf.PdfUnavailable):
            pdf._weasyprint()
    finally:
        monkeypatch.undo()
        pdf._weasyprint.cache_clear()
    assert pdf.pdf_available()


def test_the_download_is_an_attachment() -> None:
    response = pdf.pdf_response(b"%PDF-1.7 x", 'summary "a"/../b.pdf')
    assert response.media_type == "application/pdf"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert '"' not in disposition.split("filename=", 1)[1].strip('"')
    assert "/" not in disposition


def _texts(box: object, out: list[str]) -> list[str]:
    if getattr(box, "text", None):
        out.append(box.text)  # type: ignore[attr-defined]
    for child in getattr(box, "children", None) or []:
        _texts(child, out)
    return out


def test_the_closing_line_never_starts_a_page_alone() -> None:
    """However long the document, "Made with Baraza on ..." is not the only thing on the last
    page: the note before it goes over with it (print.css)."""
    weasyprint = pdf._weasyprint()
    fetcher = pdf.make_url_fetcher(pdf.DEFAULT_BASE_URL)
    alone: list[int] = []
    carried: list[int] = []
    for lines in range(45, 66):
        body = "<p>A line of the summary.</p>" * lines
        body += '<p class="pdf-footnote">Counts of fewer than 5 people are not shown, to protect small groups.</p>'
        body += '<p class="pdf-footnote">Made with Baraza on 4 December 2026 (UTC).</p>'
        document = weasyprint.HTML(string=page(body), base_url=pdf.DEFAULT_BASE_URL, url_fetcher=fetcher).render()
        last = " ".join(_texts(document.pages[-1]._page_box, []))
        if "A line" not in last:
            (carried if "Counts of fewer" in last else alone).append(lines)
    assert carried  # some length did put the closing line at the top of a page
    assert alone == []
