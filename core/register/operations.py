"""Writes to the register: creating estates, importing a spreadsheet, exporting it. Flush, never commit."""
import re
from dataclasses import dataclass

from sqlalchemy import select

from core import audit
from core.db import db, db_now
from core.register.models import HOLDER_KINDS, Building, Estate, Flat, Owner, Unit
from core.register.privacy import looks_like_phone, mask_name
from core.register.sheet import (
    HOLDER_NAMES,
    FlatRecord,
    ImportRejected,
    RowError,
    building_sort_key,
    normalize_building,
    parse,
    person_key,
    read_table,
    write_workbook,
)


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    not_in_file: int  # flats in the register that the file does not mention (kept as they are)

    @property
    def summary(self) -> str:
        text = f"新增 {self.created} 户，更新 {self.updated} 户，未变 {self.unchanged} 户。"
        if self.not_in_file:
            text += f"登记中另有 {self.not_in_file} 户不在文件里，已保留。"
        return text


def create_estate(community, name: str, year_built: int, buildings: list[str], address: str = "", **facts) -> Estate:
    """Register an estate and its buildings (flats come from an import)."""
    estate = Estate(community=community, name=name, year_built=year_built, address=address,
                    building_count=len(buildings), **facts)
    for number in buildings:
        number = normalize_building(number)
        estate.buildings.append(Building(number=number, sort_key=building_sort_key(number)))
    db.session.add(estate)
    db.session.flush()
    return estate


def import_register(estate: Estate, filename: str, data: bytes, actor, *, has_voted) -> ImportResult:
    """Validate the whole file, then create or update its flats in place; raises ImportRejected and writes nothing.

    `has_voted(owner)` says whether an owner is named in a ballot log (core.votes.ballots.owner_has_voted):
    such an owner must stay on the register.
    """
    buildings = {b.number: b for b in estate.buildings}
    records = parse(read_table(filename, data), set(buildings))
    existing = {
        (f.unit.building.number, f.unit.number, f.number): f
        for f in db.session.scalars(
            select(Flat).join(Unit).join(Building).where(Building.estate_id == estate.id)
        )
    }
    _refuse_dropping_voters(records, existing, has_voted)
    units = {(u.building.number, u.number): u for b in estate.buildings for u in b.units}
    created = updated = unchanged = 0
    for record in records:
        flat = existing.pop((record.building, record.unit, record.number), None)
        if flat is None:
            unit = units.get((record.building, record.unit))
            if unit is None:
                unit = Unit(building=buildings[record.building], number=record.unit)
                units[(record.building, record.unit)] = unit
            flat = Flat(unit=unit, number=record.number, floor=record.floor, area=record.area,
                        holder_kind=record.holder_kind or "owner", person_key=record.person_key or "")
            db.session.add(flat)
            _sync_owners(flat, record)
            created += 1
        elif _apply(flat, record):
            updated += 1
        else:
            unchanged += 1
    db.session.flush()
    result = ImportResult(created, updated, unchanged, len(existing))
    audit.record(actor, "register.import", f"estate:{estate.id}", f"{filename}: {result.summary}")
    return result


def _refuse_dropping_voters(records, existing, has_voted) -> None:
    """An owner who has cast a ballot stays on the register: the ballot log names them."""
    errors = []
    for record in records:
        flat = existing.get((record.building, record.unit, record.number))
        if flat is None:
            continue
        wanted = {o.name for o in record.owners}
        for owner in flat.current_owners:
            if owner.name not in wanted and has_voted(owner):
                errors.append(RowError(record.row, "业主姓名", f"{mask_name(owner.name)} 已参与表决，不能从登记中删除；"
                                                              "请保留此人，另行登记变更。"))
    if errors:
        raise ImportRejected(errors)


def _apply(flat: Flat, record: FlatRecord) -> bool:
    changed = False
    if flat.floor != record.floor:
        flat.floor = record.floor
        changed = True
    if flat.area_decimal != record.area:
        flat.area = record.area
        changed = True
    for name in ("holder_kind", "person_key"):  # only when the file has the column (older files do not)
        value = getattr(record, name)
        if value is not None and getattr(flat, name) != value:
            setattr(flat, name, value)
            changed = True
    return _sync_owners(flat, record) or changed


def _sync_owners(flat: Flat, record: FlatRecord) -> bool:
    """Make the flat's owners match the record, matching people by name; True if anything changed."""
    wanted = {o.name: (i, o) for i, o in enumerate(record.owners)}
    changed = False
    current = {o.name: o for o in flat.current_owners}
    former = {o.name for o in flat.former_owners}
    old_rep = flat.representative
    new_rep_name = record.owners[0].name
    if old_rep is not None and old_rep.name != new_rep_name:
        # Drop the old representative's mark first: the database allows one per flat at any moment.
        old_rep.is_representative = False
        db.session.flush()
        changed = True
    for name, owner in current.items():
        if name not in wanted:
            # Their one-time sign-in links go with them (the cascade SignInLink.owner declares).
            flat.owners.remove(owner)
            changed = True
    if changed:
        db.session.flush()
    for name, (index, record_owner) in wanted.items():
        owner = current.get(name)
        fields = {"is_representative": index == 0}
        if index == 0 or record_owner.phone or record_owner.id_last4:
            fields.update(phone=record_owner.phone, id_last4=record_owner.id_last4)
        if owner is None:
            if name in former:  # the same name as someone who sold the flat: a worker must look at it
                raise ImportRejected([RowError(record.row, "业主姓名", f"{mask_name(name)} 已在本户过户迁出，"
                                                                    "请在控制台本户页面处理。")])
            flat.owners.append(Owner(name=name, **fields))
            changed = True
            continue
        for key, value in fields.items():
            if getattr(owner, key) != value:
                setattr(owner, key, value)
                changed = True
    return changed


class RegisterError(ValueError):
    """A register edit that is refused; the message is for the worker, and nothing was changed."""


def set_holder(flat: Flat, holder_kind: str, same_person: str, actor) -> bool:
    """Who holds the flat for the law's headcount: an owner, or the developer / original property unit
    (unsold), and the 同一业主 mark shared by the flats of one person. Audited; True if anything changed.
    A vote already published keeps the headcount it froze."""
    if holder_kind not in HOLDER_KINDS:
        raise RegisterError("产权类型只能是：业主、建设单位、原产权单位。")
    key = person_key(same_person or "")
    if len(key) > 64:
        raise RegisterError("“同一业主”标记不能超过 64 个字。")
    if (flat.holder_kind, flat.person_key) == (holder_kind, key):
        return False
    before = f"{flat.holder_kind}/{flat.person_key or '-'}"
    flat.holder_kind, flat.person_key = holder_kind, key
    db.session.flush()
    audit.record(actor, "register.holder", f"flat:{flat.id}", f"{before} → {holder_kind}/{key or '-'}")
    return True


def transfer(flat: Flat, name: str, phone: str, id_last4: str, actor) -> list[Owner]:
    """过户: the flat changed hands. Its owners move out — kept, marked, because ballot logs and proxies name
    them — and the buyer becomes its voting representative. The flat's ballot in a running vote stays the
    flat's until the new owner changes it. Returns the owners who moved out (the caller ends their bindings)."""
    name, phone, id_last4 = (name or "").strip(), (phone or "").strip(), (id_last4 or "").strip().upper()
    if not name or len(name) > 40:
        raise RegisterError("请填写新业主姓名（40 字以内）。")
    if phone and not looks_like_phone(phone):
        raise RegisterError(f"“{phone}”不像电话号码。")
    if id_last4 and not re.fullmatch(r"\d{3}[\dX]", id_last4):
        raise RegisterError(f"“{id_last4}”应是 4 位数字（末位可为 X）。")
    if any(o.name == name for o in flat.owners):
        raise RegisterError(f"{mask_name(name)} 已登记在本户（或曾是本户业主），过户请填写买受人。")
    now = db_now(db.session)
    leaving = flat.current_owners
    for owner in leaving:
        owner.moved_out_at, owner.is_representative = now, False
    # The seller's marks go with the seller: the buyer is a person of their own until a worker says otherwise.
    flat.holder_kind, flat.person_key = "owner", ""
    db.session.flush()
    flat.owners.append(Owner(name=name, phone=phone, id_last4=id_last4, is_representative=True))
    db.session.flush()
    audit.record(actor, "register.transfer", f"flat:{flat.id}",
                 f"{len(leaving)} owner(s) moved out, new representative {mask_name(name)}")
    return leaving


def same_person_flats(flat: Flat) -> list[Flat]:
    """The other flats of the estate that count as the same person as this one (for the worker to check)."""
    key = flat.counting_key
    if key is None:
        return []
    estate_id = flat.unit.building.estate_id
    others = db.session.scalars(select(Flat).join(Unit).join(Building).where(
        Building.estate_id == estate_id, Flat.id != flat.id,
        (Flat.person_key == flat.person_key) if flat.person_key else (Flat.holder_kind == flat.holder_kind))).all()
    return [f for f in others if f.counting_key == key]


def export_rows(estate: Estate) -> list[list]:
    """The register as spreadsheet rows, in the import format, so that export → import changes nothing."""
    rows = []
    for building in estate.buildings:
        for unit in building.units:
            for flat in unit.flats:
                rep = flat.representative
                others = [o.name for o in flat.current_owners if o is not rep]
                rows.append([
                    building.number, unit.number, flat.number, flat.floor, float(flat.area_decimal),
                    rep.name if rep else "", rep.phone if rep else "", rep.id_last4 if rep else "",
                    "、".join(others), HOLDER_NAMES.get(flat.holder_kind, ""), flat.person_key,
                ])
    return rows


def export_register(estate: Estate, actor) -> bytes:
    """The register as .xlsx with full personal data; audited, as every export of personal data is."""
    audit.record(actor, "register.export", f"estate:{estate.id}")
    return write_workbook(export_rows(estate))
