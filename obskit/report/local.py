"""``report --local --scrape HOST:PORT``: a throwaway Prometheus scraping a running service
for a while, then the report drawn from what it collected."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass

from obskit.catalog.model import ResolvedService
from obskit.preview.connection import Server
from obskit.preview.local import (
    LocalError,
    LocalOptions,
    last_error,
    local_prometheus,
    target_up,
    terminate_on_sigterm,
)

#: no rules: the report expands recorded series itself
NO_RULES = b"groups: []\n"


@dataclass(frozen=True)
class Collected:
    """The local server after collecting: its API and the unix time of the first scrape."""

    server: Server
    since: float
    pid: int


def _target_error(server: Server) -> str:
    targets = server.api_get("targets", state="active")["activeTargets"]
    return next((t["lastError"] for t in targets if t.get("lastError")), "not scraped yet")


@contextlib.contextmanager
def collect(service: ResolvedService, options: LocalOptions, seconds: float) -> Iterator[Collected]:
    """Scrape ``options.scrape`` as ``service`` every ``options.refresh`` seconds: wait until
    the target is up (LocalError after ``options.start_timeout``), then ``seconds`` more;
    the server is stopped and removed on exit (also on Ctrl-C or SIGTERM)."""
    with terminate_on_sigterm(), local_prometheus(service, NO_RULES, options) as running:
        deadline = time.monotonic() + options.start_timeout
        while not target_up(running.server):
            if running.process.poll() is not None:
                raise LocalError(f"prometheus exited: {last_error(running.log)}")
            if time.monotonic() > deadline:
                raise LocalError(
                    f"--scrape {options.scrape}: target not up after "
                    f"{options.start_timeout:g}s: {_target_error(running.server)}"
                )
            time.sleep(min(0.5, options.refresh))
        since = time.time() - options.refresh
        time.sleep(seconds)
        yield Collected(running.server, since, running.process.pid)
