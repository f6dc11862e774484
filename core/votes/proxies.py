"""委托投票: recording, revoking and checking proxies. Flush, never commit; every change is audited.

A proxy lets one person cast a flat's ballot in place of its voting representative: for one vote, or for
every vote of the estate until a date. The ballot belongs to the flat; the log names who cast it.
"""
import re
from datetime import datetime

from sqlalchemy import or_, select

from core import audit
from core.accounts import Role
from core.db import db, db_now, local
from core.votes.models import Proxy, Vote

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
    if proxy_phone and not re.fullmatch(r"[0-9+\-]{7,20}", proxy_phone):
        raise ProxyError(f"“{proxy_phone}”不像电话号码。")
    now = db_now(db.session)
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
    db.session.flush()
    audit.record(actor, "proxy.revoke", f"flat:{proxy.flat_id}", f"proxy {proxy.id}: {reason[:100]}")


def valid_for(owner, flat_id: int, vote: Vote, now: datetime | None = None) -> Proxy | None:
    """The proxy that lets this owner cast this flat's ballot in this vote now, if any."""
    now = now or db_now(db.session)
    return db.session.scalar(select(Proxy).where(
        Proxy.proxy_owner_id == owner.id, Proxy.flat_id == flat_id, Proxy.revoked_at.is_(None),
        or_(Proxy.vote_id == vote.id, (Proxy.estate_id == vote.estate_id) & (Proxy.valid_until >= now)),
    ).order_by(Proxy.id.desc()).limit(1))


def for_flat(flat_id: int) -> list[Proxy]:
    return db.session.scalars(select(Proxy).where(Proxy.flat_id == flat_id).order_by(Proxy.id.desc())).all()


def names_owner(owner) -> bool:
    """Whether a proxy names this owner (as principal or proxy): then the register must keep them."""
    return db.session.scalar(select(Proxy.id).where(
        or_(Proxy.principal_id == owner.id, Proxy.proxy_owner_id == owner.id)).limit(1)) is not None
