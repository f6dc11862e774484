"""Small builders for test data; each flushes and lets the test decide when to commit."""
from decimal import Decimal
from itertools import count

from core.accounts import create_user
from core.db import db
from core.register.models import Community, Flat, Owner, Street, Unit
from core.register.operations import create_estate

_serial = count(1)
PASSWORD = "password-123"


def street(name=None):
    s = Street(name=name or f"街道{next(_serial)}")
    db.session.add(s)
    db.session.flush()
    return s


def community(street_=None, name=None):
    c = Community(street=street_ or street(), name=name or f"社区{next(_serial)}")
    db.session.add(c)
    db.session.flush()
    return c


def estate(community_=None, name=None, buildings=("1", "2"), units=2, floors=3, area="80.00", year=1995, **facts):
    """An estate with `floors` × 2 flats in each unit, every flat `area` m², one owner each."""
    e = create_estate(community_ or community(), name or f"小区{next(_serial)}", year, list(buildings), **facts)
    for building in e.buildings:
        for u in range(1, units + 1):
            unit = Unit(building=building, number=str(u))
            for floor in range(1, floors + 1):
                for door in (1, 2):
                    flat = Flat(unit=unit, number=f"{floor}0{door}", floor=floor, area=Decimal(area))
                    flat.owners.append(Owner(name=f"业主{next(_serial)}", phone="13800000000",
                                             id_last4="1234", is_representative=True))
                    db.session.add(flat)
    db.session.flush()
    return e


def user(role="worker", community_=None, street_=None, username=None):
    name = username or f"{role}{next(_serial)}"
    return create_user(name, PASSWORD, role, community=community_, street=street_)


def vote(estate_, rule="headcount_2_3", building=None, unit=None, opens_in=-3600, closes_in=86400, open_=True,
         actor=None):
    """A vote over the estate (or one building/unit), opened an hour ago by default, by the database clock."""
    from datetime import timedelta

    from core.db import db_now
    from core.votes.operations import create_vote, open_vote

    now = db_now(db.session)
    v = create_vote(actor, estate_, "加装电梯" if unit else "老旧小区改造", rule, now + timedelta(seconds=opens_in),
                    now + timedelta(seconds=closes_in), building=building, unit=unit)
    if open_:
        open_vote(v.id, actor)
    return v


def flats_of(estate_):
    return [f for b in estate_.buildings for u in b.units for f in u.flats]
