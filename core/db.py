"""The SQLAlchemy handle, a UTC timestamp type and the database clock."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, literal_column, select, type_coerce
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.types import TypeDecorator

# Stable constraint names, so that Alembic can alter them on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SHANGHAI = ZoneInfo("Asia/Shanghai")

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))


class UTCDateTime(TypeDecorator):
    """A timestamp stored as naive UTC and always read back as an aware UTC datetime."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC is required")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, str):  # SQLite's CURRENT_TIMESTAMP
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=timezone.utc)


def utcnow() -> datetime:
    """The application's clock, as an aware UTC datetime (for display and logs)."""
    return datetime.now(timezone.utc)


def local(moment: datetime) -> str:
    """A UTC moment as residents read it: Asia/Shanghai, to the minute."""
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def clock(session):
    """The database's clock as a column expression (an aware UTC datetime once read), for a query that
    reads it beside other things in one round trip."""
    if session.get_bind().dialect.name == "postgresql":
        sql = "clock_timestamp() AT TIME ZONE 'UTC'"
    else:
        sql = "strftime('%Y-%m-%d %H:%M:%f', 'now')"
    return type_coerce(literal_column(sql), UTCDateTime)


def db_now(session) -> datetime:
    """The database's clock, as an aware UTC datetime: deadlines are judged by it, not by a node's."""
    return session.execute(select(clock(session))).scalar_one()


def insert_new(session, model, **values) -> bool:
    """INSERT … ON CONFLICT DO NOTHING in one round trip (no savepoint): True when the row was new."""
    insert = (postgresql if session.get_bind().dialect.name == "postgresql" else sqlite).insert
    return session.execute(insert(model).values(**values).on_conflict_do_nothing().returning(model.id)).first() is not None
