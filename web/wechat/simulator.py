"""/dev/wechat: chat with the bot as a demo resident, without WeChat (only when WECHAT_SIMULATOR=1).

Each message is built, signed and encrypted as WeChat's servers would (bot.wechat_side) and goes
through the real /wechat endpoint in-process; the reply is decrypted as the phone would show it.

/dev/wechat/api/ plays WeChat's API for the simulator's made-up account (config: WECHAT_API_BASE_URL
points here in simulator mode): the scheduler sends template messages to it as it would to WeChat, and
the page shows them as sent. It accepts only the simulator's openids (sim-…), as WeChat accepts only
followers of the account.
"""
import hmac
import itertools
import secrets

from flask import Blueprint, current_app, jsonify, render_template, request
from sqlalchemy import select

from bot.menu import MENU
from bot.wechat_side import event_xml, reply_text, signed_request, text_xml
from core.db import db, local
from core.demo import is_seeded, simulator_openid, simulator_residents
from core.residents.models import Binding, Push
from web.extensions import csrf
from web.wechat.endpoint import account

bp = Blueprint("simulator", __name__, url_prefix="/dev/wechat")


openid_for = simulator_openid


def bound(openid: str) -> bool:
    return db.session.scalar(select(Binding.id).where(Binding.openid == openid, Binding.ended_at.is_(None))) is not None


@bp.get("/")
def page():
    residents = []
    if is_seeded():
        for owner in simulator_residents():
            flat = owner.flat
            residents.append({
                "openid": openid_for(owner),
                "label": f"{flat.unit.building.estate.name} {flat.label} {owner.name}"
                         + ("（已绑定，有推送）" if bound(openid_for(owner)) else ""),
                "bind": f"绑定 {flat.unit.building.estate.name} {flat.code} {owner.name} {owner.phone[-4:]}",
            })
        # Someone on no register (a child living elsewhere): binds with a proxy's code from the console.
        residents.append({"openid": "sim-guest", "label": "非业主（如外地子女，凭委托绑定码）",
                          "bind": "绑定 （社区在房屋页面“委托投票”处发的8位码）"})
    buttons = [(label, key) for _, row in MENU for label, key, _ in row]
    return render_template("wechat/simulator.html", residents=residents, buttons=buttons)


@bp.post("/send")
def send():
    payload = request.get_json(silent=True) or {}
    openid = str(payload.get("openid", ""))[:64]
    if not openid.startswith("sim-"):
        return jsonify(error="请选择一位模拟居民。"), 400
    if payload.get("event"):
        xml = event_xml(openid, str(payload["event"]), str(payload.get("key", "")))
    else:
        xml = text_xml(openid, str(payload.get("text", ""))[:600])
    acct = account()
    query, body = signed_request(acct, xml, openid)
    answer = current_app.test_client().post("/wechat", base_url=request.host_url, query_string=query, data=body,
                                            headers={"Content-Type": "text/xml"})
    text = reply_text(acct, answer.get_data(as_text=True)) if answer.status_code == 200 else ""
    return jsonify(status=answer.status_code, reply=text, safe_mode=acct.safe_mode)


PUSH_STATUS = {"pending": "待发送", "sent": "已送达", "failed": "发送失败", "skipped": "未发送（无模板）"}
PUSH_KINDS = {"vote_opened": "表决开始", "vote_reminder": "表决提醒", "vote_result": "表决结果",
              "ballot_recorded": "纸质票已录入", "notice_published": "方案公示", "survey_opened": "征集或问卷开始",
              "reply_posted": "已答复",
              "complaint_status": "报修进展", "complaint_urgent": "紧急工单"}


@bp.get("/pushes")
def pushes():
    """The template messages for a simulated resident: queued, then sent by the scheduler through the API below."""
    openid = request.args.get("openid", "")
    rows = db.session.scalars(select(Push).where(Push.openid == openid).order_by(Push.id.desc()).limit(10)).all()
    return jsonify([{"kind": PUSH_KINDS.get(p.kind, p.kind), "data": p.data, "url": p.url,
                     "queued": local(p.created_at), "status": p.status, "status_label": PUSH_STATUS[p.status],
                     "sent": local(p.sent_at) if p.sent_at else ""} for p in rows])


_msgids = itertools.count(1000)


def _api_error(code: int, message: str):
    return jsonify(errcode=code, errmsg=message)


@bp.get("/api/cgi-bin/token")
def api_token():
    """WeChat's access-token call, for the simulator's account only."""
    config = current_app.config
    if request.args.get("appid") != config["WECHAT_APP_ID"] or not hmac.compare_digest(
            request.args.get("secret", ""), config["WECHAT_APP_SECRET"]):
        return _api_error(40125, "invalid appsecret")
    return jsonify(access_token="sim-" + secrets.token_hex(16), expires_in=7200)


@bp.post("/api/cgi-bin/message/template/send")
@csrf.exempt
def api_template_send():
    """WeChat's template-message call: delivered to the simulator when the openid is one of its residents."""
    body = request.get_json(force=True, silent=True) or {}  # wechatpy sends JSON without saying so
    if not request.args.get("access_token", "").startswith("sim-"):
        return _api_error(40001, "invalid credential")
    if not str(body.get("touser", "")).startswith("sim-"):
        return _api_error(43004, "require subscribe")
    if not body.get("template_id"):
        return _api_error(40037, "invalid template_id")
    return jsonify(errcode=0, errmsg="ok", msgid=next(_msgids))


@bp.route("/api/cgi-bin/media/get", methods=["GET", "POST"])
@csrf.exempt
def api_media():
    """The simulator sends no photos: any media id is unknown, as an expired one is at WeChat."""
    return _api_error(40007, "invalid media_id")
