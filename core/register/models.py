"""The household register (一区一档): street → community → estate → building → unit → flat → owner."""
from decimal import Decimal

from sqlalchemy import Index, Numeric, UniqueConstraint, text

from core.db import UTCDateTime, db


HOLDER_KINDS = {"owner": "业主", "developer": "建设单位（未售）", "original_unit": "原产权单位（未售）"}


class Street(db.Model):
    """A street office (街道办事处), the tenant of street-office staff."""

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(80), nullable=False, unique=True)
    communities = db.relationship("Community", back_populates="street", order_by="Community.id")


class Community(db.Model):
    """A community (社区居委会), the tenant of community workers."""

    id = db.Column(db.Integer, primary_key=True)
    street_id = db.Column(db.ForeignKey("street.id"), nullable=False, index=True)
    name = db.Column(db.String(80), nullable=False)
    street = db.relationship("Street", back_populates="communities")
    estates = db.relationship("Estate", back_populates="community", order_by="Estate.id")

    __table_args__ = (UniqueConstraint("street_id", "name"),)


class Estate(db.Model):
    """An estate (小区) with the facts that decide whether it qualifies for renovation."""

    id = db.Column(db.Integer, primary_key=True)
    community_id = db.Column(db.ForeignKey("community.id"), nullable=False, index=True)
    name = db.Column(db.String(80), nullable=False)
    address = db.Column(db.String(200), nullable=False, default="")
    year_built = db.Column(db.Integer, nullable=False)
    building_count = db.Column(db.Integer, nullable=False, default=0)
    # Eligibility facts (DOMAIN.md "Which estates qualify").
    structurally_safe = db.Column(db.Boolean, nullable=False, default=True)
    in_demolition_plan = db.Column(db.Boolean, nullable=False, default=False)
    in_shantytown_plan = db.Column(db.Boolean, nullable=False, default=False)
    mainly_self_built = db.Column(db.Boolean, nullable=False, default=False)
    renovated_under_sangong = db.Column(db.Boolean, nullable=False, default=False)
    preconditions_met = db.Column(db.Boolean, nullable=False, default=False)

    community = db.relationship("Community", back_populates="estates")
    buildings = db.relationship(
        "Building", back_populates="estate", order_by="Building.sort_key", cascade="all, delete-orphan"
    )

    __table_args__ = (UniqueConstraint("community_id", "name"),)


class Building(db.Model):
    """A building (楼栋), named as the estate names it ("1", "A")."""

    id = db.Column(db.Integer, primary_key=True)
    estate_id = db.Column(db.ForeignKey("estate.id"), nullable=False, index=True)
    number = db.Column(db.String(20), nullable=False)
    sort_key = db.Column(db.String(40), nullable=False, default="")
    estate = db.relationship("Estate", back_populates="buildings")
    units = db.relationship("Unit", back_populates="building", order_by="Unit.number", cascade="all, delete-orphan")

    __table_args__ = (UniqueConstraint("estate_id", "number"),)

    @property
    def label(self) -> str:
        return f"{self.number}栋"


class Unit(db.Model):
    """A stairwell unit (单元): elevators are decided per unit."""

    id = db.Column(db.Integer, primary_key=True)
    building_id = db.Column(db.ForeignKey("building.id"), nullable=False, index=True)
    number = db.Column(db.String(20), nullable=False)
    building = db.relationship("Building", back_populates="units")
    flats = db.relationship("Flat", back_populates="unit", order_by="Flat.number", cascade="all, delete-orphan")

    __table_args__ = (UniqueConstraint("building_id", "number"),)

    @property
    def label(self) -> str:
        return f"{self.building.number}栋{self.number}单元"


class Flat(db.Model):
    """A flat (户): it casts one ballot, weighted by its exclusive area."""

    id = db.Column(db.Integer, primary_key=True)
    unit_id = db.Column(db.ForeignKey("unit.id"), nullable=False, index=True)
    number = db.Column(db.String(20), nullable=False)
    floor = db.Column(db.Integer)
    area = db.Column(Numeric(10, 2, asdecimal=True), nullable=False)
    # Who holds it, for the law's headcount (司法解释第九条): an owner, or the developer (建设单位) / the
    # original property unit (原产权单位) for flats not yet sold — all of one holder's flats are one person.
    holder_kind = db.Column(db.String(20), nullable=False, default="owner", server_default="owner")
    # Flats with the same key are one person (a buyer of several flats): a worker's "同一业主" mark, or
    # the hash of an ID number (never the number itself). Empty = the flat is a person of its own.
    person_key = db.Column(db.String(64), nullable=False, default="", server_default="")
    unit = db.relationship("Unit", back_populates="flats")
    owners = db.relationship(
        "Owner", back_populates="flat", order_by="Owner.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        UniqueConstraint("unit_id", "number"),
        db.CheckConstraint("area > 0", name="area_positive"),
        db.CheckConstraint("holder_kind IN ('owner', 'developer', 'original_unit')", name="holder_kind_known"),
    )

    @property
    def label(self) -> str:
        """The address an owner would say: 1栋2单元301."""
        return f"{self.unit.building.number}栋{self.unit.number}单元{self.number}"

    @property
    def code(self) -> str:
        """The short form used in files and the auditors' CLI: 1-2-301."""
        return f"{self.unit.building.number}-{self.unit.number}-{self.number}"

    @property
    def counting_key(self) -> str | None:
        """The person this flat counts under in a headcount; None = the flat is a person of its own."""
        if self.person_key:
            return f"person:{self.person_key}"
        if self.holder_kind != "owner":
            rep = self.representative
            return f"{self.holder_kind}:{rep.name if rep else ''}"
        return None

    @property
    def holder_label(self) -> str:
        return HOLDER_KINDS.get(self.holder_kind, self.holder_kind)

    @property
    def representative(self):
        return next((o for o in self.owners if o.is_representative), None)

    @property
    def current_owners(self) -> list:
        """The owners now (those who moved out when the flat changed hands are kept apart)."""
        return [o for o in self.owners if o.moved_out_at is None]

    @property
    def former_owners(self) -> list:
        return [o for o in self.owners if o.moved_out_at is not None]

    @property
    def area_decimal(self) -> Decimal:
        return Decimal(self.area)


class Owner(db.Model):
    """An owner (业主) of a flat; of several co-owners one is the voting representative."""

    id = db.Column(db.Integer, primary_key=True)
    flat_id = db.Column(db.ForeignKey("flat.id"), nullable=False, index=True)
    name = db.Column(db.String(40), nullable=False)
    phone = db.Column(db.String(20), nullable=False, default="")
    id_last4 = db.Column(db.String(4), nullable=False, default="")
    is_representative = db.Column(db.Boolean, nullable=False, default=False)
    # 过户: set when the flat changed hands. The row stays (ballot logs and proxies name it) but the
    # person is no longer an owner: not shown as one, not exported, cannot bind or vote.
    moved_out_at = db.Column(UTCDateTime)
    # Raised to end every signed-in page session of this owner (logout, a binding ended): checked on each request.
    session_version = db.Column(db.Integer, nullable=False, default=0, server_default="0")
    flat = db.relationship("Flat", back_populates="owners")

    __table_args__ = (
        UniqueConstraint("flat_id", "name"),
        # One voting representative per flat, enforced by the database.
        Index(
            "uq_owner_representative",
            "flat_id",
            unique=True,
            sqlite_where=text("is_representative"),
            postgresql_where=text("is_representative"),
        ),
    )
