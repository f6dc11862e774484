"""Template helpers: times in Asia/Shanghai, rule labels."""
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


def init_app(app):
    app.add_template_filter(lambda moment: local(moment) if moment else "", "local")
    app.add_template_global(rule_label)
    app.add_template_global(CHANNEL_LABELS, "channel_labels")
    app.add_template_global(topical)
