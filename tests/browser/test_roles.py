"""One journey per role in headless Chromium: a resident (phone-sized) answers a demand survey and objects to
a notice; a worker publishes a notice; a street officer downloads the monthly report."""
import time
from datetime import timedelta

import openpyxl
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlalchemy import select

from core.consultation import demands, notices
from core.consultation.models import DemandResponse, Notice, NoticeComment
from core.db import db, db_now
from core.register.lookup import flat_by_code
from core.residents.links import issue_link
from core.residents.models import Binding, Push
from tests import factories
from tests.browser.conftest import screenshot
from tests.factories import PASSWORD


def _estate():
    estate = factories.estate(name="幸福里", buildings=("3",), units=2, floors=3)
    worker = factories.user("worker", estate.community)
    return estate, worker


def _go(driver, element) -> None:
    """Click something that loads a new page, and wait until the new page has replaced the old one."""
    driver.execute_script("window.leaving = true")  # the next page's window will not have it
    element.click()
    # While the page changes, the driver may answer with errors about the old document: wait through them.
    WebDriverWait(driver, 15, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.execute_script("return !window.leaving && document.readyState === 'complete'"))


def _text(driver) -> str:
    return driver.find_element(By.TAG_NAME, "body").text


def _staff_login(driver, live_server, username):
    driver.get(f"{live_server}/login")
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    _go(driver, driver.find_element(By.CSS_SELECTOR, "form button[type=submit]"))


def test_a_resident_answers_a_demand_survey_and_objects_to_a_notice(live_server, phone_browser):
    estate, worker = _estate()
    now = db_now(db.session)
    survey = demands.create_survey(worker, estate, "幸福里改造需求征集", now, now + timedelta(days=14),
                                   demands.menu_text())
    demands.open_survey(survey, worker)
    notice = notices.draft(worker, estate, "幸福里改造方案公示", "一、雨污分流\n二、加装电梯\n三、停车位改造")
    notices.schedule(notice, worker, now, now + timedelta(days=7))
    notices.advance()
    owner = flat_by_code(estate, "3-1-101").owners[0]
    token = issue_link(owner)
    elevator = next(i.position for i in survey.items if i.name == "加装电梯")
    parking = next(i.position for i in survey.items if i.name == "停车位和车库")
    notice_id = notice.id
    db.session.commit()  # and touch no row until the browser is done: SQLite allows one writer
    driver = phone_browser

    driver.get(f"{live_server}/r/login/{token}")
    _go(driver, driver.find_element(By.CSS_SELECTOR, "button.big"))
    assert "幸福里改造需求征集" in _text(driver) and "幸福里改造方案公示" in _text(driver)
    screenshot(driver, "resident-home")

    _go(driver, driver.find_element(By.PARTIAL_LINK_TEXT, "幸福里改造需求征集"))
    driver.find_element(By.XPATH, "//summary[starts-with(., '完善类')]").click()  # groups open when tapped
    driver.find_element(By.CSS_SELECTOR, f"input[name=item][value='{parking}']").click()
    Select(driver.find_element(By.ID, "top1")).select_by_value(str(elevator))
    driver.find_element(By.ID, "comment").send_keys("老人上楼难，希望先装电梯")
    screenshot(driver, "resident-demand-filled")
    _go(driver, driver.find_element(By.CSS_SELECTOR, "#demand-form button[type=submit]"))
    assert "已记录您家的需求" in _text(driver)
    screenshot(driver, "resident-demand-saved")
    db.session.expire_all()
    response = db.session.scalar(select(DemandResponse))
    assert {(c.item.name, c.rank) for c in response.choices} == {("加装电梯", 1), ("停车位和车库", None)}
    assert response.comment == "老人上楼难，希望先装电梯" and response.channel == "web"
    db.session.rollback()  # end the read, so the server can write

    driver.get(f"{live_server}/r/notices/{notice_id}")
    driver.find_element(By.CSS_SELECTOR, "input[name=kind][value=objection]").click()
    driver.find_element(By.NAME, "text").send_keys("停车位规划占了绿地，不同意")
    _go(driver, driver.find_element(By.CSS_SELECTOR, "#comment-form button[type=submit]"))
    assert "已提交" in _text(driver) and "异议（我家）：停车位规划占了绿地，不同意" in _text(driver)
    screenshot(driver, "resident-notice")
    db.session.expire_all()
    assert db.session.scalar(select(NoticeComment.kind)) == "objection"


def test_a_worker_publishes_a_notice(live_server, desktop_browser):
    estate, worker = _estate()
    owner = flat_by_code(estate, "3-2-301").owners[0]
    db.session.add(Binding(openid="o-bound", owner_id=owner.id, method="code"))
    username, estate_id, worker_id = worker.username, estate.id, worker.id
    db.session.commit()  # and touch no row until the browser is done: SQLite allows one writer
    driver = desktop_browser

    _staff_login(driver, live_server, username)
    driver.get(f"{live_server}/console/estates/{estate_id}/renovation")
    driver.find_element(By.XPATH, "//summary[text()='新建公示']").click()
    form = driver.find_element(By.CSS_SELECTOR, "#notices form")
    form.find_element(By.NAME, "title").send_keys("3栋外墙保温改造方案")
    form.find_element(By.NAME, "body").send_keys("外墙保温采用岩棉板，施工期两个月。")
    _go(driver, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    assert "公示已发布" in _text(driver) and "3栋外墙保温改造方案（公示中，异议 0 条）" in _text(driver)
    db.session.expire_all()
    notice = db.session.scalar(select(Notice))
    assert notice.status == "published" and notice.created_by_id == worker_id
    push = db.session.scalar(select(Push).where(Push.kind == "notice_published"))
    assert (push.openid, push.url) == ("o-bound", f"/r/notices/{notice.id}")


def test_a_street_officer_downloads_the_monthly_report(live_server, desktop_browser, tmp_path):
    estate, _ = _estate()
    staff = factories.user("street", street_=estate.community.street)
    username = staff.username
    db.session.commit()
    driver = desktop_browser

    _staff_login(driver, live_server, username)
    _go(driver, driver.find_element(By.LINK_TEXT, "改造进度"))
    assert "幸福里" in _text(driver) and "成立组织" in _text(driver)
    driver.find_element(By.CSS_SELECTOR, "#monthly-report button[type=submit]").click()
    downloads = tmp_path / "downloads"
    deadline = time.monotonic() + 15
    while not list(downloads.glob("*.xlsx")) and time.monotonic() < deadline:
        time.sleep(0.2)
    (report,) = downloads.glob("*.xlsx")
    assert report.name.startswith("老旧小区改造进度-")
    rows = list(openpyxl.load_workbook(report).active.iter_rows(values_only=True))
    assert rows[1][1:3] == ("幸福里", "成立组织")
