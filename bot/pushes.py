"""Sending the outbox of template messages (core.residents.pushes) through WeChat, after the commit that queued them.

Each push is committed as sent or failed right after its call. If the process dies between WeChat's
answer and our commit, the push is sent again on restart with the same client_msg_id, which WeChat
uses to drop the duplicate: nothing is lost and nothing reaches the resident twice.
"""
import logging

from wechatpy.exceptions import WeChatClientException

from core.db import db, db_now
from core.residents import pushes

log = logging.getLogger("yishi.pushes")

# Which fields each kind fills, in the order of the template's keywords (README: choosing templates).
# Values are cut to 20 characters, the limit of a `thing` keyword.
FIELDS = {
    "vote_opened": (("thing1", "matter"), ("thing2", "scope"), ("time3", "closes_at")),
    "vote_reminder": (("thing1", "matter"), ("thing2", "scope"), ("time3", "closes_at")),
    "vote_result": (("thing1", "matter"), ("phrase2", "outcome"), ("time3", "confirmed_at")),
    "ballot_recorded": (("thing1", "matter"), ("phrase2", "choice"), ("time3", "collected_at")),
    "notice_published": (("thing1", "title"), ("thing2", "scope"), ("time3", "ends_at")),
    "survey_opened": (("thing1", "title"), ("thing2", "scope"), ("time3", "closes_at")),
    "reply_posted": (("thing1", "title"), ("phrase2", "status"), ("time3", "replied_at")),
    "complaint_status": (("character_string1", "ticket"), ("phrase2", "status"), ("thing3", "summary")),
    "complaint_urgent": (("character_string1", "ticket"), ("phrase2", "status"), ("thing3", "summary")),
}

# WeChat's answers that no retry will change: not following the account, a bad openid or template.
PERMANENT = {40003, 40036, 40037, 43004, 43101}


def template_data(kind: str, data: dict) -> dict:
    return {keyword: {"value": str(data.get(name, ""))[:20]} for keyword, name in FIELDS[kind]}


def send_due(client, config, limit: int = 50) -> dict:
    """Send the pushes that are due; returns counts by outcome. Commits after each push."""
    counts = {"sent": 0, "failed": 0, "retry": 0, "skipped": 0}
    due = pushes.due_pushes(db_now(db.session), limit)
    base_url = config["PUBLIC_BASE_URL"]
    for push in due:
        template_id = config["WECHAT_TEMPLATES"].get(push.kind)
        if not template_id:
            pushes.mark_skipped(push, f"no template configured for {push.kind}")
            counts["skipped"] += 1
        else:
            body = {"touser": push.openid, "template_id": template_id, "data": template_data(push.kind, push.data),
                    "client_msg_id": f"yishi-push-{push.id}"}
            if push.url and base_url:
                body["url"] = base_url + push.url
            try:
                answer = client.post("message/template/send", data=body)
            except WeChatClientException as error:
                permanent = error.errcode in PERMANENT
                pushes.mark_failed(push, db_now(db.session), f"{error.errcode}: {error.errmsg}", permanent)
                counts["failed" if push.status == "failed" else "retry"] += 1
                log.warning("push %s to %s failed: %s %s", push.id, push.openid, error.errcode, error.errmsg)
            except Exception as error:  # network: connection refused, timeout
                pushes.mark_failed(push, db_now(db.session), f"{type(error).__name__}: {error}")
                counts["failed" if push.status == "failed" else "retry"] += 1
                log.warning("push %s to %s failed: %s", push.id, push.openid, error)
            else:
                pushes.mark_sent(push, db_now(db.session), str(answer.get("msgid", "")))
                counts["sent"] += 1
        db.session.commit()
    return counts
