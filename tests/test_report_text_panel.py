"""Text panels in `obskit report` are drawn as Grafana draws them: markdown rendered."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

from obskit.report.page import text_panel_html

ROOT = Path(__file__).resolve().parent.parent


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.hrefs += [v or "" for k, v in attrs if k == "href"]


def _parse(markup: str) -> _Tags:
    parser = _Tags()
    parser.feed(markup)
    return parser


def test_the_example_about_panel_is_rendered_markdown() -> None:
    board = json.loads((ROOT / "dashboards" / "checkout.json").read_text())
    panel = next(p for p in board["panels"] if p.get("type") == "text")
    shown = _parse(text_panel_html(panel))
    assert "strong" in shown.tags and "li" in shown.tags
    assert any(h.startswith("https://runbooks.example.com/") for h in shown.hrefs)
    assert "**" not in text_panel_html(panel)


def test_raw_html_in_markdown_is_escaped_and_other_modes_are_preformatted() -> None:
    hostile = {"options": {"mode": "markdown", "content": "<script>alert(1)</script> *x*"}}
    shown = _parse(text_panel_html(hostile))
    assert "script" not in shown.tags and "em" in shown.tags
    plain = {"options": {"mode": "html", "content": "<b>bold</b>"}}
    assert _parse(text_panel_html(plain)).tags == ["div"]
