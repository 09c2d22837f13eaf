#!/usr/bin/env python3
"""Regenerate docs/images/html-pipeline.png, README's picture of `forkdbg trace --html`:
a busybox pipeline traced, its page opened in headless chromium (Debian's chromium and
chromedriver, driven by selenium), the window saved as PNG.

    python3 docs/screenshot.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "images" / "html-pipeline.png"


def main() -> int:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "pipeline.html"
        subprocess.run([sys.executable, "-m", "forkdbg", "trace", "-f", "-o", "/dev/null",
                        "--seed", "0", "--epoch", "0", "--html", str(page), "/bin/busybox",
                        "sh", "-c", "echo hello | tr a-z A-Z | cat"], check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL)
        opts = webdriver.ChromeOptions()
        opts.binary_location = "/usr/bin/chromium"
        for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                    "--window-size=1400,420"):
            opts.add_argument(arg)
        browser = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
        try:
            browser.get(page.as_uri())
            OUT.parent.mkdir(parents=True, exist_ok=True)
            browser.save_screenshot(str(OUT))
        finally:
            browser.quit()
    print(OUT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
