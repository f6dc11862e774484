"""委托投票: recording, revoking and checking proxies. Flush, never commit; every change is audited.

A proxy lets one person cast a flat's ballot in place of its voting representative: for one vote, or for
every vote of the estate until a date. The ballot belongs to the flat; the log names who cast it.

A proxy who is not on the flat's register (a child living elsewhere, a neighbour) binds their WeChat to
the proxy itself with a one-time code the worker hands them (`issue_code`, `bind_with_code`), and then
votes for the flat in the chat. Failed codes count with the owners' binding codes (core.residents).
"""
import hashlib
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from core import audit
from core.accounts import Role
from core.db import db, db_now, local
from core.register.privacy import looks_like_phone, mask_name
from core.votes.models import Proxy, Vote

CODE_LIFETIME = timedelta(days=30)

MAX_SCAN_BYTES = 5 * 1024 * 1024
SCAN_TYPES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png", b"%PDF-": "application/pdf"}


class ProxyError(ValueError):
    """A proxy that cannot be recorded or revoked as asked; the message is for the worker; nothing changed."""


def _may_manage(actor, estate) -> bool:
    return actor is not None and (actor.role == Role.ADMIN or (
        actor.role == Role.WORKER and actor.community_id == estate.community_id))


def record(actor, flat, proxy_name: str, proxy_phone: str = "", *, vote: Vote | None = None,
           valid_until: datetime | None = None, scan: bytes | None = None) -> Proxy:
    """Record a signed proxy form for the flat: the representative (principal) lets proxy_name vote."""
    estate = flat.unit.building.estate
    if not _may_manage(actor, estate):
        raise ProxyError("只有本社区工作人员可以登记委托。")
    principal = flat.representative
    if principal is None:
        raise ProxyError("这套房屋还没有登记业主代表，不能登记委托。")
    proxy_name = (proxy_name or "").strip()
    proxy_phone = (proxy_phone or "").strip()
    if not proxy_name or len(proxy_name) > 40:
        raise ProxyError("请填写受托人姓名（40 字以内）。")
    if proxy_name == principal.name:
        raise ProxyError("受托人就是业主代表本人，不需要委托。")
    if proxy_phone and not looks_like_phone(proxy_phone):
        raise ProxyError(f"“{proxy_phone}”不像电话号码。")
    now = db_now(db.session)
    current = next((p for p in for_flat(flat.id) if state(p, now) == LIVE), None)
    if current is not None:  # two live proxies would let two people overwrite each other's ballot
        raise ProxyError(f"本户已有有效的委托（受托人 {mask_name(current.proxy_name)}），请先撤销，再登记新的委托。")
    if (vote is None) == (valid_until is None):
        raise ProxyError("请选择委托范围：某一次表决，或到某日为止本小区的全部表决。")
    if vote is not None and (vote.estate_id != estate.id or vote.status == "closed"):
        raise ProxyError("只能委托本小区尚未截止的表决。")
    if valid_until is not None and valid_until <= now:
        raise ProxyError("委托的截止日期须在今天之后。")
    scan_type = ""
    if scan:
        if len(scan) > MAX_SCAN_BYTES:
            raise ProxyError("委托书扫描件不能超过 5 MB。")
        scan_type = next((kind for magic, kind in SCAN_TYPES.items() if scan.startswith(magic)), "")
        if not scan_type:
            raise ProxyError("委托书扫描件须是 JPG、PNG 或 PDF。")
    # A co-owner of the flat on the register with that name may then vote online (web and chat).
    proxy_owner = next((o for o in flat.current_owners if o.name == proxy_name and not o.is_representative), None)
    proxy = Proxy(estate_id=estate.id, flat_id=flat.id, principal_id=principal.id,
                  proxy_owner_id=proxy_owner.id if proxy_owner else None, proxy_name=proxy_name,
                  proxy_phone=proxy_phone, vote_id=vote.id if vote else None, valid_until=valid_until,
                  scan=scan or None, scan_type=scan_type, entered_by_id=actor.id)
    db.session.add(proxy)
    db.session.flush()
    where = f"vote:{vote.id}" if vote else f"until {local(valid_until)}"
    audit.record(actor, "proxy.record", f"flat:{flat.id}", f"proxy {proxy.id}: {where}")
    return proxy


def revoke(proxy: Proxy, actor, reason: str) -> None:
    """Revoke a proxy (the principal withdrew it, or it was entered by mistake); ballots cast under it stay."""
    if not _may_manage(actor, proxy.flat.unit.building.estate):
        raise ProxyError("只有本社区工作人员可以撤销委托。")
    if proxy.revoked_at is not None:
        raise ProxyError("这份委托已经撤销过了。")
    reason = (reason or "").strip()
    if not reason:
        raise ProxyError("请写明撤销原因。")
    proxy.revoked_at, proxy.revoked_by_id, proxy.revoke_reason = db_now(db.session), actor.id, reason[:200]
    proxy.code_hash = proxy.code_expires_at = None
    db.session.flush()
    audit.record(actor, "proxy.revoke", f"flat:{proxy.flat_id}", f"proxy {proxy.id}: {reason[:100]}")


LIVE = "有效"


def state(proxy: Proxy, now: datetime) -> str:
    """有效, or why the proxy no longer lets anyone vote: revoked, past its vote or date, or its principal is
    no longer the flat's representative (the flat was sold, or the family chose another representative)."""
    if proxy.revoked_at is not None:
        return "已撤销"
    if proxy.principal.moved_out_at is not None or not proxy.principal.is_representative:
        return "已失效（委托人已不是本户业主代表）"
    if (proxy.valid_until is not None and proxy.valid_until < now) or (
            proxy.vote is not None and proxy.vote.status == "closed"):
        return "已到期"
    return LIVE


def holds(proxy: Proxy, vote: Vote, now: datetime) -> bool:
    """Whether this proxy lets its holder cast its flat's ballot in this vote now: live, and in scope."""
    if state(proxy, now) != LIVE:
        return False
    if proxy.vote_id is not None:
        return proxy.vote_id == vote.id
    return proxy.estate_id == vote.estate_id


def valid_for(owner, flat_id: int, vote: Vote, now: datetime | None = None) -> Proxy | None:
    """The proxy that lets this owner (a co-owner on the register) cast this flat's ballot in this vote now."""
    now = now or db_now(db.session)
    found = db.session.scalars(select(Proxy).where(
        Proxy.proxy_owner_id == owner.id, Proxy.flat_id == flat_id, Proxy.revoked_at.is_(None))
        .order_by(Proxy.id.desc()))
    return next((proxy for proxy in found if holds(proxy, vote, now)), None)


def _digest(code: str) -> str:
    return hashlib.sha256(f"proxy:{code}".encode()).hexdigest()


def issue_code(proxy: Proxy, actor) -> str:
    """A fresh eight-digit code with which the proxy binds their WeChat to this proxy (shown once to the
    worker); an earlier unused code stops working, and a WeChat bound before is replaced when it is used."""
    if not _may_manage(actor, proxy.flat.unit.building.estate):
        raise ProxyError("只有本社区工作人员可以发绑定码。")
    now = db_now(db.session)
    if state(proxy, now) != LIVE:
        raise ProxyError(f"这份委托{state(proxy, now)}，不能再发绑定码。")
    while True:
        code = f"{secrets.randbelow(10 ** 8):08d}"
        if db.session.scalar(select(Proxy.id).where(Proxy.code_hash == _digest(code))) is None:
            break
    proxy.code_hash, proxy.code_expires_at = _digest(code), now + CODE_LIFETIME
    db.session.flush()
    audit.record(actor, "proxy.code", f"flat:{proxy.flat_id}", f"proxy {proxy.id}")
    return code


def bind_with_code(openid: str, code: str) -> Proxy | None:
    """Bind this WeChat user to the proxy whose code this is; None when it is no proxy's live code (then
    it may be an owner's: the caller tries that next, which counts a failure)."""
    now = db_now(db.session)
    proxy = db.session.scalar(select(Proxy).where(Proxy.code_hash == _digest(code.strip())).with_for_update())
    if proxy is None or state(proxy, now) != LIVE or proxy.code_expires_at <= now:
        return None
    proxy.code_hash, proxy.code_expires_at = None, None
    proxy.openid, proxy.bound_at = openid, now
    db.session.flush()
    audit.record(None, "proxy.bind", f"flat:{proxy.flat_id}", f"proxy {proxy.id}")
    return proxy


def bound_to(openid: str, now: datetime | None = None) -> list[Proxy]:
    """The live proxies this WeChat user is bound to (not revoked, not past their date or their vote)."""
    found = db.session.scalars(select(Proxy).where(Proxy.openid == openid).order_by(Proxy.flat_id, Proxy.id)).all()
    if not found:
        return []  # most users hold no proxy: no need to ask the clock
    now = now or db_now(db.session)
    return [p for p in found if state(p, now) == LIVE]


def lapsed(openid: str) -> Proxy | None:
    """The latest proxy this WeChat user was bound to that no longer lets them vote (to tell them why)."""
    now = db_now(db.session)
    found = db.session.scalars(select(Proxy).where(Proxy.openid == openid).order_by(Proxy.id.desc())).all()
    return next((p for p in found if state(p, now) != LIVE), None)


def unbind(openid: str) -> list[Proxy]:
    """The WeChat user no longer acts as a proxy from this account (解绑, unfollowing); the proxies stay."""
    found = db.session.scalars(select(Proxy).where(Proxy.openid == openid)).all()
    for proxy in found:
        proxy.openid = None
        audit.record(None, "proxy.unbind", f"flat:{proxy.flat_id}", f"proxy {proxy.id}")
    db.session.flush()
    return found


def for_flat(flat_id: int) -> list[Proxy]:
    return db.session.scalars(select(Proxy).where(Proxy.flat_id == flat_id).order_by(Proxy.id.desc())).all()


def names_owner(owner) -> bool:
    """Whether a proxy names this owner (as principal or proxy): then the register must keep them."""
    return db.session.scalar(select(Proxy.id).where(
        or_(Proxy.principal_id == owner.id, Proxy.proxy_owner_id == owner.id)).limit(1)) is not None
