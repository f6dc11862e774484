"""Console pages for votes: list, create, open/close, paper ballots, tally and exports."""
import io
import uuid
from datetime import datetime

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select

from core import audit
from core.db import SHANGHAI, db, db_now
from core.register import scope
from core.register.models import Building, Flat, Unit
from core.votes.ballots import BallotRefused, Paper, cast
from core.votes.consent import CHOICE_LABELS, RULES
from core.votes.exports import roll_xlsx, tally_xlsx
from core.votes.models import VoteFlat
from core.votes.operations import VoteError, close_vote, create_vote, open_vote
from core.votes.tally import STATUS_LABELS, breakdown, live_tally, progress_curve, status, vote_for, votes_query
from web.charts import progress_svg
from web.console.routes import XLSX, _estate_or_404, bp, local_input


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


@bp.route("/estates/<int:estate_id>/votes/new", methods=["GET", "POST"])
def new_vote(estate_id):
    estate = _estate_or_404(estate_id)
    if not scope.can_manage(current_user, estate):
        abort(404)
    if request.method == "POST":
        form = request.form
        building = unit = None
        target = form.get("scope", "")
        target_id = int(target[2:]) if target[2:].isascii() and target[2:].isdigit() and len(target) < 12 else 0
        if target.startswith("b:"):
            building = db.session.scalar(select(Building).where(Building.id == target_id, Building.estate_id == estate.id))
        elif target.startswith("u:"):
            unit = db.session.scalar(select(Unit).join(Building).where(Unit.id == target_id, Building.estate_id == estate.id))
        try:
            if (target.startswith(("b:", "u:"))) and not (building or unit):
                raise VoteError("表决范围不属于这个小区。")
            # Forms speak in minutes: a vote opened "now" opens at this minute, so that a paper
            # sheet collected this minute (entered as HH:MM) is not before the opening.
            opens = local_input(form["opens_at"]) if form.get("opens_at") else \
                db_now(db.session).replace(second=0, microsecond=0)
            closes = local_input(form.get("closes_at", ""))
            fractions = None
            if form.get("rule") == "custom":
                fractions = {"participation": form.get("participation") or None, "approval": form.get("approval", ""),
                             "approval_strict": form.get("approval_strict") == "1"}
            vote = create_vote(current_user, estate, form.get("matter", ""), form.get("rule", ""), opens, closes,
                               building=building, unit=unit, fractions=fractions, description=form.get("description", ""))
        except (VoteError, ValueError) as error:
            db.session.rollback()
            flash(str(error) if isinstance(error, VoteError) else "时间格式不对。", "error")
        else:
            db.session.commit()
            flash("已创建表决草稿，核对后请发布。", "info")
            return redirect(url_for(".vote", vote_id=vote.id))
    return render_template("console/vote_new.html", estate=estate, rules=RULES)


@bp.get("/votes/<int:vote_id>")
def vote(vote_id):
    vote = _vote_or_404(vote_id)
    tally = live_tally(vote) if vote.status != "draft" else None
    flats = db.session.scalars(
        select(Flat).join(VoteFlat, VoteFlat.flat_id == Flat.id).where(VoteFlat.vote_id == vote.id).order_by(Flat.id)
    ).all() if vote.status == "open" else []
    needed = None
    if tally is not None and vote.rule == "headcount_2_3":
        needed = tally.agree_count + tally.missing_count if not tally.passed else None
    return render_template(
        "console/vote.html", vote=vote, tally=tally, groups=breakdown(vote) if tally else [],
        status=STATUS_LABELS[status(vote, tally) if tally else "draft"], choices=CHOICE_LABELS,
        can_manage=scope.can_manage(current_user, vote.estate), flats=flats,
        chart=progress_svg(progress_curve(vote), tally.total_count, needed) if tally else "",
        key=uuid.uuid4().hex, now_local=datetime.now(SHANGHAI).strftime("%Y-%m-%dT%H:%M"),
    )


@bp.post("/votes/<int:vote_id>/open")
def open_(vote_id):
    vote = _manager_or_404(vote_id)
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
    close_vote(vote.id, current_user)
    db.session.commit()
    flash("表决已截止，结果已固定。", "info")
    return redirect(url_for(".vote", vote_id=vote.id))


@bp.post("/votes/<int:vote_id>/paper")
def paper(vote_id):
    vote = _manager_or_404(vote_id)
    form = request.form
    flat = db.session.get(Flat, int(form["flat_id"])) if form.get("flat_id", "").isdigit() else None
    try:
        if flat is None:
            raise BallotRefused("请选择房屋。")
        collected = local_input(form.get("collected_at", ""))
        entry = cast(vote.id, flat, form.get("choice", ""), channel="paper", idempotency_key=form.get("key", ""),
                     recorded_by=current_user, paper=Paper(form.get("collected_by", ""), collected, form.get("paper_ref", "")))
    except (BallotRefused, ValueError) as error:
        db.session.rollback()
        flash(str(error) if isinstance(error, BallotRefused) else "收票时间格式不对。", "error")
    else:
        db.session.commit()
        flash(f"已录入 {flat.label} 的纸质票，回执码 {entry.receipt}。", "info")
    return redirect(url_for(".vote", vote_id=vote.id) + "#paper")


@bp.get("/votes/<int:vote_id>/tally.xlsx")
def vote_tally_xlsx(vote_id):
    vote = _vote_or_404(vote_id)
    data = tally_xlsx(vote)
    audit.record(current_user, "vote.tally_export", f"vote:{vote.id}")
    db.session.commit()
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True,
                     download_name=f"表决{vote.id}-计票结果.xlsx")


@bp.get("/votes/<int:vote_id>/roll.xlsx")
def vote_roll_xlsx(vote_id):
    vote = _vote_or_404(vote_id)
    full = request.args.get("full") == "1"
    if full and not scope.can_manage(current_user, vote.estate):
        abort(404)
    data = roll_xlsx(vote, current_user, full=full)
    db.session.commit()  # the audit entry
    name = "表决名册（含姓名）" if full else "表决名册（公示版）"
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=f"表决{vote.id}-{name}.xlsx")
