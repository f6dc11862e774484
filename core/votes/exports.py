"""Vote exports as .xlsx: the tally, and the ballot roll (public: names masked, phones hidden)."""
from sqlalchemy import select

from core import audit
from core.db import db, db_now, local
from core.register.models import Flat, Owner
from core.register.privacy import mask_name
from core.votes.ballots import CHANNEL_LABELS
from core.votes.consent import CHOICE_LABELS, HEADCOUNT_RULE, RULES
from core.votes.log import current_from_log, log_entries
from core.votes.models import BallotEntry, Proxy
from core.votes.tally import breakdown, electorate_rows, live_tally, person_choices
from core.workbook import workbook


def _book(title, header, rows) -> bytes:
    return workbook((title, header, rows))


def _closing(vote) -> str:
    if vote.closed_early:
        return f"{local(vote.closed_at)}（提前截止，原定 {local(vote.closes_at)}）"
    return local(vote.closes_at)


def tally_xlsx(vote) -> bytes:
    """Overall and per building and unit: participation and agreement by headcount and area."""
    # 人数 is the law's headcount (司法解释第九条): one flat one person, a holder of several flats one person.
    header = ["范围", "业主人数", "总面积", "参与人数", "参与面积", "同意人数", "同意面积", "不同意（人）", "弃权（人）", "是否达到",
              "还差人数", "还差面积"]

    closed = vote.status == "closed"

    def row(label, t):  # what was still missing means nothing once the vote has closed
        return [label, t.total_count, float(t.total_area), t.participation_count, float(t.participation_area),
                t.agree_count, float(t.agree_area), t.disagree_count, t.abstain_count, "是" if t.passed else "否",
                None if closed else t.missing_count, None if closed else float(t.missing_area)]

    rows = [row(vote.scope_label, live_tally(vote))] + [row(g.label, g.tally) for g in breakdown(vote)]
    if vote.final_hash:
        rows.append([f"截止时日志末条哈希：{vote.final_hash}"])
    # What the figures are of, as a printed copy must say: the matter, the rule, and when they stood so.
    rule = RULES[vote.rule].label if vote.rule in RULES else f"自定义：{vote.fractions}"
    state = "已截止" if vote.status == "closed" else "进行中（数字随投票变化）"
    notes = [["事项", vote.matter], ["范围", vote.scope_label], ["规则", rule],
             ["开始", local(vote.opens_at)], ["截止", _closing(vote)], ["状态", state],
             ["导出时间（北京时间）", local(db_now(db.session))],
             ["人数计法", HEADCOUNT_RULE],
             ["还差", "至少还差：参与不足时先算新投票的业主，其余按已投的业主改投同意计"]]
    return workbook(("计票结果", header, rows), ("说明", ["项目", "内容"], notes))


def roll_xlsx(vote, actor, full: bool = False) -> bytes:
    """One row per flat of the electorate with its counted ballot and who actually cast it; names masked
    unless full (audited). A person with several flats (司法解释第九条) has one ballot, shown on each flat."""
    entries = log_entries(vote.id)
    current = current_from_log(entries)
    audit.record(actor, "vote.roll_full" if full else "vote.roll_public", f"vote:{vote.id}")
    header = ["楼栋", "单元", "户号", "专有面积", "业主", "表决意见", "投票人", "方式", "时间", "表决票编号", "回执码", "业主人数计法"]
    rows_in = electorate_rows(vote)
    persons = {flat_id: person for flat_id, *_, person in rows_in if person}
    counted = person_choices({f: (e.choice, e.effective_at, e.seq) for f, e in current.items()}, persons)
    by_person = {persons.get(f) or ("flat", f): current[f] for f in counted}
    codes = {flat_id: f"{b}-{u}-{n}" for flat_id, _, b, u, n, _ in rows_in}
    members: dict = {}
    for flat_id, person in persons.items():
        members.setdefault(person, []).append(codes[flat_id])

    def show(name):
        return (name if full else mask_name(name)) if name else ""

    rows = []
    for flat_id, area, building, unit, number, person in rows_in:
        entry: BallotEntry | None = by_person.get(person or ("flat", flat_id))
        flat = db.session.get(Flat, flat_id)
        rep = flat.representative
        others = [c for c in members[person] if c != codes[flat_id]] if person else []
        # A developer's only unsold flat, or a mark given to one flat: still one person, itself.
        head = f"与{'、'.join(others)}计为一人" if others else "本户一人"
        if entry is None:
            voter = ""
        elif entry.flat_id != flat_id:
            voter = f"随 {codes[entry.flat_id]} 的表决"
        elif entry.channel == "paper":
            voter = f"纸质票（收票人 {entry.collected_by}）"
        else:
            caster = db.session.get(Owner, entry.owner_id) if entry.owner_id else None
            proxy = db.session.get(Proxy, entry.proxy_id) if entry.proxy_id else None
            voter = show(caster.name) if caster else show(proxy.proxy_name) if proxy else ""
            if proxy is not None or (caster is not None and db.session.scalar(select(Proxy.id).where(
                    Proxy.proxy_owner_id == caster.id, Proxy.flat_id == entry.flat_id).limit(1))):
                voter += "（受托人）"
            if caster is not None and caster.moved_out_at is not None:
                voter += "（原业主，已过户）"
        rows.append([building, unit, number, float(area), show(rep.name) if rep else "",
                     CHOICE_LABELS.get(entry.choice, "") if entry else "未表决",
                     voter, CHANNEL_LABELS[entry.channel] if entry else "",
                     local(entry.effective_at) if entry else "", entry.paper_ref if entry else "",
                     entry.receipt if entry else "", head])
    return _book("表决名册", header, rows)
