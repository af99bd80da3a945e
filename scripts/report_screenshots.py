#!/usr/bin/env python3
"""Regenerate docs/img/report-index.png, docs/img/report-checkout.png and
docs/img/report-panel-changed.png.

Commits the example catalog into a temp git repository, changes checkout's availability
objective (99.9 -> 99.5) and removes its CheckoutQueueBacklog alert, runs
``obskit report --demo --failing checkout --since 6h --base HEAD`` on it and screenshots
the index and the checkout page with headless chromium. Needs prometheus, promtool, git
and chromium.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHOTS = {"index": (1200, 900), "checkout": (1400, 2150)}
#: the changed panel shown in docs/report.md (the objective it draws changed)
PANEL_PNG = "panels/checkout-slo-availability-burn-rate-over-time.png"


def main() -> int:
    chromium = shutil.which("chromium")
    if not chromium:
        print("needs chromium (apt-get install -y chromium)", file=sys.stderr)
        return 3
    with tempfile.TemporaryDirectory(prefix="obskit-shots-") as tmp:
        work = Path(tmp)
        text = (REPO / "catalog.yaml").read_text()
        (work / "catalog.yaml").write_text(text)
        git = ["git", "-c", "user.name=docs", "-c", "user.email=docs@example.com"]
        subprocess.run([*git, "init", "-q"], cwd=work, check=True)
        subprocess.run([*git, "add", "-A"], cwd=work, check=True)
        subprocess.run([*git, "commit", "-qm", "base"], cwd=work, check=True)
        head, checkout = text.split("  - name: checkout\n", 1)
        checkout = checkout.replace("objective: 99.9", "objective: 99.5", 1)
        checkout = re.sub(
            r"    alerts:\n      - alert: CheckoutQueueBacklog\n(      .*\n|        .*\n)*",
            "",
            checkout,
            count=1,
        )
        (work / "catalog.yaml").write_text(head + "  - name: checkout\n" + checkout)
        obskit = [sys.executable, "-m", "obskit", "report", str(work / "catalog.yaml")]
        out = work / "report"
        subprocess.run(
            [
                *obskit,
                "--demo",
                "--failing",
                "checkout",
                "--since",
                "6h",
                "--base",
                "HEAD",
                "-o",
                str(out),
            ],
            check=True,
        )
        for page, (width, height) in SHOTS.items():
            target = REPO / f"docs/img/report-{page}.png"
            subprocess.run(
                [
                    chromium,
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--hide-scrollbars",
                    f"--window-size={width},{height}",
                    f"--user-data-dir={work / 'profile'}",
                    f"--screenshot={target}",
                    (out / f"{page}.html").as_uri(),
                ],
                check=True,
                capture_output=True,
            )
            print(f"wrote {target.relative_to(REPO)}")
        # one of the PNGs report.md links for a changed panel
        target = REPO / "docs/img/report-panel-changed.png"
        shutil.copyfile(out / PANEL_PNG, target)
        print(f"wrote {target.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
