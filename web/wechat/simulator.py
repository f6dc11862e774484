"""/dev/wechat: chat with the bot as a demo resident, without WeChat (only when WECHAT_SIMULATOR=1).

Each message is built, signed and encrypted as WeChat's servers would (bot.wechat_side) and goes
through the real /wechat endpoint in-process; the reply is decrypted as the phone would show it.
"""
from flask import Blueprint, current_app, jsonify, render_template, request
from sqlalchemy import select

from bot.menu import MENU
from bot.wechat_side import event_xml, reply_text, signed_request, text_xml
from core.db import db, local
from core.demo import is_seeded, simulator_residents
from core.residents.models import Push
from web.wechat.endpoint import account

bp = Blueprint("simulator", __name__, url_prefix="/dev/wechat")


def openid_for(owner) -> str:
    return f"sim-{owner.id}"


@bp.get("/")
def page():
    residents = []
    if is_seeded():
        for owner in simulator_residents():
            flat = owner.flat
            residents.append({
                "openid": openid_for(owner), "label": f"{flat.label} {owner.name}",
                "bind": f"绑定 {flat.unit.building.estate.name} {flat.code} {owner.name} {owner.phone[-4:]}",
            })
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


@bp.get("/pushes")
def pushes():
    """The template messages queued for a simulated resident (a real account would deliver them)."""
    openid = request.args.get("openid", "")
    rows = db.session.scalars(select(Push).where(Push.openid == openid).order_by(Push.id.desc()).limit(10)).all()
    return jsonify([{"kind": p.kind, "data": p.data, "url": p.url, "queued": local(p.created_at)} for p in rows])
