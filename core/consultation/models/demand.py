"""Demand collection (需求征集): a survey over an estate's renovation menu, one answer per flat."""
from core.consultation.models.period import Period
from core.db import UTCDateTime, db, utcnow

CATEGORY_LABELS = {"basic": "基础类", "improvement": "完善类", "upgrade": "提升类"}


class DemandSurvey(Period, db.Model):
    id = db.Column(db.Integer, primary_key=True)
    items = db.relationship("DemandItem", order_by="DemandItem.position", back_populates="survey")


class DemandItem(db.Model):
    """One line of the menu; `key` marks items the results treat specially (elevator: per unit)."""

    id = db.Column(db.Integer, primary_key=True)
    survey_id = db.Column(db.ForeignKey("demand_survey.id"), nullable=False, index=True)
    position = db.Column(db.Integer, nullable=False)  # the number residents type in the chat
    category = db.Column(db.String(12), nullable=False)
    name = db.Column(db.String(40), nullable=False)
    key = db.Column(db.String(20), nullable=False, default="")

    survey = db.relationship("DemandSurvey", back_populates="items")

    __table_args__ = (db.UniqueConstraint("survey_id", "position"),
                      db.CheckConstraint("category IN ('basic', 'improvement', 'upgrade')", name="category_known"))

    @property
    def category_label(self) -> str:
        return CATEGORY_LABELS[self.category]


class DemandResponse(db.Model):
    """A flat's answer: the items it wants, its top three in order, a sentence. The latest answer counts."""

    id = db.Column(db.Integer, primary_key=True)
    survey_id = db.Column(db.ForeignKey("demand_survey.id"), nullable=False)
    flat_id = db.Column(db.ForeignKey("flat.id"), nullable=False, index=True)
    owner_id = db.Column(db.ForeignKey("owner.id"))
    channel = db.Column(db.String(10), nullable=False)  # wechat | web | paper
    comment = db.Column(db.String(300), nullable=False, default="")
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    flat = db.relationship("Flat")
    choices = db.relationship("DemandChoice", cascade="all, delete-orphan", back_populates="response")

    __table_args__ = (db.UniqueConstraint("survey_id", "flat_id"),)


class DemandChoice(db.Model):
    response_id = db.Column(db.ForeignKey("demand_response.id"), primary_key=True)
    item_id = db.Column(db.ForeignKey("demand_item.id"), primary_key=True)
    rank = db.Column(db.SmallInteger)  # 1–3 for the top three, else None

    response = db.relationship("DemandResponse", back_populates="choices")
    item = db.relationship("DemandItem")

    __table_args__ = (db.CheckConstraint("rank IS NULL OR (rank >= 1 AND rank <= 3)", name="rank_range"),)
