"""Finding flats by the codes people write: 1-2-301."""
from sqlalchemy import select

from core.db import db
from core.models import Building, Flat, Unit
from core.register_file import normalize_building, normalize_unit


def flat_by_code(estate, code: str):
    """The estate's flat for 'building-unit-flat' (e.g. 1-2-301), or None."""
    parts = [p.strip() for p in code.replace("－", "-").split("-")]
    if len(parts) != 3 or not all(parts):
        return None
    building, unit, number = normalize_building(parts[0]), normalize_unit(parts[1]), parts[2]
    return db.session.scalar(
        select(Flat).join(Unit).join(Building)
        .where(Building.estate_id == estate.id, Building.number == building, Unit.number == unit, Flat.number == number)
    )
