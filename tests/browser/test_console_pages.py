"""What a newcomer and a worker see in a desktop browser: the front page, a vote's progress chart when every
ballot fell on one day, and the complaints queue at 1366 px. Screenshots go to test-output/screenshots/."""
import re

import pytest
from selenium.webdriver.common.by import By

from core.db import db
from core.votes.ballots import cast
from tests import factories
from tests.browser.conftest import _chromium, screenshot
from tests.browser.test_roles import _go, _staff_login, _text

LAPTOP = (1366, 768)


@pytest.fixture
def laptop_browser(tmp_path):
    driver = _chromium(tmp_path, LAPTOP)
    yield driver
    driver.quit()


@pytest.mark.parametrize("app", [{"WECHAT_SIMULATOR": True}], indirect=True)
def test_the_front_page_shows_where_to_start_and_the_demo_resident_door_works(app, live_server, laptop_browser):
    from core.demo import seed

    seed()
    db.session.commit()
    driver = laptop_browser
    driver.get(live_server + "/")
    text = _text(driver)
    assert "登录工作台" in text and "居民" in text and "demo-worker-2026" in text and "打开微信模拟器" in text
    screenshot(driver, "landing")
    _go(driver, driver.find_element(By.LINK_TEXT, "登录工作台"))
    assert "工作人员登录" in _text(driver)
    driver.get(live_server + "/")
    _go(driver, driver.find_element(By.CSS_SELECTOR, "#demo form button"))
    _go(driver, driver.find_element(By.CSS_SELECTOR, "button.big"))  # the one-time link's 进入
    assert "粮食局家属院" in _text(driver) or "加装电梯" in _text(driver)


def test_a_vote_whose_ballots_fell_on_one_day_draws_a_curve_with_hours(live_server, laptop_browser):
    estate = factories.estate(name="幸福里")
    factories.user("worker", estate.community, username="li")
    vote = factories.vote(estate, opens_in=-3 * 3600)
    for n, flat in enumerate(factories.flats_of(estate)[:6]):
        cast(vote.id, flat, "agree" if n % 3 else "disagree", channel="web", idempotency_key=f"k{n}",
             owner=flat.owners[0])
    vote_id = vote.id
    db.session.commit()
    driver = laptop_browser
    _staff_login(driver, live_server, "li")
    driver.get(f"{live_server}/console/votes/{vote_id}")
    chart = driver.find_element(By.CSS_SELECTOR, "svg.chart")
    line = chart.find_element(By.CSS_SELECTOR, "polyline.agree")
    xs = {round(float(p.split(",")[0])) for p in line.get_attribute("points").split()}
    assert len(xs) >= 3  # a line across the plot, not one dot on the left edge
    box = line.rect
    assert box["width"] > 100 and box["height"] > 10
    labels = [t.text for t in chart.find_elements(By.CSS_SELECTOR, "text.tick-label")]
    # Hours on a short span; a span across midnight (Beijing time) names the day where it changes.
    assert labels and all(re.fullmatch(r"(\d\d-\d\d )?\d\d:\d\d", label) for label in labels), labels
    screenshot(driver, "vote-chart-one-day")


def test_the_complaints_queue_is_readable_at_1366_px_and_long_texts_fold(live_server, laptop_browser, routing):
    from core.complaints import tickets
    from core.complaints.tickets import Router

    estate = factories.estate(name="纺织厂宿舍")
    factories.user("worker", estate.community, username="li")
    flats = factories.flats_of(estate)
    long_text = "楼道灯坏了好几个月了，晚上上下楼特别黑，老人摔过两次。" * 18
    router = Router(routing, 0.99)  # to triage, where the queue shows them with the model's suggestions
    tickets.file_complaint(long_text[:500], "wechat", router, flat=flats[0], owner=flats[0].owners[0])
    tickets.file_complaint("下水道堵了，一楼返水", "wechat", router, flat=flats[1], owner=flats[1].owners[0])
    db.session.commit()
    driver = laptop_browser
    _staff_login(driver, live_server, "li")
    driver.get(f"{live_server}/console/complaints")
    table = driver.find_element(By.ID, "complaints")
    assert table.rect["width"] <= LAPTOP[0]  # no sideways scrolling
    heads = {th.text: th for th in table.find_elements(By.CSS_SELECTOR, "thead th")}
    for name in ("小区", "房屋", "业主", "部门"):
        assert heads[name].rect["width"] >= 60, (name, heads[name].rect)
    cells = table.find_elements(By.CSS_SELECTOR, "tbody tr")[0].find_elements(By.TAG_NAME, "td")
    for cell in cells[2:5]:  # 小区, 房屋, 业主: on one or two lines, not a character a line
        lines = driver.execute_script(
            "const r = document.createRange(); r.selectNodeContents(arguments[0]);"
            "return new Set([...r.getClientRects()].map(b => Math.round(b.top))).size", cell)
        assert lines <= 2, (cell.text, lines)
    folded = table.find_element(By.CSS_SELECTOR, "details.cut")
    assert folded.find_element(By.CSS_SELECTOR, ".full").is_displayed() is False
    assert "展开" in folded.text and folded.rect["height"] < 120
    screenshot(driver, "complaints-queue-1366")
    folded.find_element(By.TAG_NAME, "summary").click()
    assert folded.find_element(By.CSS_SELECTOR, ".full").is_displayed()
    screenshot(driver, "complaints-queue-1366-expanded")


def test_headings_get_smaller_from_h1_to_h3_on_console_and_residents_pages(live_server, laptop_browser):
    from core.residents.links import issue_link
    from tests.browser.conftest import PHONE

    estate = factories.estate(name="幸福里")
    factories.user("worker", estate.community, username="li")
    token = issue_link(factories.flats_of(estate)[0].owners[0])
    estate_id = estate.id
    db.session.commit()  # and touch no row until the browser is done: SQLite allows one writer
    driver = laptop_browser

    def sizes():
        return driver.execute_script(
            "const size = t => { const e = document.createElement(t); e.textContent = 'x';"
            " document.querySelector('main').appendChild(e); const s = parseFloat(getComputedStyle(e).fontSize);"
            " e.remove(); return s; }; return [size('h1'), size('h2'), size('h3')]")

    _staff_login(driver, live_server, "li")
    driver.get(f"{live_server}/console/estates/{estate_id}")
    h1, h2, h3 = sizes()
    assert h1 > h2 > h3, (h1, h2, h3)
    driver.set_window_size(*PHONE)
    driver.get(f"{live_server}/r/login/{token}")
    _go(driver, driver.find_element(By.CSS_SELECTOR, "button.big"))
    h1, h2, h3 = sizes()
    assert h1 > h2 > h3, (h1, h2, h3)
    screenshot(driver, "resident-home-headings")
