"""All models, imported here so that Alembic and the app see every table."""
from core.models.register import Street, Community, Estate, Building, Unit, Flat, Owner  # noqa: F401
from core.models.account import User, Role  # noqa: F401
from core.models.audit import AuditEntry  # noqa: F401
from core.models.vote import Vote, VoteFlat, BallotEntry, Ballot  # noqa: F401
from core.models.resident import SignInLink  # noqa: F401
from core.models.wechat import Binding, BindingCode, BindingAttempt, InboundMessage, Push, CachedToken  # noqa: F401
from core.models.department import Department  # noqa: F401
from core.models.complaint import Complaint, ComplaintEvent, ComplaintPhoto, RoutingCorrection  # noqa: F401
from core.models.demand import DemandSurvey, DemandItem, DemandResponse, DemandChoice  # noqa: F401
from core.models.notice import Notice, NoticeAttachment, NoticeComment  # noqa: F401
from core.models.survey import Survey, SurveyQuestion, SurveyParticipation, SurveyResponse  # noqa: F401
