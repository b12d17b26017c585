"""The report pages in Chromium on a 360 px phone and a 1280 px desktop: chart labels at least
11 px on screen (the SVG's font size times the scale the image is shown at), no sideways
scrolling of the page, the menu closed on a phone, the print stylesheet hiding the controls.
Screenshots go to ``$RADIANT_TEST_ARTIFACTS/reports-browser/``."""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from radiant_ext.reports import ReportSettings
from tests._browser import artifacts, chromium
from tests._serve import in_thread
from tests.reports._pages import fill, reports_app
from tests.reports.conftest import MakeTicket

pytestmark = [pytest.mark.browser]

PAGES = {360: ("stores", "weekday-hour", "volume", "steps-now"),
         1280: ("stores", "weekday-hour", "steps-now")}
WEEK = "from=2026-11-10&to=2026-11-23"


def _smallest_font(svg: str) -> float:
    """The smallest font size of the SVG's text, in its own units (pygal's from its CSS)."""
    sizes = [float(s) for s in re.findall(r'font-size="([\d.]+)"', svg)]
    sizes += [float(s) for s in re.findall(r"font-size:\s*([\d.]+)px", svg)]
    return min(sizes)


def _shown_font(page: Any) -> tuple[float, float]:
    """The smallest chart label as the screen shows it, in CSS px, and the width the chart
    was drawn at (at most 340 on a phone)."""
    src, width = page.eval_on_selector(
        ".report-chart img", "img => [img.currentSrc, img.getBoundingClientRect().width]")
    svg = base64.b64decode(src.split(",", 1)[1]).decode()
    drawn = float(ET.fromstring(svg).attrib["viewBox"].split()[2])
    return _smallest_font(svg) * width / drawn, drawn


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_charts_are_readable_and_pages_fit_a_phone(
        engine: Engine, session: Session, make_ticket: MakeTicket,
        report_settings: ReportSettings, tmp_path: Path) -> None:
    fill(make_ticket, session)
    shots = artifacts(tmp_path, "reports-browser")
    with in_thread(reports_app(engine, report_settings)) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 360, "height": 800}, locale="ru-RU")
        page.goto(f"{url}/reports/login")
        page.fill("#login", "it-agent")
        page.fill("#password", "demo")
        page.press("#password", "Enter")
        for width in (360, 1280):
            page.set_viewport_size({"width": width, "height": 800})
            for name in PAGES[width]:
                page.goto(f"{url}/reports/{name}?{WEEK}")
                page.screenshot(path=shots / f"{name}-{width}.png", full_page=True)
                font, drawn = _shown_font(page)
                assert font >= 11 and (drawn <= 340) == (width == 360), (name, width, font)
                scroll = page.evaluate("document.documentElement.scrollWidth")
                assert scroll <= width, (name, width, scroll)
            if width == 360:  # one closed line that opens without script
                assert not page.is_visible(".reports-menu ul")
                assert not page.is_visible(".reports-list")
                page.click(".reports-menu summary")
                assert page.is_visible(".reports-menu a[aria-current=page]")
            else:
                assert page.is_visible(".reports-list") and not page.is_visible(".reports-menu")
        page.goto(f"{url}/reports/stores/print?{WEEK}")
        page.emulate_media(media="print")
        assert not page.is_visible(".site-header") and not page.is_visible(".print-tools")
        assert page.is_visible(".report-chart img") and page.is_visible("#report-table")
