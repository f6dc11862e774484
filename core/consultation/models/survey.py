"""Satisfaction surveys (满意度调查): questions, who has answered, and the answers.

In an anonymous survey the answer is stored without flat, owner or time, under a random id; only the
participation row (flat, time) says who has answered, so that each flat answers once, and nothing
links the two.
"""
from sqlalchemy import JSON

from core.consultation.models.period import Period
from core.db import UTCDateTime, db, utcnow

QUESTION_KINDS = {"rating": "1–5分", "choice": "单选", "text": "文字"}


class Survey(Period, db.Model):
    id = db.Column(db.Integer, primary_key=True)
    anonymous = db.Column(db.Boolean, nullable=False, default=False)
    questions = db.relationship("SurveyQuestion", order_by="SurveyQuestion.position", back_populates="survey")


class SurveyQuestion(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    survey_id = db.Column(db.ForeignKey("survey.id"), nullable=False, index=True)
    position = db.Column(db.Integer, nullable=False)
    kind = db.Column(db.String(10), nullable=False)
    text = db.Column(db.String(200), nullable=False)
    options = db.Column(JSON, nullable=False, default=list)  # for a single choice
    required = db.Column(db.Boolean, nullable=False, default=True)

    survey = db.relationship("Survey", back_populates="questions")

    __table_args__ = (db.CheckConstraint("kind IN ('rating', 'choice', 'text')", name="kind_known"),)


class SurveyParticipation(db.Model):
    """That a flat has answered (and when): one answer per flat."""

    survey_id = db.Column(db.ForeignKey("survey.id"), primary_key=True)
    flat_id = db.Column(db.ForeignKey("flat.id"), primary_key=True)
    at = db.Column(UTCDateTime, nullable=False, default=utcnow)


class SurveyResponse(db.Model):
    id = db.Column(db.String(32), primary_key=True)  # random: insertion order says nothing
    survey_id = db.Column(db.ForeignKey("survey.id"), nullable=False, index=True)
    building_id = db.Column(db.ForeignKey("building.id"), nullable=False)  # for results per building
    flat_id = db.Column(db.ForeignKey("flat.id"))  # None in an anonymous survey
    owner_id = db.Column(db.ForeignKey("owner.id"))  # None in an anonymous survey
    answers = db.Column(JSON, nullable=False)  # {question id: 1–5 | option | text}

    # No timestamp, and on SQLite no rowid either: rows are kept in the order of their random ids,
    # not in the order flats answered (which SurveyParticipation would give away).
    __table_args__ = ({"sqlite_with_rowid": False},)
