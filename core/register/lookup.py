"""Finding flats by the codes people write: 1-2-301, 1栋2单元301."""
import re
import unicodedata

from sqlalchemy import select

from core.db import db
from core.register.models import Building, Community, Flat, Street, Unit
from core.register.sheet import normalize_building, normalize_unit


# A flat as workers and residents write it: 1-2-301, 1栋2单元301, 1号楼2单元301室, A座1单元101, 1 2 301.
_FLAT_CODE = re.compile(r"([0-9A-Za-z]{1,10})\s*(?:号楼|栋|幢|座|号|#|-|\s)\s*([0-9A-Za-z]{1,10})\s*(?:单元|门|-|\s)\s*"
                        r"([0-9A-Za-z]{1,10})\s*(?:室|号|房)?")


def flat_parts(code: str) -> tuple[str, str, str] | None:
    """(building, unit, flat number) of a flat as typed, or None when it is not one."""
    match = _FLAT_CODE.fullmatch(unicodedata.normalize("NFKC", code or "").replace("—", "-").strip())
    return match.groups() if match else None


def flat_by_code(estate, code: str):
    """The estate's flat for 'building-unit-flat' (1-2-301, or 1栋2单元301 and the like), or None."""
    parts = flat_parts(code)
    if parts is None:
        return None
    building, unit, number = normalize_building(parts[0]), normalize_unit(parts[1]), parts[2]
    return db.session.scalar(
        select(Flat).join(Unit).join(Building)
        .where(Building.estate_id == estate.id, Building.number == building, Unit.number == unit, Flat.number == number)
    )


def scope_flats_query(estate_id: int, building_id: int | None = None, unit_id: int | None = None):
    """A query for the flats of an estate, or of one of its buildings or units."""
    query = select(Flat).join(Unit).join(Building).where(Building.estate_id == estate_id)
    if unit_id:
        query = query.where(Unit.id == unit_id)
    elif building_id:
        query = query.where(Building.id == building_id)
    return query.order_by(Flat.id)


def community_named(name: str | None) -> Community | None:
    """The community of this name, or None."""
    return db.session.scalar(select(Community).where(Community.name == name)) if name else None


def street_named(name: str | None) -> Street | None:
    """The street office of this name, or None."""
    return db.session.scalar(select(Street).where(Street.name == name)) if name else None
