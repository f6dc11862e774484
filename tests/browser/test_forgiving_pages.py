"""Residents' pages at phone size, as a phone user with shaky hands finds them: a form with an error keeps
every answer, a stale form is sent again without retyping, and the vote page says what is really missing."""
from datetime import timedelta

from selenium.webdriver.common.by import By
from sqlalchemy import func, select

from core.complaints.models import Complaint
from core.consultation import surveys
from core.consultation.models import SurveyResponse
from core.db import db, db_now
from core.register.lookup import flat_by_code
from core.residents.links import issue_link
from core.votes.ballots import cast
from core.votes.tally import live_tally
from tests import factories
from tests.browser.conftest import screenshot
from tests.browser.test_roles import _go, _text


def _sign_in(driver, live_server, token):
    driver.get(f"{live_server}/r/login/{token}")
    _go(driver, driver.find_element(By.CSS_SELECTOR, "button.big"))


def test_a_survey_with_a_missing_answer_keeps_the_answers_given(live_server, phone_browser):
    estate = factories.estate(name="幸福里", buildings=("3",), units=2, floors=3)
    worker = factories.user("worker", estate.community)
    now = db_now(db.session)
    survey = surveys.create_survey(worker, estate, "改造满意度调查", now, now + timedelta(days=7),
                                   surveys.DEFAULT_QUESTIONS, anonymous=False)
    surveys.open_survey(survey, worker)
    token = issue_link(flat_by_code(estate, "3-1-101").owners[0])
    survey_id = survey.id
    db.session.commit()
    driver = phone_browser
    _sign_in(driver, live_server, token)
    driver.get(f"{live_server}/r/surveys/{survey_id}")
    questions = driver.find_elements(By.CSS_SELECTOR, "fieldset.card")
    questions[0].find_element(By.CSS_SELECTOR, "input[value='4']").click()  # the second required one is left out
    questions[3].find_element(By.TAG_NAME, "textarea").send_keys("希望楼道多装几盏灯")
    _go(driver, driver.find_element(By.CSS_SELECTOR, "#survey-form button[type=submit]"))
    screenshot(driver, "resident-survey-error-kept")
    questions = driver.find_elements(By.CSS_SELECTOR, "fieldset.card")
    assert questions[0].find_element(By.CSS_SELECTOR, "input[value='4']").is_selected()
    assert questions[3].find_element(By.TAG_NAME, "textarea").get_attribute("value") == "希望楼道多装几盏灯"
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 0
    db.session.rollback()


def test_a_stale_form_is_sent_again_without_retyping(live_server, phone_browser):
    estate = factories.estate(name="幸福里", buildings=("3",), units=2, floors=3)
    token = issue_link(flat_by_code(estate, "3-1-101").owners[0])
    db.session.commit()
    driver = phone_browser
    _sign_in(driver, live_server, token)
    driver.get(f"{live_server}/r/complaints")
    driver.find_element(By.NAME, "text").send_keys("3栋2单元楼道灯坏了一个星期")
    # The page stayed open while the session's token changed (a new day, another tab signing in again).
    driver.execute_script("document.querySelector('#complaint-form input[name=csrf_token]').value = 'stale'")
    _go(driver, driver.find_element(By.CSS_SELECTOR, "#complaint-form button[type=submit]"))
    assert "页面放得太久了" in _text(driver) and "3栋2单元楼道灯坏了一个星期" in _text(driver)
    screenshot(driver, "resident-stale-form")
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Complaint)) == 0
    db.session.rollback()
    _go(driver, driver.find_element(By.CSS_SELECTOR, "form button.big"))
    db.session.expire_all()
    assert db.session.scalar(select(Complaint.text)) == "3栋2单元楼道灯坏了一个星期"
    db.session.rollback()


def test_the_vote_page_says_what_is_really_missing(live_server, phone_browser):
    estate = factories.estate(name="幸福里", buildings=("3",), units=1, floors=3, area="60.00")
    flats = factories.flats_of(estate)
    flats[0].area = 140  # one large flat: the headcount can be met while the area is not
    db.session.flush()
    vote = factories.vote(estate, rule="civil_code_major")
    for flat in flats[1:5]:
        cast(vote.id, flat, "agree", channel="web", idempotency_key=f"w{flat.id}", owner=flat.owners[0])
    token = issue_link(flats[0].owners[0])
    vote_id = vote.id
    db.session.commit()
    driver = phone_browser
    _sign_in(driver, live_server, token)
    driver.get(f"{live_server}/r/votes/{vote_id}")
    sentence = driver.find_element(By.ID, "progress-sentence").text
    screenshot(driver, "resident-vote-missing")
    tally = live_tally(vote)
    assert tally.missing_area and not tally.passed
    assert "还差同意" in sentence and f"{tally.missing_area} 平方米" in sentence
    assert "0 户" not in sentence and "已通过" not in _text(driver)
