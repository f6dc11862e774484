"""Console pages for votes: list, create, open/close, paper ballots, tally and exports."""
import uuid
from datetime import datetime

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from core import audit
from core.db import SHANGHAI, db, db_now, local
from core.register import scope
from core.register.models import Building, Flat, Unit
from core.votes.ballots import CHANNEL_LABELS, BallotRefused, Paper, cast
from core.votes import objections
from core.votes.checkpoints import signer_from
from core.votes.objections import RESULT_LABELS, result_status
from core.votes.consent import CHOICE_LABELS, RULES
from core.votes.exports import roll_xlsx, tally_xlsx
from core.votes.models import VoteFlat, VoteObjection
from core.votes.operations import (VoteError, close_vote, create_vote, delete_draft, electorate_preview, open_vote,
                                   update_draft)
from core.votes.tally import (STATUS_LABELS, breakdown, flat_ballot, live_tally, progress_curve, status, vote_for,
                              votes_query)
from web.charts import progress_svg
from web.console.routes import _estate_or_404, bp, local_input
from web.downloads import attachment


def _vote_or_404(vote_id):
    vote = vote_for(current_user, vote_id)
    if vote is None:
        abort(404)
    return vote


def _manager_or_404(vote_id):
    """Only the estate's own community workers (and admins) run a vote; others get 404."""
    vote = _vote_or_404(vote_id)
    if not scope.can_manage(current_user, vote.estate):
        abort(404)
    return vote


@bp.get("/votes")
def votes():
    rows = []
    for vote in db.session.scalars(votes_query(current_user)):
        tally = live_tally(vote) if vote.status != "draft" else None
        rows.append((vote, tally, STATUS_LABELS[status(vote, tally) if tally else "draft"]))
    return render_template("console/votes.html", rows=rows)


def _objection_days(text: str) -> int | None:
    """The vote's own objection window (询异) in days; blank = VOTE_OBJECTION_DAYS."""
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= 60:
        raise VoteError("异议期须为 1 到 60 天（整数），或空着用默认值。")
    return int(text)


FIELDS = ("matter", "description", "scope", "rule", "participation", "approval", "approval_strict", "opens_at",
          "closes_at", "objection_days")


def _typed(vote=None) -> dict:
    """The vote form's values: as typed (after an error), or the draft's, or empty."""
    if request.method == "POST":
        return {name: request.form.get(name, "") for name in FIELDS}
    if vote is None:
        return {name: "" for name in FIELDS}
    fractions = vote.fractions or {}
    return {
        "matter": vote.matter, "description": vote.description, "rule": vote.rule,
        "scope": f"u:{vote.unit_id}" if vote.unit_id else f"b:{vote.building_id}" if vote.building_id else "estate",
        "participation": fractions.get("participation") or "", "approval": fractions.get("approval") or "",
        "approval_strict": "1" if fractions.get("approval_strict") else "",
        "opens_at": vote.opens_at.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": vote.closes_at.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M"),
        "objection_days": vote.objection_days or "",
    }


def _vote_fields(estate, form) -> dict:
    """The vote form read into create_vote's / update_draft's arguments; raises VoteError."""
    building = unit = None
    target = form.get("scope", "")
    # An id that is not a plain, short number ("b:x", a 20-digit one) names no building: a form error, not a 500.
    target_id = int(target[2:]) if target[2:].isascii() and target[2:].isdigit() and len(target) < 12 else 0
    if target.startswith("b:"):
        building = db.session.scalar(select(Building).where(Building.id == target_id, Building.estate_id == estate.id))
    elif target.startswith("u:"):
        unit = db.session.scalar(select(Unit).join(Building).where(Unit.id == target_id, Building.estate_id == estate.id))
    if not (form.get("matter") or "").strip():
        raise VoteError("请填写表决事项（120 字以内）。")  # an empty form misses its matter first, not its scope
    if target != "estate" and not (building or unit):
        raise VoteError("请选择表决范围。" if not target else "表决范围不属于这个小区。")
    try:
        # Forms speak in minutes: a vote opened "now" opens at this minute, so that a paper
        # sheet collected this minute (entered as HH:MM) is not before the opening.
        opens = local_input(form["opens_at"]) if form.get("opens_at") else \
            db_now(db.session).replace(second=0, microsecond=0)
        closes = local_input(form.get("closes_at", ""))
    except ValueError:
        raise VoteError("时间格式不对，请按“年-月-日 时:分”填写。") from None
    fractions = None
    if form.get("rule") == "custom":
        fractions = {"participation": form.get("participation") or None, "approval": form.get("approval", ""),
                     "approval_strict": form.get("approval_strict") == "1"}
    return dict(matter=form.get("matter", ""), rule=form.get("rule", ""), opens_at=opens, closes_at=closes,
                building=building, unit=unit, fractions=fractions, description=form.get("description", ""))


@bp.route("/estates/<int:estate_id>/votes/new", methods=["GET", "POST"])
def new_vote(estate_id):
    estate = _estate_or_404(estate_id)
    if not scope.can_manage(current_user, estate):
        abort(404)
    if request.method == "POST":
        try:
            fields = _vote_fields(estate, request.form)
            vote = create_vote(current_user, estate, **fields)
            vote.objection_days = _objection_days(request.form.get("objection_days", ""))
        except VoteError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash("已创建表决草稿，核对后请发布。", "info")
            return redirect(url_for(".vote", vote_id=vote.id))
    return render_template("console/vote_new.html", estate=estate, rules=RULES, form=_typed(), vote=None,
                           objection_days=current_app.config["VOTE_OBJECTION_DAYS"]), \
        422 if request.method == "POST" else 200


@bp.route("/votes/<int:vote_id>/edit", methods=["GET", "POST"])
def edit_vote(vote_id):
    vote = _manager_or_404(vote_id)
    if vote.status != "draft":
        flash("表决已经发布，不能再修改。", "error")
        return redirect(url_for(".vote", vote_id=vote.id))
    if request.method == "POST":
        try:
            update_draft(vote.id, current_user, **_vote_fields(vote.estate, request.form))
            vote.objection_days = _objection_days(request.form.get("objection_days", ""))
        except VoteError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash("草稿已保存。", "info")
            return redirect(url_for(".vote", vote_id=vote.id))
    return render_template("console/vote_new.html", estate=vote.estate, rules=RULES, form=_typed(vote), vote=vote,
                           objection_days=current_app.config["VOTE_OBJECTION_DAYS"]), \
        422 if request.method == "POST" else 200


@bp.post("/votes/<int:vote_id>/delete")
def delete_vote(vote_id):
    vote = _manager_or_404(vote_id)
    estate_id = vote.estate_id
    if request.form.get("confirm") != "1":
        flash("请先勾选确认，再删除草稿。", "error")
        return redirect(url_for(".vote", vote_id=vote.id))
    try:
        matter = delete_draft(vote.id, current_user)
    except VoteError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for(".vote", vote_id=vote.id))
    db.session.commit()
    flash(f"已删除草稿“{matter}”。", "info")
    return redirect(url_for(".estate", estate_id=estate_id))


def _vote_page(vote, paper=None, code=200):
    tally = live_tally(vote) if vote.status != "draft" else None
    flats = db.session.scalars(
        select(Flat).join(VoteFlat, VoteFlat.flat_id == Flat.id).where(VoteFlat.vote_id == vote.id).order_by(Flat.id)
    ).all() if vote.status == "open" else []
    needed = None
    if tally is not None and vote.rule == "headcount_2_3":
        needed = tally.agree_count + tally.missing_count if not tally.passed else None
    # To the second: a sheet entered "now" must not lose to an online ballot cast earlier in the same minute.
    now_local = datetime.now(SHANGHAI).strftime("%Y-%m-%dT%H:%M:%S")
    paper = paper or {"key": uuid.uuid4().hex, "flat_id": "", "choice": "agree", "collected_by": "",
                      "collected_at": now_local, "paper_ref": ""}
    return render_template(
        "console/vote.html", vote=vote, tally=tally, groups=breakdown(vote) if tally else [],
        status=STATUS_LABELS[status(vote, tally) if tally else "draft"], choices=CHOICE_LABELS,
        can_manage=scope.can_manage(current_user, vote.estate), flats=flats,
        chart=progress_svg(progress_curve(vote), tally.total_count, needed, opened=vote.opens_at,
                           until=min(db_now(db.session), vote.closes_at)) if tally else "",
        result=result_status(vote), result_label=RESULT_LABELS.get(result_status(vote), ""),
        objections=objections.for_vote(vote.id),
        preview=electorate_preview(vote) if vote.status == "draft" else None,
        key=paper["key"], paper=paper, now_local=now_local,
    ), code


@bp.get("/votes/<int:vote_id>")
def vote(vote_id):
    return _vote_page(_vote_or_404(vote_id))


@bp.post("/votes/<int:vote_id>/open")
def open_(vote_id):
    vote = _manager_or_404(vote_id)
    if request.form.get("confirm") != "1":
        flash("请先勾选确认，再发布表决。", "error")
        return redirect(url_for(".vote", vote_id=vote.id))
    try:
        open_vote(vote.id, current_user)
    except VoteError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash("表决已发布。", "info")
    return redirect(url_for(".vote", vote_id=vote.id))


@bp.post("/votes/<int:vote_id>/close")
def close(vote_id):
    vote = _manager_or_404(vote_id)
    if request.form.get("confirm") != "1":
        flash("请先勾选确认，再提前截止。", "error")
        return redirect(url_for(".vote", vote_id=vote.id))
    close_vote(vote.id, current_user, signer_from(current_app.config), current_app.config["VOTE_OBJECTION_DAYS"])
    db.session.commit()
    flash("表决已截止，结果已固定。", "info")
    return redirect(url_for(".vote", vote_id=vote.id))


@bp.post("/votes/<int:vote_id>/objections/<int:objection_id>/answer")
def answer_objection_(vote_id, objection_id):
    """A public answer to an owner's objection (询异), by a worker of the estate's community."""
    vote = _manager_or_404(vote_id)
    objection = db.session.get(VoteObjection, objection_id)
    if objection is None or objection.vote_id != vote.id:
        abort(404)
    try:
        objections.answer_objection(objection, current_user, request.form.get("answer", ""))
    except objections.ObjectionRefused as refused:
        db.session.rollback()
        flash(str(refused), "error")
    else:
        db.session.commit()
        flash("已公开答复。", "info")
    return redirect(url_for(".vote", vote_id=vote.id) + f"#objection-{objection.id}")


@bp.post("/votes/<int:vote_id>/paper")
def paper(vote_id):
    vote = _manager_or_404(vote_id)
    form = request.form
    typed = {name: form.get(name, "") for name in ("key", "flat_id", "choice", "collected_by", "collected_at", "paper_ref")}
    flat = db.session.get(Flat, int(form["flat_id"])) if form.get("flat_id", "").isdigit() else None
    try:
        if flat is None:
            raise BallotRefused("请选择房屋。")
        try:
            collected = local_input(form.get("collected_at", ""))
        except ValueError:
            raise BallotRefused("收票时间格式不对，请按“年-月-日 时:分”填写。") from None
        earlier = flat_ballot(vote, flat.id)  # read now: cast updates the same row
        before = earlier and (earlier.entry_id, earlier.entry.channel, earlier.choice, earlier.effective_at,
                              earlier.flat_id)
        entry = cast(vote.id, flat, form.get("choice", ""), channel="paper", idempotency_key=form.get("key", ""),
                     recorded_by=current_user, paper=Paper(form.get("collected_by", ""), collected, form.get("paper_ref", "")))
    except BallotRefused as error:
        db.session.rollback()
        flash(str(error), "error")
        # Everything typed stays on the form (with its key: the same sheet, corrected, is one submission).
        return _vote_page(db.session.get(type(vote), vote_id), paper=typed, code=422)
    current = flat_ballot(vote, flat.id)
    db.session.commit()
    if current is not None and current.entry_id != entry.id:
        # Kept in the log, but a later decision of this flat, or of its owner on another flat, counts: say so.
        later = ("这户在收票之后另有表决" if current.flat_id == flat.id
                 else f"本户业主在收票之后于{db.session.get(Flat, current.flat_id).label}另有表决")
        flash(f"已录入 {flat.label} 的纸质票（回执码 {entry.receipt}），但{later}"
              f"（{CHOICE_LABELS[current.choice]}），计票以时间在后的为准。", "error")
    elif before and before[4] != flat.id:
        # One person's flats give one voice (司法解释第九条): this sheet replaces what the person said on
        # another of their flats. Say so, or the worker never learns that 同意 stopped counting.
        other = db.session.get(Flat, before[4]).label
        flash(f"已录入 {flat.label} 的纸质票（回执码 {entry.receipt}）。注意：本户与{other}登记为同一业主，计为一人；"
              f"此前{other}的{CHOICE_LABELS[before[2]]}（{local(before[3])}）不再计入，现按这张票"
              f"（{CHOICE_LABELS[entry.choice]}）计。如不是同一人，请先改正房屋登记。", "error")
    elif before and before[0] != entry.id and before[1] != "paper":
        # The sheet was collected after the owner's own online ballot, so it now counts: say so plainly.
        flash(f"已录入 {flat.label} 的纸质票（回执码 {entry.receipt}）。注意：这户曾在"
              f"{CHANNEL_LABELS[before[1]]}上投了{CHOICE_LABELS[before[2]]}"
              f"（{local(before[3])}），纸质票收票时间在后，现按纸质票（{CHOICE_LABELS[entry.choice]}）计。"
              "已通知本户绑定微信的业主；业主可在截止前再改。", "error")
    else:
        flash(f"已录入 {flat.label} 的纸质票，回执码 {entry.receipt}。", "info")
    return redirect(url_for(".vote", vote_id=vote.id) + "#paper")


@bp.get("/votes/<int:vote_id>/tally.xlsx")
def vote_tally_xlsx(vote_id):
    vote = _vote_or_404(vote_id)
    data = tally_xlsx(vote)
    audit.record(current_user, "vote.tally_export", f"vote:{vote.id}")
    db.session.commit()
    return attachment(data, f"表决{vote.id}-计票结果.xlsx", f"vote-{vote.id}-tally.xlsx")


@bp.get("/votes/<int:vote_id>/roll.xlsx")
def vote_roll_xlsx(vote_id):
    vote = _vote_or_404(vote_id)
    full = request.args.get("full") == "1"
    if full and not scope.can_manage(current_user, vote.estate):
        abort(404)
    data = roll_xlsx(vote, current_user, full=full)
    db.session.commit()  # the audit entry
    name = "表决名册（含姓名）" if full else "表决名册（公示版）"
    return attachment(data, f"表决{vote.id}-{name}.xlsx", f"vote-{vote.id}-roll{'-full' if full else ''}.xlsx")
