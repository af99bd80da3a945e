"""PNG images of single panels for ``report.md``: headless chromium screenshots of a page
holding one panel (drawn as on the service page, plotly.js loaded from beside it)."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from obskit.report.page import PLOTLY_JS

#: pixels per gridPos width unit (24 units: 1200 px, a laptop-wide dashboard)
COLUMN_PX = 50
#: where the images go, relative to the report folder
FOLDER = "panels"


class ImageError(RuntimeError):
    """chromium failed to take a screenshot (one line)."""


@dataclass(frozen=True)
class PanelShot:
    """A one-panel page to screenshot: its diff key, HTML and size in pixels."""

    key: str
    html: str
    width: int
    height: int


def image_name(key: str, taken: set[str]) -> str:
    """A stable file name for panel ``key`` (``checkout: SLO x / Burn rate`` ->
    ``checkout-slo-x-burn-rate.png``), ``-2``, ``-3`` ... when ``taken`` has it."""
    slug = re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-")[:80] or "panel"
    name, n = f"{slug}.png", 1
    while name in taken:
        n += 1
        name = f"{slug}-{n}.png"
    taken.add(name)
    return name


def find_chromium() -> str | None:
    return next(
        (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p),
        None,
    )


def screenshot(chromium: str, page: Path, png: Path, width: int, height: int, tmp: Path) -> None:
    """``page`` rendered at ``width`` x ``height`` into ``png``."""
    run = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
            f"--window-size={width},{height}",
            "--virtual-time-budget=5000",
            f"--user-data-dir={tmp / 'profile'}",
            f"--screenshot={png}",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if run.returncode or not png.is_file():
        tail = (run.stderr.strip().splitlines() or ["no output"])[-1][:300]
        raise ImageError(f"chromium could not screenshot {page.name}: {tail}")


def write_images(shots: list[PanelShot], out: Path, chromium: str) -> dict[str, str]:
    """One PNG per shot under ``out/panels/`` (replacing those there); ``{key:
    "panels/<name>.png"}``."""
    from plotly.offline import get_plotlyjs

    folder = out / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.png"):  # of an earlier run: report.md links only these
        stale.unlink()
    taken: set[str] = set()
    written: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="obskit-shots-") as name:
        tmp = Path(name)
        (tmp / PLOTLY_JS).write_text(get_plotlyjs(), encoding="utf-8")
        for shot in shots:
            file = image_name(shot.key, taken)
            page = tmp / file.replace(".png", ".html")
            page.write_text(shot.html, encoding="utf-8")
            screenshot(chromium, page, folder / file, shot.width, shot.height, tmp)
            written[shot.key] = f"{FOLDER}/{file}"
    return written
