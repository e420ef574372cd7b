"""The built site in a real browser: Debian's Chromium, driven by Selenium through Debian's
chromium-driver (both installed by `scripts/install-system-packages.sh --test`, which
`make test` runs; nothing is downloaded). Without them the tests are skipped with the
reason, except in CI (CI=true), where they fail. Every page is loaded from a local server at
1280 px and at 390 px (a phone):

- no console error (a JavaScript error, a resource that failed to load);
- nothing wider than the screen at 390 px: the page never scrolls sideways (a wide table
  scrolls inside its own box);
- every link and image of the site resolves (same-origin; the site links nowhere else
  except where a page names an outside source);
- every figure has an alt text that says what it shows (not a file name) and a CSV link,
  and so has every table.

Screenshots of a few pages at both widths are kept under _build/screenshots/ for review.
"""
from __future__ import annotations

import functools
import http.server
import os
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urldefrag, urlparse

import pytest

from analysis.editions import REPO

CHROMIUM = Path("/usr/bin/chromium")
DRIVER = Path("/usr/bin/chromedriver")
WIDTHS = (1280, 390)
SCREENSHOTS = REPO / "_build" / "screenshots"
SHOT_PAGES = ("index.html", "chapters/beskaeftigelsesscore.html", "chapters/bilag02_11.html",
              "chapters/undergrupper.html", "chapters/reproduktion.html")

# what a page reports on itself (run in the page)
PAGE_FACTS = """
const main = document.querySelector('main') || document.body;
function csvAfter(el) {
  // the CSV link of a table or figure: in the few elements after its box
  let box = el.closest('.pst-scrollable-table-container, figure') || el;
  for (let n = box.nextElementSibling, i = 0; n && i < 4; n = n.nextElementSibling, i++) {
    if (n.matches('table, figure, .pst-scrollable-table-container')) break;
    const a = n.querySelector('a.download[href$=".csv"]') || (n.matches('a.download[href$=".csv"]') ? n : null);
    if (a) return a.getAttribute('href');
  }
  return null;
}
return {
  scrollWidth: document.documentElement.scrollWidth,
  innerWidth: window.innerWidth,
  wide: Array.from((document.querySelector('article') || main).querySelectorAll('*')).filter(e => {
      if (!e.checkVisibility({visibilityProperty: true, opacityProperty: true})) return false;
      const r = e.getBoundingClientRect();
      if (r.width === 0 || r.right <= window.innerWidth + 1) return false;
      let p = e.parentElement;   // inside a box that scrolls on its own: fine
      while (p && p !== main) { const o = getComputedStyle(p).overflowX;
        if ((o === 'auto' || o === 'scroll') && p.getBoundingClientRect().right <= window.innerWidth + 1) return false;
        p = p.parentElement; }
      return true; }).slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + (e.textContent || '').trim().slice(0, 40)),
  links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href),
  assets: Array.from(document.querySelectorAll('img[src], script[src], link[href]')).map(e => e.src || e.href),
  brokenImages: Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src),
  figures: Array.from(main.querySelectorAll('figure img, div.cell_output img')).map(i => ({
      src: i.getAttribute('src'), alt: i.getAttribute('alt') || '', csv: csvAfter(i)})),
  tables: Array.from(main.querySelectorAll('table.table')).map(t => ({
      caption: (t.querySelector('caption') || {}).textContent || '', csv: csvAfter(t)})),
  searchBoxes: Array.from(document.querySelectorAll('.search-button-field, form.bd-search'))
      .filter(e => e.offsetParent !== null).length,
  banners: Array.from(document.querySelectorAll('.bd-header-announcement')).length,
  bannerRepeats: (() => { const a = document.querySelector('.bd-header-announcement');
      const text = a ? a.innerText.trim() : ''; return text ? document.body.innerText.split(text).length - 1 : 0; })(),
  // the page's own footer (not the prev/next links, which are a <footer> too)
  footer: (document.querySelector('footer.bd-footer-content') || {}).innerText || '',
};
"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    """Serves the site without logging each request."""

    def log_message(self, *args):
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    """The site's server: a browser that drops a connection before a file is sent (it
    moves on to the next page) is not an error; anything else is still reported."""

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)):
            return
        super().handle_error(request, client_address)


def test_the_server_is_quiet_about_dropped_connections_only(capsys):
    httpd = _QuietServer(("127.0.0.1", 0), _Quiet)
    try:
        for error, reported in ((BrokenPipeError(32, "Broken pipe"), False),
                                (ConnectionResetError(104, "reset"), False), (ValueError("a bug"), True)):
            try:
                raise error
            except Exception:
                httpd.handle_error(None, ("127.0.0.1", 1))
            assert (type(error).__name__ in capsys.readouterr().err) == reported, error
    finally:
        httpd.server_close()


@pytest.fixture(scope="module")
def server(final_site):
    root = final_site / "html"
    handler = functools.partial(_Quiet, directory=str(root))
    httpd = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", root
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    if not (CHROMIUM.exists() and DRIVER.exists()):
        reason = (f"{CHROMIUM} or {DRIVER} is missing: install Debian's chromium and "
                  "chromium-driver with `bash scripts/install-system-packages.sh --test` (`make test` does)")
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(reason + " [CI must run the browser test]")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--lang=da",
                "--disable-dev-shm-usage"):
        options.add_argument(arg)
    options.binary_location = str(CHROMIUM)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(DRIVER)), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def visits(browser, server):
    """Every page of the site at both widths: {(page, width): facts and console errors}."""
    base, root = server
    pages = sorted(str(p.relative_to(root)) for p in root.rglob("*.html") if not p.relative_to(root).parts[0].startswith("_"))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    out, start = {}, time.perf_counter()
    for width in WIDTHS:
        browser.set_window_size(width, 900)
        for page in pages:
            browser.get(base + page)
            facts = browser.execute_script(PAGE_FACTS)
            facts["console"] = [entry["message"] for entry in browser.get_log("browser")
                                if entry["level"] == "SEVERE"]
            out[page, width] = facts
            if page in SHOT_PAGES:
                height = browser.execute_script("return document.body.scrollHeight")
                browser.set_window_size(width, min(height, 7000))
                browser.save_screenshot(str(SCREENSHOTS / f"{page.replace('/', '_')[:-5]}-{width}.png"))
                browser.set_window_size(width, 900)
    print(f"browser: {len(pages)} pages at {len(WIDTHS)} widths in {time.perf_counter() - start:.1f} s")
    return out


def test_no_console_errors(visits):
    errors = {key: facts["console"] for key, facts in visits.items() if facts["console"]}
    assert not errors, errors


def test_no_horizontal_overflow_on_a_phone(visits):
    wide = {page: (facts["scrollWidth"], facts["wide"]) for (page, width), facts in visits.items()
            if width == 390 and (facts["scrollWidth"] > facts["innerWidth"] or facts["wide"])}
    assert not wide, wide


def test_every_link_and_image_resolves(visits, server):
    base, _ = server
    urls = {urldefrag(u)[0] for facts in visits.values() for u in facts["links"] + facts["assets"]}
    local = sorted(u for u in urls if u.startswith(base))
    assert len(local) > 50
    broken = []
    for url in local:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                assert response.status == 200
        except (urllib.error.URLError, AssertionError) as err:
            broken.append((url, str(err)))
    assert not broken, broken
    images = {page: facts["brokenImages"] for (page, _), facts in visits.items() if facts["brokenImages"]}
    assert not images, images
    # links to outside the site are only to sources a page names (none to scripts or styles)
    outside = {urlparse(u).netloc for facts in visits.values() for u in facts["assets"] if not u.startswith(base)}
    assert not outside, outside


def test_every_figure_and_table_has_alt_text_and_its_numbers(visits, server):
    base, root = server
    figures = [(page, f) for (page, width), facts in visits.items() if width == 1280 for f in facts["figures"]]
    tables = [(page, t) for (page, width), facts in visits.items() if width == 1280 for t in facts["tables"]]
    assert len(figures) > 40 and len(tables) > 40
    for page, figure in figures:
        alt = figure["alt"]
        assert len(alt) > 30 and figure["src"].split("/")[-1] not in alt and "_images" not in alt, (page, figure)
        assert figure["csv"], (page, figure["src"], "no CSV link")
    for page, table in tables:
        assert table["csv"], (page, table["caption"], "no CSV link")


def test_one_search_box_and_the_banner_once(visits):
    for (page, width), facts in visits.items():
        if width == 1280:
            # (the search page has its own form besides)
            assert facts["searchBoxes"] <= (2 if page == "search.html" else 1), page
            assert facts["banners"] == 1 and facts["bannerRepeats"] == 1, (page, facts["bannerRepeats"])
            # a footer that names the report (no "Ved <author>")
            assert "genberegning" in facts["footer"] and "Ved " not in facts["footer"], (page, facts["footer"])


def test_the_site_publishes_the_numbers(server):
    base, root = server
    data = root / "_downloads"
    names = {p.name for p in data.rglob("*.csv")}
    assert {"results.csv", "reproduction.csv", "scalars.csv", "tables.csv", "series.csv", "estimates.csv"} <= names


def test_screenshots_are_kept_for_review(visits):
    shots = sorted(SCREENSHOTS.glob("*.png"))
    assert len(shots) >= 2 * len(SHOT_PAGES), shots
