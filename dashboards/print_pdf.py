"""Print an HTML page to PDF with a headless Chromium (Debian's ``chromium``), offline.

The page is written to a temporary file and printed with ``--print-to-pdf`` and no header or
footer, so the PDF is exactly what the page's print CSS (``@page { size: A4 }``) lays out. No
network: the page must embed everything it shows, and Chromium runs with background
networking, sync and component updates off, in a throw-away profile.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from journeys.errors import InputError

__all__ = ["BROWSER_FLAGS", "CHROMIUM_FLAGS", "CHROMIUM_NAMES", "find_chromium", "html_to_pdf"]

#: Executables tried in order when no path is given.
CHROMIUM_NAMES: tuple[str, ...] = ("chromium", "chromium-browser", "google-chrome", "chrome")
#: Headless Chromium on a closed network: no background requests, updates or sync (the
#: browser tests and the dashboard benchmark start it the same way).
BROWSER_FLAGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
#: Printing to PDF: the same, without the page's date and address in header and footer.
CHROMIUM_FLAGS: tuple[str, ...] = (*BROWSER_FLAGS, "--no-pdf-header-footer")


def find_chromium() -> Path | None:
    """The first Chromium on ``PATH`` (:data:`CHROMIUM_NAMES`), or None."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


def html_to_pdf(html: str, out: str | Path, *, chromium: Path | None = None) -> Path:
    """Print ``html`` to the PDF file ``out``; an :class:`InputError` when no Chromium exists."""
    browser = chromium or find_chromium()
    target = Path(out).resolve()
    if browser is None:
        raise InputError(
            "no Chromium found to print a PDF",
            file=target,
            hint="install chromium (apt-get install chromium) or write .html and print it "
            "from a browser",
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="madoguchi-print-") as tmp:
        page = Path(tmp) / "page.html"
        page.write_text(html, encoding="utf-8")
        command = [
            str(browser),
            *CHROMIUM_FLAGS,
            f"--user-data-dir={Path(tmp) / 'profile'}",
            f"--print-to-pdf={target}",
            page.as_uri(),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    if done.returncode != 0 or not target.exists():
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise InputError(f"Chromium could not print the page ({last})", file=target)
    return target
