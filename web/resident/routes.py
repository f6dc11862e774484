"""Residents' pages: sign in with a one-time link, see my votes, cast or change my ballot, check a receipt."""
import json
import uuid
from functools import wraps

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import select

from core.consultation import demands, notices, surveys
from core.db import db
from core.register.models import Owner
from core.residents.links import link_problem, redeem_link
from core.residents.models import Binding
from core.votes import checkpoints, objections, proxies
from core.votes.ballots import BallotRefused, cast, online_refusal
from core.votes.consent import CHOICE_LABELS
from core.votes.models import BallotEntry, Vote, VoteFlat
from core.votes.notice import notice_for, notice_pdf
from core.votes.proof import receipt_proof
from core.votes.tally import (STATUS_LABELS, find_receipt, flat_ballot, live_tally, progress_sentence, status,
                              votes_for_flat)
from web.addresses import public_url

bp = Blueprint("resident", __name__)


def oauth_available() -> bool:
    """WeChat sign-in works only inside WeChat's browser, with a real account configured."""
    config = current_app.config
    return (bool(config["WECHAT_APP_ID"] and config["WECHAT_APP_SECRET"]) and not config["WECHAT_SIMULATOR"]
            and "MicroMessenger" in request.headers.get("User-Agent", ""))


def sign_in(owner, binding=None) -> None:
    """A fresh session for this owner, tied to the owner's session version (and to the binding it came
    through, if any): the owner's logout, or the binding's end, ends it server-side."""
    session.clear()
    session["owner_id"] = owner.id
    session["owner_version"] = owner.session_version or 0
    if binding is not None:
        session["binding_id"] = binding.id


def resident_required(view):
    """The signed-in owner in g.owner; inside WeChat, sign in through OAuth, else say how to get a link."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        owner_id = session.get("owner_id")
        g.owner = db.session.get(Owner, owner_id) if isinstance(owner_id, int) else None
        if g.owner is not None and session.get("owner_version") != (g.owner.session_version or 0):
            session.clear()  # logged out elsewhere, or the binding ended: this session is over
            g.owner = None
        binding_id = session.get("binding_id")
        if binding_id is not None:  # signed in by WeChat: only while the binding lasts
            binding = db.session.get(Binding, binding_id)
            if binding is None or binding.ended_at is not None:
                session.clear()
                g.owner = None
        if g.owner is None:
            if request.method == "GET" and oauth_available():
                return redirect(url_for(".wechat_signin", next=request.path))
            return render_template("resident/signed_out.html"), 401
        return view(*args, **kwargs)
    return wrapped


def _landing() -> str:
    """Where a link sends the resident after sign-in: a residents' page it names, else home."""
    target = request.values.get("next", "")
    if target.startswith("/r/") and "//" not in target and "\\" not in target and target.isprintable():
        return target
    return url_for(".home")


@bp.get("/r/login/<token>")
def login_link(token):
    # Link previews and scanners fetch GETs: the token is spent only by the button's POST. But a used
    # or expired link says so at once, before the resident presses anything.
    problem = link_problem(token)
    db.session.rollback()
    if problem is not None:
        return render_template("resident/signed_out.html", expired=True, used=problem == "used"), 403
    return render_template("resident/login.html", token=token, landing=_landing())


@bp.post("/r/login/<token>")
def login_redeem(token):
    owner = redeem_link(token)
    if owner is None:
        db.session.rollback()
        return render_template("resident/signed_out.html", expired=True), 403
    db.session.commit()
    sign_in(owner)
    return redirect(_landing())


@bp.post("/r/logout")
def logout():
    owner_id = session.get("owner_id")
    owner = db.session.get(Owner, owner_id) if isinstance(owner_id, int) else None
    if owner is not None and session.get("owner_version") == (owner.session_version or 0):
        owner.session_version = (owner.session_version or 0) + 1  # a copy of this cookie stops working too
        db.session.commit()
    session.clear()
    return redirect(url_for(".home"))


@bp.get("/r/")
@resident_required
def home():
    votes = [(v, STATUS_LABELS[status(v, live_tally(v))]) for v in votes_for_flat(g.owner.flat_id)]
    flat = g.owner.flat
    return render_template("resident/home.html", owner=g.owner, votes=votes, demand=demands.open_for_flat(flat),
                           notices=[n for n in notices.for_flat(flat) if n.status == "published"],
                           surveys=surveys.open_for_flat(flat))


def _my_vote(vote_id) -> Vote:
    vote = db.session.scalar(select(Vote).join(VoteFlat, VoteFlat.vote_id == Vote.id).where(
        Vote.id == vote_id, VoteFlat.flat_id == g.owner.flat_id, Vote.status != "draft"))
    if vote is None:
        abort(404)
    return vote


@bp.get("/r/votes/<int:vote_id>")
@resident_required
def vote(vote_id):
    vote = _my_vote(vote_id)
    tally = live_tally(vote)
    progress = progress_sentence(tally) if vote.status == "open" else STATUS_LABELS[status(vote, tally)] + "。"
    result = objections.result_status(vote)
    return render_template("resident/vote.html", vote=vote, tally=tally, ballot=flat_ballot(vote, g.owner.flat_id),
                           progress=progress,
                           choices=CHOICE_LABELS, status=STATUS_LABELS[status(vote, tally)], key=uuid.uuid4().hex,
                           owner=g.owner, result=result, result_label=objections.RESULT_LABELS.get(result, ""),
                           objections=objections.for_vote(vote.id), refusal=online_refusal(g.owner, vote),
                           proxy=None if g.owner.is_representative else proxies.valid_for(g.owner, g.owner.flat_id, vote))


@bp.post("/r/votes/<int:vote_id>/objection")
@resident_required
def objection(vote_id):
    """询异: "my ballot is recorded wrong", while the window after the close is open."""
    vote = _my_vote(vote_id)
    try:
        objections.raise_objection(vote, g.owner, request.form.get("text", ""), channel="web")
    except objections.ObjectionRefused as refused:
        db.session.rollback()
        flash(str(refused), "error")
    else:
        db.session.commit()
        flash("已收到您的异议，社区工作人员会在本页公开答复。", "info")
    return redirect(url_for(".vote", vote_id=vote.id) + "#objections")


def _closed_vote(vote_id) -> Vote:
    vote = db.session.get(Vote, vote_id)
    if vote is None or vote.status != "closed":
        abort(404)
    return vote


def _receipts_url(vote) -> str:
    return public_url(url_for(".receipts", vote_id=vote.id))


@bp.get("/votes/<int:vote_id>/result")
def result_notice(vote_id):
    """表决结果公告: the printable A4 page for the notice board (public: it names no one)."""
    vote = _closed_vote(vote_id)
    return render_template("notice/vote_result.html", notice=notice_for(vote, _receipts_url(vote)))


@bp.get("/votes/<int:vote_id>/result.pdf")
def result_notice_pdf(vote_id):
    vote = _closed_vote(vote_id)
    data = notice_pdf(notice_for(vote, _receipts_url(vote)))
    return current_app.response_class(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="vote-{vote.id}-result.pdf"'})


@bp.post("/r/votes/<int:vote_id>/ballot")
@resident_required
def ballot(vote_id):
    vote = _my_vote(vote_id)
    try:
        entry = cast(vote.id, g.owner.flat, request.form.get("choice", ""), channel="web",
                     idempotency_key=request.form.get("key", ""), owner=g.owner)
    except BallotRefused as refused:
        db.session.rollback()
        flash(str(refused), "error")
    else:
        db.session.commit()
        flash(f"已记录您的意见：{CHOICE_LABELS[entry.choice]}。回执码 {entry.receipt}，请保存。", "info")
    return redirect(url_for(".vote", vote_id=vote.id))


@bp.get("/votes/<int:vote_id>/receipts")
def receipts(vote_id):
    """The public list of receipts (no names), and a check of one receipt."""
    vote = db.session.get(Vote, vote_id)
    if vote is None or vote.status == "draft":
        abort(404)
    code = request.args.get("code", "").strip()
    found = find_receipt(vote, code) if code else None
    entries = db.session.scalars(select(BallotEntry).where(BallotEntry.vote_id == vote.id).order_by(BallotEntry.seq)).all()
    head = checkpoints.latest(vote.id)
    counting = flat_ballot(vote, found.flat_id) if found else None
    # A receipt of a ballot later changed is in the log, but not what counts: say so, without saying what counts.
    superseded = found is not None and counting is not None and counting.entry_id != found.id
    return render_template("resident/receipts.html", vote=vote, entries=entries, code=code, found=found,
                           superseded=superseded, head=head, proof=receipt_proof(vote, found) if found else None,
                           fingerprint=checkpoints.fingerprint(head.public_key) if head else "")


@bp.get("/votes/<int:vote_id>/receipts/<code>.json")
def receipt_proof_json(vote_id, code):
    """A receipt's inclusion proof against the latest signed head that includes it, to check offline
    with tools/verify_vote_proof.py --receipt."""
    vote = db.session.get(Vote, vote_id)
    found = find_receipt(vote, code) if vote is not None and vote.status != "draft" else None
    proof = receipt_proof(vote, found) if found else None
    # The proof carries the entry's flat and choice: the public list of receipt codes must not turn into
    # a list of who chose what. It is for the flat's own owner (signed in) and for staff.
    owner = db.session.get(Owner, session["owner_id"]) if session.get("owner_id") else None
    mine = owner is not None and found is not None and owner.flat_id == found.flat_id
    if proof is None or not (mine or current_user.is_authenticated):
        abort(404)
    return current_app.response_class(json.dumps(proof, ensure_ascii=False, indent=1), mimetype="application/json",
                                      headers={"Content-Disposition": f'attachment; filename="receipt-{vote.id}-{found.receipt}.json"'})
