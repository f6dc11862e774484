"""Binding a WeChat user (openid) to an owner in the register, and undoing it. Flush, never commit.

Two ways in: a one-time code that a community worker hands out, or the flat's number with the
owner's name and the last four digits of the phone in the register. Failed tries are counted per
WeChat user and per flat, so that nobody can guess their way into a neighbour's vote.
"""
import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from core import audit
from core.db import db, db_now
from core.register.lookup import flat_by_code
from core.register.models import Estate, Owner
from core.residents.models import Binding, BindingAttempt, BindingCode, SignInLink

CODE_LIFETIME = timedelta(days=30)
ATTEMPT_WINDOW = timedelta(hours=24)
MAX_FAILURES_PER_OPENID = 5  # a day, per WeChat user, counted apart for codes and for register matches
MAX_FAILURES_PER_FLAT = 10  # a day, register matches naming the flat
MAX_FAILURES_PER_FLAT_HOUR = 5
# Everyone together, an hour: many WeChat accounts guessing at once. A wrong code has a one in
# 10^8 / (live codes) chance; these caps keep a distributed guess slow, at the price that a flood
# locks that way of binding for everyone for up to an hour (the other way still works).
MAX_CODE_FAILURES_HOUR = 200
MAX_REGISTER_FAILURES_HOUR = 200


class BindingRefused(Exception):
    """A binding that did not happen; the message is for the resident."""


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def live_binding(openid: str) -> Binding | None:
    """The WeChat user's binding, with its owner and flat in the same query (every chat message asks)."""
    return db.session.scalar(select(Binding).where(Binding.openid == openid, Binding.ended_at.is_(None))
                             .options(joinedload(Binding.owner).joinedload(Owner.flat)))


def binding_of_owner(owner_id: int) -> Binding | None:
    return db.session.scalar(select(Binding).where(Binding.owner_id == owner_id, Binding.ended_at.is_(None)))


def issue_code(owner, actor, lifetime: timedelta = CODE_LIFETIME) -> str:
    """A fresh eight-digit code for this owner; earlier unused codes of the owner stop working."""
    now = db_now(db.session)
    for earlier in db.session.scalars(select(BindingCode).where(
            BindingCode.owner_id == owner.id, BindingCode.used_at.is_(None), BindingCode.expires_at > now)):
        earlier.expires_at = now
    while True:
        code = f"{secrets.randbelow(10 ** 8):08d}"
        if db.session.scalar(select(BindingCode.id).where(BindingCode.code_hash == _digest(code))) is None:
            break
    db.session.add(BindingCode(code_hash=_digest(code), owner=owner, issued_by_id=getattr(actor, "id", None),
                               expires_at=now + lifetime))
    audit.record(actor, "binding.code", f"owner:{owner.id}", owner.flat.label)
    db.session.flush()
    return code


def _failures(since, method: str | None = None, openid: str | None = None, flat_id: int | None = None) -> int:
    query = select(func.count(BindingAttempt.id)).where(BindingAttempt.at > since)
    if method:
        query = query.where(BindingAttempt.method == method)
    if openid:
        query = query.where(BindingAttempt.openid == openid)
    if flat_id:
        query = query.where(BindingAttempt.flat_id == flat_id)
    return db.session.scalar(query)


def _check_not_locked(now, openid: str, method: str) -> None:
    if _failures(now - ATTEMPT_WINDOW, method, openid=openid) >= MAX_FAILURES_PER_OPENID:
        raise BindingRefused("尝试次数太多，请明天再试，或请社区工作人员给您绑定码。" if method == "register"
                             else "绑定码错误次数太多，请明天再试，或请社区工作人员帮您绑定。")
    cap = MAX_CODE_FAILURES_HOUR if method == "code" else MAX_REGISTER_FAILURES_HOUR
    if _failures(now - timedelta(hours=1), method) >= cap:
        raise BindingRefused("现在绑定的人太多，请一小时后再试。" if method == "code"
                             else "现在核对登记的人太多，请一小时后再试，或用社区工作人员给您的绑定码。")


def _tries_left(now, openid: str, method: str) -> str:
    """After a failure: how many more this WeChat user has today, said before the lock-out, not after."""
    left = MAX_FAILURES_PER_OPENID - _failures(now - ATTEMPT_WINDOW, method, openid=openid)
    return f"（今天还可以再试 {left} 次。）" if 0 < left <= 3 else ""


def flat_locked(flat_id: int, now=None) -> bool:
    """Whether binding by register match is locked for this flat (too many failed tries)."""
    now = now or db_now(db.session)
    return (_failures(now - ATTEMPT_WINDOW, "register", flat_id=flat_id) >= MAX_FAILURES_PER_FLAT
            or _failures(now - timedelta(hours=1), "register", flat_id=flat_id) >= MAX_FAILURES_PER_FLAT_HOUR)


def locked_flat_ids(flat_ids, now=None) -> set[int]:
    """Of these flats, the ones whose register binding is locked (for the console)."""
    now = now or db_now(db.session)
    return {flat_id for flat_id in db.session.scalars(select(BindingAttempt.flat_id).where(
        BindingAttempt.flat_id.in_(list(flat_ids)), BindingAttempt.method == "register",
        BindingAttempt.at > now - ATTEMPT_WINDOW).distinct()) if flat_locked(flat_id, now)}


def lift_lock(flat, actor) -> int:
    """A worker lifts a flat's lockout (the owner came to the office): its failed tries are forgotten."""
    attempts = db.session.scalars(select(BindingAttempt).where(BindingAttempt.flat_id == flat.id)).all()
    for attempt in attempts:
        db.session.delete(attempt)
    audit.record(actor, "binding.unlock", f"flat:{flat.id}", f"{len(attempts)} failed tries forgotten")
    db.session.flush()
    return len(attempts)


def _check_not_bound(openid: str) -> None:
    current = live_binding(openid)
    if current is not None:
        raise BindingRefused(f"您已绑定 {current.owner.flat.label}。如需更换，请先发送“解绑”。")


def _bind(openid: str, owner, method: str, now) -> Binding:
    binding = Binding(openid=openid, owner=owner, method=method, bound_at=now)
    db.session.add(binding)
    db.session.flush()
    audit.record(None, f"binding.{method}", f"owner:{owner.id}", f"binding:{binding.id}")
    return binding


def check_code_allowed(openid: str) -> None:
    """Refuse (BindingRefused) a code from a WeChat user who guessed wrong too often, before any code of
    any kind (an owner's, a proxy's) is looked up."""
    _check_not_locked(db_now(db.session), openid, "code")


def bind_with_code(openid: str, code: str) -> Binding:
    """Bind with a worker's one-time code. The code is authoritative: it replaces the owner's other binding.

    A wrong code counts as a failure even from a bound user (who may be guessing a proxy's code)."""
    now = db_now(db.session)
    _check_not_locked(now, openid, "code")
    record = db.session.scalar(select(BindingCode).where(BindingCode.code_hash == _digest(code.strip()))
                               .with_for_update())
    if record is None or record.used_at is not None or record.expires_at <= now:
        db.session.add(BindingAttempt(openid=openid, method="code", at=now))
        db.session.flush()
        raise BindingRefused("绑定码不对或已失效。请核对后再发，或请社区工作人员重新给您一个。"
                             + _tries_left(now, openid, "code"))
    _check_not_bound(openid)
    record.used_at = now
    earlier = binding_of_owner(record.owner_id)
    if earlier is not None:
        _end(earlier, now, "rebound")
    return _bind(openid, record.owner, "code", now)


def bind_with_register(openid: str, estate_name: str, flat_code: str, name: str, phone_last4: str) -> Binding:
    """Bind by flat, owner's name and the phone's last four digits, as written in the register."""
    now = db_now(db.session)
    _check_not_locked(now, openid, "register")
    _check_not_bound(openid)
    estate = find_estate(estate_name)
    flat = flat_by_code(estate, flat_code) if estate else None
    if flat is not None and flat_locked(flat.id, now):
        raise BindingRefused("这套房屋的尝试次数太多，已暂停核对登记。请用社区工作人员给您的绑定码，"
                             "或请工作人员解除锁定。")
    owner = None
    if flat is not None:
        owner = db.session.scalar(select(Owner).where(Owner.flat_id == flat.id, Owner.name == name.strip(),
                                                      Owner.moved_out_at.is_(None)))
    if owner is None or len(phone_last4) != 4 or not owner.phone or owner.phone[-4:] != phone_last4:
        db.session.add(BindingAttempt(openid=openid, flat_id=flat.id if flat else None, method="register", at=now))
        db.session.flush()
        # Which part did not match, but never whether a name is on the register: the estate and the
        # flat are public facts, the owner's name and phone are not, so those two are refused together.
        left = _tries_left(now, openid, "register")
        if estate is None:
            raise BindingRefused(f"没有找到“{estate_name.strip()[:20]}”小区。请核对小区名，或请社区工作人员给您绑定码。"
                                 + left)
        if flat is None:
            raise BindingRefused(f"{estate.name}没有 {flat_code} 这套房。请核对楼栋、单元和房号（如 3-2-301）。" + left)
        raise BindingRefused("姓名或手机后四位与登记的不一致。请核对后再发，或请社区工作人员给您绑定码。" + left)
    if binding_of_owner(owner.id) is not None:
        raise BindingRefused("这位业主已绑定了另一个微信。如需更换，请联系社区工作人员。")
    return _bind(openid, owner, "register", now)


def find_estate(name: str):
    """The estate a resident names: exactly, or the only one whose name contains what they typed."""
    name = (name or "").strip()
    if not name:
        return None
    exact = db.session.scalar(select(Estate).where(Estate.name == name))
    if exact is not None:
        return exact
    matches = db.session.scalars(select(Estate).where(Estate.name.contains(name, autoescape=True)).limit(2)).all()
    return matches[0] if len(matches) == 1 else None


def _end(binding: Binding, now, reason: str, actor=None) -> None:
    """End a binding, and with it the owner's page sessions and any sign-in link not yet used
    (a link the chat sent before 解绑 must not sign anyone in afterwards)."""
    binding.ended_at, binding.end_reason = now, reason
    binding.ended_by_id = getattr(actor, "id", None)
    binding.owner.session_version = (binding.owner.session_version or 0) + 1
    for link in db.session.scalars(select(SignInLink).where(
            SignInLink.owner_id == binding.owner_id, SignInLink.used_at.is_(None), SignInLink.expires_at > now)):
        link.expires_at = now
    db.session.flush()
    audit.record(actor, f"binding.{reason}", f"owner:{binding.owner_id}", f"binding:{binding.id}")


def unbind(openid: str, reason: str = "unbound", sent_at=None) -> Binding | None:
    """End the WeChat user's live binding (they asked, or unfollowed the account); None if there was none.

    `sent_at`: when WeChat says the request was made (CreateTime). A delivery made before the binding
    began (an unsubscribe delivered late, after the resident followed again and bound) ends nothing.
    """
    binding = live_binding(openid)
    if binding is not None and sent_at is not None and int(sent_at.timestamp()) < int(binding.bound_at.timestamp()):
        return None
    if binding is not None:
        _end(binding, db_now(db.session), reason)
    return binding


def end_for_owner(owner, actor) -> None:
    """The owner is no longer one (the flat changed hands): end their binding, void their unused codes."""
    now = db_now(db.session)
    for code in db.session.scalars(select(BindingCode).where(
            BindingCode.owner_id == owner.id, BindingCode.used_at.is_(None), BindingCode.expires_at > now)):
        code.expires_at = now
    binding = binding_of_owner(owner.id)
    if binding is not None:
        _end(binding, now, "revoked", actor)


def revoke(binding: Binding, actor) -> None:
    """A worker ends a binding (a sold flat, a mistaken binding)."""
    if binding.ended_at is None:
        _end(binding, db_now(db.session), "revoked", actor)
