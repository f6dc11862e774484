"""Staff accounts (community workers, street-office staff, admins): the model, creation and sign-in checks.
Flush, never commit."""
import enum

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from core.db import UTCDateTime, db, utcnow


class Role(str, enum.Enum):
    WORKER = "worker"  # 社区工作者, scoped to one community
    STREET = "street"  # 街道办工作人员, scoped to one street
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return {"worker": "社区工作者", "street": "街道办", "admin": "管理员"}[self.value]


class User(db.Model):
    """A staff member who signs in to the console with a password."""

    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(40), nullable=False, unique=True)
    display_name = db.Column(db.String(40), nullable=False, default="")
    password_hash = db.Column(db.String(255), nullable=False)
    role = db.Column(db.Enum(Role, native_enum=False, length=10, values_callable=lambda e: [m.value for m in e]),
                     nullable=False)
    community_id = db.Column(db.ForeignKey("community.id"), index=True)
    street_id = db.Column(db.ForeignKey("street.id"), index=True)
    active = db.Column(db.Boolean, nullable=False, default=True)
    # In every session cookie (get_id) and checked on every request: raising it ends all of the user's
    # sessions, on every device (logout, deactivation, a new password).
    session_version = db.Column(db.Integer, nullable=False, default=0, server_default="0")
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    community = db.relationship("Community")
    street = db.relationship("Street")

    __table_args__ = (
        db.CheckConstraint(
            "(role = 'worker' AND community_id IS NOT NULL AND street_id IS NULL)"
            " OR (role = 'street' AND street_id IS NOT NULL AND community_id IS NULL)"
            " OR (role = 'admin' AND community_id IS NULL AND street_id IS NULL)",
            name="role_scope",
        ),
    )

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)
        self.end_sessions()

    def end_sessions(self) -> None:
        self.session_version = (self.session_version or 0) + 1

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    # The four members Flask-Login reads, written out so that core/ needs no Flask extension.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version or 0}"

    def matches_session(self, session_id: str) -> bool:
        """Whether a session's stored id (get_id at login) is still this user's current one."""
        return session_id == self.get_id()


class AccountError(ValueError):
    """A staff account could not be created as asked."""


def create_user(username: str, password: str, role: str, display_name: str = "",
                community=None, street=None) -> User:
    """Create a staff account scoped to a community (worker), a street (street office) or nothing (admin).

    `community` and `street` are the register's rows (core.register.lookup finds them by name).
    """
    role = Role(role)
    if len(password) < 8:
        raise AccountError("密码至少 8 位。")
    if db.session.scalar(select(User).where(User.username == username)):
        raise AccountError(f"用户名 {username} 已存在。")
    user = User(username=username, display_name=display_name or username, role=role)
    if role == Role.WORKER:
        if community is None:
            raise AccountError("社区工作者须属于一个社区。")
        user.community = community
    elif role == Role.STREET:
        if street is None:
            raise AccountError("街道办工作人员须属于一个街道。")
        user.street = street
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


_dummy_hash: str | None = None


def _dummy_password_hash() -> str:
    """A hash made like real ones (same method and cost), checked when the username is unknown."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = generate_password_hash("no such user")
    return _dummy_hash


def change_password(user: User, password: str) -> None:
    """A new password; the user's sessions end everywhere."""
    if len(password) < 8:
        raise AccountError("密码至少 8 位。")
    user.set_password(password)
    db.session.flush()


def deactivate(user: User) -> None:
    """The account can no longer sign in, and its open sessions end."""
    user.active = False
    user.end_sessions()
    db.session.flush()


def authenticate(username: str, password: str) -> User | None:
    """The active user with this username and password, or None.

    A password hash is checked whether or not the user exists (a dummy one when not), so that the
    answer's timing does not tell which usernames exist.
    """
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        check_password_hash(_dummy_password_hash(), password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    return user
