"""Template helpers: times in Asia/Shanghai, rule labels."""
from datetime import datetime, timezone

from core.db import local
from core.votes.ballots import CHANNEL_LABELS
from core.votes.consent import RULES
from nlp.stopwords import topical


def rule_label(vote) -> str:
    if vote.rule in RULES:
        return RULES[vote.rule].label
    f = vote.fractions or {}
    part = f"参与 {f['participation']} 以上，" if f.get("participation") else ""
    return f"自定义：{part}同意{'超过' if f.get('approval_strict') else ''} {f.get('approval')}{'' if f.get('approval_strict') else ' 以上'}"


def local_any(moment) -> str:
    """A UTC moment, or an ISO 8601 text of one (as model files store it), in Beijing time; "" for none."""
    if not moment:
        return ""
    if isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(moment)
        except ValueError:
            return moment
    if moment.tzinfo is None:  # naive moments are UTC, as the database stores them
        moment = moment.replace(tzinfo=timezone.utc)
    return local(moment)


def init_app(app):
    app.add_template_filter(local_any, "local")
    app.add_template_global(rule_label)
    app.add_template_global(CHANNEL_LABELS, "channel_labels")
    app.add_template_global(topical)
