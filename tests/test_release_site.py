"""The release's static site on the tiny fixture: every page parses, every link is relative and resolves
inside the site (or is an http(s) link out), planted payloads are text, quotes are highlighted in their
sentences. The slow test opens every page in Chromium."""

from __future__ import annotations

import html
import os
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urlparse

import pytest

from tracker.release.site import highlight, http_url

from .helpers import REPO
from .test_release import make_root, release

# Chromium's path and flags are set in one place, the script that makes the README's picture.
sys.path.insert(0, str(REPO / "scripts"))
from screenshot import CHROMIUM, CHROMIUM_ARGS


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.tags: list[str] = []
        self.attrs_seen: list[tuple[str, str]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            self.attrs_seen.append((name, value or ""))
            if name == "id" and value:
                self.ids.add(value)
            if name in ("href", "src") and value is not None:
                self.links.append(value)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_root(tmp_path_factory.mktemp("site") / "data")
    out = tmp_path_factory.mktemp("release") / "r"
    release(root, out)
    return out / "site"


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_one_page_per_provision_and_agreement(site: Path) -> None:
    names = {p.relative_to(site).as_posix() for p in pages(site)}
    assert names == {
        "index.html",
        "changes.html",
        "agreements/tiny.html",
        "provisions/tiny-1.html",
        "provisions/tiny-2.html",
        "provisions/tiny-3.html",
    }


def test_every_link_is_relative_and_resolves_inside_the_site(site: Path) -> None:
    anchors = {p: parse(p).ids for p in pages(site)}
    for path in pages(site):
        for link in parse(path).links:
            scheme = urlparse(link).scheme
            if scheme:
                assert scheme in ("http", "https"), f"{path.name}: {link}"
                continue
            assert not link.startswith("/"), f"{path.name}: absolute link {link}"
            target, fragment = urldefrag(link)
            resolved = (path.parent / target).resolve() if target else path
            assert resolved.is_relative_to(site.resolve()) and resolved.is_file(), f"{path.name}: {link}"
            if fragment and resolved.suffix == ".html":
                assert fragment in anchors[resolved], f"{path.name}: {link} has no #{fragment}"


def test_planted_payloads_are_text(site: Path) -> None:
    for path in pages(site):
        page = parse(path)
        assert "script" not in page.tags and "img" not in page.tags, path.name
        assert not [a for a in page.attrs_seen if a[0].startswith("on")], path.name
        assert not [v for n, v in page.attrs_seen if n == "href" and v.lower().startswith(("javascript:", "data:"))]
    text = "".join(parse(site / "provisions" / "tiny-1.html").text)
    assert "<script>window.pwned=7</script>" in text  # the quote, shown as text
    assert "note <script>window.pwned=9</script>" in text
    assert "<script>window.pwned=4</script>" in "".join(parse(site / "agreements" / "tiny.html").text)


def test_quote_highlighted_within_its_sentences(site: Path) -> None:
    raw = (site / "provisions" / "tiny-1.html").read_text(encoding="utf-8")
    assert '"<mark>The ceasefire is holding along the whole line</mark>," the minister said.' in html.unescape(raw)


@pytest.mark.parametrize(
    ("article", "quote", "before", "after"),
    [
        ("One. Two three four. Five.", "three", "Two ", " four."),
        ("First para.\n\nSecond line has it here\nand more. Next.", "it", "Second line has ", " here\nand more."),
        ("No end here " * 100 + "target " + "tail " * 200, "target", "… No end", " tail"),
    ],
)
def test_highlight_cuts_at_sentences(article: str, quote: str, before: str, after: str) -> None:
    start = article.index(quote)
    h = highlight(article, start, start + len(quote))
    assert h.quote == quote
    assert h.before.startswith(before) if before.startswith("…") else h.before == before
    assert h.after.startswith(after)
    assert len(h.before) <= 402 and len(h.after) <= 402


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://example.org/a", True),
        ("http://example.org", True),
        ("javascript:alert(1)", False),
        ("JAVASCRIPT:alert(1)", False),
        ("data:text/html,x", False),
        ("//evil.example", False),
        ("https://a b", False),
        (None, False),
    ],
)
def test_only_http_urls_become_links(url: str | None, ok: bool) -> None:
    assert (http_url(url) is not None) == ok


# --------------------------------------------------------------------------- in Chromium


def crawl(site: Path) -> set[str]:
    """Open the index in Chromium and follow every link inside the site: each page must load, run no
    script of the data, have its stylesheet, and link only to pages that exist or to http(s)."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the browser test, but {CHROMIUM} is missing", pytrace=False)
        pytest.skip(f"no Chromium at {CHROMIUM}")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            dialogs: list[str] = []
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            failed: list[str] = []
            page.on("requestfailed", lambda r: failed.append(r.url))
            seen: set[str] = set()
            queue = [(site / "index.html").resolve().as_uri()]
            while queue:
                url = queue.pop()
                if url in seen:
                    continue
                seen.add(url)
                response = page.goto(url)
                assert response is None or response.ok, url
                assert page.evaluate("() => window.pwned") is None, url
                assert page.locator("h1").count() == 1, url
                # The stylesheet applied (a relative link that works from file://).
                assert page.evaluate("() => getComputedStyle(document.body).marginTop") == "0px", url
                for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
                    if href.startswith("file://"):
                        target = urldefrag(href)[0]
                        assert Path(urlparse(target).path).is_file(), f"{url}: broken link {href}"
                        queue.append(target)
                    else:
                        assert href.startswith(("http://", "https://")), f"{url}: {href}"
            assert not dialogs and not failed
            return {Path(urlparse(u).path).resolve().relative_to(site.resolve()).as_posix() for u in seen}
        finally:
            browser.close()


@pytest.mark.slow
def test_every_page_renders_in_chromium_with_no_broken_link_and_no_script(site: Path) -> None:
    seen = crawl(site)
    assert seen == {p.relative_to(site).as_posix() for p in pages(site)}  # every page reachable from the index
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto((site / "provisions" / "tiny-1.html").resolve().as_uri())
            assert any("<script>window.pwned=7</script>" in t for t in page.locator("blockquote").all_inner_texts())
            assert page.evaluate("() => window.pwned") is None
        finally:
            browser.close()


@pytest.mark.slow
def test_a_release_of_the_bundled_data_validates_opens_and_browses(tmp_path: Path) -> None:
    """The issue's "done when", on the bundled data: a data package that validates, a database that
    Datasette serves, a site with no broken link. Nothing here depends on the data's counts."""
    from click.testing import CliRunner

    from tracker.cli import main

    out = tmp_path / "release"
    result = CliRunner().invoke(main, ["release", str(out), "--as-of", "2026-01-01"])
    assert result.exit_code == 0, result.output
    frictionless = pytest.importorskip("frictionless")
    report = frictionless.validate(str(out / "datapackage.json"))
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "type", "note"])[:10]
    app = pytest.importorskip("datasette.app")

    async def fetch() -> int:
        ds = app.Datasette([str(out / "tracker.db")])
        response = await ds.client.get("/tracker/evidence.json?_search=Lachin&_shape=array")
        assert response.status_code == 200, response.text
        return len(response.json())

    import asyncio

    assert asyncio.run(fetch()) > 0
    site = out / "site"
    assert crawl(site) == {p.relative_to(site).as_posix() for p in pages(site)}
