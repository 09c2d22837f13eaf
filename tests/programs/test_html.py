"""forkdbg trace --html, opened in a real browser: Debian's chromium, headless, driven by
selenium through Debian's chromedriver (nothing downloaded).  The page is checked through
its DOM, and a screenshot is saved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import BUSYBOX, ENV, forkdbg, require, sample

ENVOPTS = ["--env-clear"] + [x for k, v in ENV.items() for x in ("-E", f"{k}={v}")]


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    chromium, driver = require("chromium"), require("chromedriver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                "--disable-gpu", "--window-size=1400,900"):
        opts.add_argument(arg)
    b = webdriver.Chrome(service=Service(driver), options=opts)
    yield b
    b.quit()


def _page(tmp_path: Path, argv: list[str]) -> tuple[Path, dict]:
    html, tl = tmp_path / "view.html", tmp_path / "timeline.json"
    r = forkdbg(["trace", "-f", "--html", str(html), "--timeline", str(tl), "-o",
                 str(tmp_path / "trace")] + ENVOPTS + argv)
    assert r.status == 0, r.err
    text = html.read_text()
    assert "http://" not in text.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in text and "<script src" not in text  # self-contained
    return html, json.loads(tl.read_text())


def test_a_pipeline_drawn_in_a_browser(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    require(BUSYBOX)
    html, doc = _page(tmp_path, [BUSYBOX, "sh", "-c", "echo a | tr a b | cat"])
    events = doc["traceEvents"]
    browser.get(html.as_uri())
    lanes = browser.find_elements("css selector", "g.lane")
    threads = {e["tid"] for e in events if e["name"] == "thread_name"}
    assert sorted(int(g.get_attribute("data-tid")) for g in lanes) == sorted(threads)
    flows = browser.find_elements("css selector", "path.flow")
    assert len(flows) == sum(1 for e in events if e["ph"] == "s") >= 3
    labels = [t.text for t in browser.find_elements("css selector", "text.exec")]
    assert sorted(labels) == ["cat", "tr"]  # each exec, by the name it was given
    shaded = browser.execute_script(
        "return [...document.querySelectorAll('rect.blocked title')].map(t => t.textContent)")
    assert "blocked in wait4" in shaded
    titles = browser.execute_script(
        "return [...document.querySelectorAll('rect.slice title')].map(t => t.textContent)")
    assert any(t.startswith("pipe2(") or t.startswith("clone(") for t in titles)
    tree = browser.find_element("id", "tree").text
    assert tree.startswith("1000  start  exec") and "└─" in tree
    browser.save_screenshot(str(tmp_path / "pipeline.png"))
    assert (tmp_path / "pipeline.png").stat().st_size > 10_000


def test_zooming_shows_the_calls_of_a_range(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    html, doc = _page(tmp_path, [sample("glibc", "threads"), "4", "2000"])
    browser.get(html.as_uri())
    v0, v1, t0, t1 = browser.execute_script("return window.forkdbg.view()")
    assert (v0, v1) == (t0, t1)
    whole = len(browser.find_elements("css selector", "rect.slice:not(.agg)"))
    mid = (t0 + t1) / 2
    a, b = mid - (t1 - t0) / 200, mid + (t1 - t0) / 200
    browser.execute_script("window.forkdbg.zoom(arguments[0], arguments[1])", a, b)
    assert browser.execute_script("return window.forkdbg.view()")[:2] == [a, b]
    starts = browser.execute_script(
        "return [...document.querySelectorAll('rect.slice:not(.agg)')]"
        ".map(r => +r.getAttribute('data-ts'))")
    calls = [e for e in doc["traceEvents"] if e.get("cat") == "syscall"]
    want = [e for e in calls if e["ts"] + e["dur"] >= a and e["ts"] <= b]
    assert want and len(starts) == len(want)
    assert all(a - 1e6 < s <= b for s in starts)
    assert len(starts) != whole or whole == len(calls)


def test_a_hundred_thousand_calls_stay_light(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Calls shorter than a pixel are merged per lane and pixel: the page of 100,000 calls
    draws at most a few rectangles per pixel column, and a zoom draws what it shows."""
    html, doc = _page(tmp_path, [sample("glibc", "getppid"), "100000"])
    assert sum(1 for e in doc["traceEvents"] if e.get("cat") == "syscall") > 100_000
    browser.get(html.as_uri())
    rects = browser.execute_script("return document.querySelectorAll('rect').length")
    width = browser.execute_script("return document.getElementById('chart').width.baseVal.value")
    assert rects < 3 * width
    merged = browser.execute_script(
        "return [...document.querySelectorAll('rect.agg title')]"
        ".reduce((n, t) => n + parseInt(t.textContent), 0)")
    assert merged > 90_000  # most calls are in a merged bar, none is lost
