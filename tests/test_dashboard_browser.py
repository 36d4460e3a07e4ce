"""In a real browser: the dashboard draws every chart (non-blank canvases) without console errors."""

import pytest

from tests.factories import methodologist
from tests.reports_world import small_round

# Counts the canvas pixels that are not fully transparent.
PAINTED_PIXELS = """canvas => {
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) painted++;
  return painted;
}"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_dashboard_draws_every_chart_without_console_errors(live_server, page, log_in):
    small_round()
    user = methodologist(username="metodist-browser")
    log_in(page, user.username)
    page.goto(f"{live_server.url}/ratings/dashboard/")
    page.wait_for_load_state("networkidle")

    charts = page.locator("canvas[data-chart]")
    assert charts.count() == 4  # completeness, histogram, levels, one city indicator
    for i in range(charts.count()):
        canvas = charts.nth(i)
        assert canvas.evaluate("c => c.width") > 100
        assert canvas.evaluate(PAINTED_PIXELS) > 500, canvas.get_attribute("data-chart")
    assert page.console_errors == []

    # The numbers behind a chart are one click away, for those who cannot read the chart.
    page.get_by_text("Таблица: полнота по районам").click()
    assert page.get_by_role("rowheader", name="Первомайский").first.is_visible()
