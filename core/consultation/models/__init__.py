"""Consultation's tables: demand surveys, plan notices, satisfaction surveys, and the period they share."""
from core.consultation.models.demand import DemandChoice, DemandItem, DemandResponse, DemandSurvey  # noqa: F401
from core.consultation.models.notice import Notice, NoticeAttachment, NoticeComment  # noqa: F401
from core.consultation.models.survey import Survey, SurveyParticipation, SurveyQuestion, SurveyResponse  # noqa: F401
