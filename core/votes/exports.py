"""Vote exports as .xlsx: the tally, and the ballot roll (public: names masked, phones hidden)."""
from core import audit
from core.db import db, local
from core.register.models import Flat
from core.register.privacy import mask_name
from core.votes.ballots import CHANNEL_LABELS
from core.votes.consent import CHOICE_LABELS
from core.votes.log import current_from_log, log_entries
from core.votes.models import BallotEntry
from core.votes.tally import breakdown, electorate_rows, live_tally
from core.workbook import workbook


def _book(title, header, rows) -> bytes:
    return workbook((title, header, rows))


def tally_xlsx(vote) -> bytes:
    """Overall and per building and unit: participation and agreement by headcount and area."""
    header = ["范围", "总户数", "总面积", "参与户数", "参与面积", "同意户数", "同意面积", "不同意", "弃权", "是否达到", "还差户数", "还差面积"]

    def row(label, t):
        return [label, t.total_count, float(t.total_area), t.participation_count, float(t.participation_area),
                t.agree_count, float(t.agree_area), t.disagree_count, t.abstain_count, "是" if t.passed else "否",
                t.missing_count, float(t.missing_area)]

    rows = [row(vote.scope_label, live_tally(vote))] + [row(g.label, g.tally) for g in breakdown(vote)]
    if vote.final_hash:
        rows.append([f"截止时日志末条哈希：{vote.final_hash}"])
    return _book("计票结果", header, rows)


def roll_xlsx(vote, actor, full: bool = False) -> bytes:
    """One row per flat of the electorate with its counted ballot; names masked unless full (audited)."""
    entries = log_entries(vote.id)
    current = current_from_log(entries)
    audit.record(actor, "vote.roll_full" if full else "vote.roll_public", f"vote:{vote.id}")
    header = ["楼栋", "单元", "户号", "专有面积", "业主", "表决意见", "方式", "时间", "回执码"]
    rows = []
    for flat_id, area, building, unit, number in electorate_rows(vote):
        entry: BallotEntry | None = current.get(flat_id)
        flat = db.session.get(Flat, flat_id)
        rep = flat.representative
        name = (rep.name if full else mask_name(rep.name)) if rep else ""
        rows.append([building, unit, number, float(area), name,
                     CHOICE_LABELS.get(entry.choice, "") if entry else "未表决",
                     CHANNEL_LABELS[entry.channel] if entry else "",
                     local(entry.effective_at) if entry else "", entry.receipt if entry else ""])
    return _book("表决名册", header, rows)
