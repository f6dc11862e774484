"""Staff accounts: creation and sign-in checks. Flush, never commit."""
from sqlalchemy import select

from core.db import db
from core.models import Community, Role, Street, User


class AccountError(ValueError):
    """A staff account could not be created as asked."""


def create_user(username: str, password: str, role: str, display_name: str = "",
                community: str | None = None, street: str | None = None) -> User:
    """Create a staff account scoped to a community (worker), a street (street office) or nothing (admin)."""
    role = Role(role)
    if len(password) < 8:
        raise AccountError("密码至少 8 位。")
    if db.session.scalar(select(User).where(User.username == username)):
        raise AccountError(f"用户名 {username} 已存在。")
    user = User(username=username, display_name=display_name or username, role=role)
    if role == Role.WORKER:
        user.community = db.session.scalar(select(Community).where(Community.name == community))
        if user.community is None:
            raise AccountError(f"没有名为 {community!r} 的社区。")
    elif role == Role.STREET:
        user.street = db.session.scalar(select(Street).where(Street.name == street))
        if user.street is None:
            raise AccountError(f"没有名为 {street!r} 的街道。")
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(username: str, password: str) -> User | None:
    """The active user with this username and password, or None."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.active or not user.check_password(password):
        return None
    return user
