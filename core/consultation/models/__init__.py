"""Consultation's tables: demand surveys, plan notices, satisfaction surveys, and the period they share."""
from core.consultation.models.demand import (  # noqa: F401
    DemandChoice,
    DemandItem,
    DemandResponse,
    DemandSurvey,
)
from core.consultation.models.notice import Notice, NoticeAttachment, NoticeComment  # noqa: F401
from core.consultation.models.survey import (  # noqa: F401
    Survey,
    SurveyParticipation,
    SurveyQuestion,
    SurveyResponse,
)
