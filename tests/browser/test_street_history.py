"""A street officer, in Chromium: upload the street's ticket history, choose its columns, wait for the
training (the scheduler's job), compare it with the model in use, and promote it."""
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from sqlalchemy import select

from core.complaints.models import TrainingRun
from core.db import db
from core.jobs import train_uploads
from tests import factories
from tests.browser.conftest import screenshot
from tests.browser.test_roles import _go, _staff_login, _text
from tests.integration.test_street_history import history_csv


def test_a_street_officer_trains_compares_and_promotes(app, live_server, desktop_browser, routing, tmp_path):
    estate = factories.estate(name="幸福里", buildings=("3",), units=1, floors=2)
    officer = factories.user("street", street_=estate.community.street)
    username = officer.username
    db.session.commit()
    upload = tmp_path / "12345-history.csv"
    upload.write_bytes(history_csv())
    driver = desktop_browser

    _staff_login(driver, live_server, username)
    driver.get(f"{live_server}/console/classifier")
    _go(driver, driver.find_element(By.LINK_TEXT, "用本街道的历史工单训练新模型"))
    driver.find_element(By.ID, "file").send_keys(str(upload))
    _go(driver, driver.find_element(By.CSS_SELECTOR, "#history-upload button[type=submit]"))
    driver.find_element(By.CSS_SELECTOR, "input[name=text][value='诉求内容']").click()
    Select(driver.find_element(By.ID, "label")).select_by_value("承办单位")
    _go(driver, driver.find_element(By.CSS_SELECTOR, "#choose-columns button[type=submit]"))
    assert "排队中" in _text(driver)

    db.session.expire_all()
    run_id = db.session.scalar(select(TrainingRun.id))
    db.session.rollback()  # end the read: the job writes
    assert train_uploads(app.config) == run_id  # the scheduler's turn
    db.session.rollback()
    driver.get(f"{live_server}/console/classifier/history/{run_id}")
    assert "在同一批留出工单上比较" in _text(driver) and "自来水公司" in _text(driver)
    screenshot(driver, "console-training-comparison")
    driver.find_element(By.CSS_SELECTOR, "#promote button[type=submit]").click()  # unticked: the browser stays
    assert not driver.execute_script("return document.querySelector('#promote').checkValidity()")
    assert "已启用新模型" not in _text(driver)
    driver.find_element(By.CSS_SELECTOR, "#promote input[name=confirm]").click()
    _go(driver, driver.find_element(By.CSS_SELECTOR, "#promote button[type=submit]"))
    assert "已启用新模型" in _text(driver) and "其他街道不受影响" in _text(driver)
    driver.get(f"{live_server}/console/classifier")
    assert "标签对应的部门" in _text(driver) and "自来水公司" in _text(driver)
    assert "本街道用自己的历史工单训练的模型" in _text(driver)
