"""Whether an estate qualifies for renovation, and why not (DOMAIN.md "Which estates qualify")."""
from dataclasses import dataclass

# 资阳, 青海, 新乡 and 咸宁: built before the end of 2000.
BUILT_BY_YEAR = 2000


@dataclass(frozen=True)
class Assessment:
    qualifies: bool
    reasons: tuple[str, ...]  # why not, one short sentence each; empty when it qualifies


def assess(estate, built_by_year: int = BUILT_BY_YEAR) -> Assessment:
    """Judge an estate's eligibility from its register facts; pure, reads only attributes."""
    reasons = []
    if estate.year_built > built_by_year:
        reasons.append(f"建成于{estate.year_built}年，晚于{built_by_year}年底。")
    if not estate.structurally_safe:
        reasons.append("房屋结构安全未达标。")
    if estate.in_demolition_plan:
        reasons.append("已列入拆迁或征收计划。")
    if estate.in_shantytown_plan:
        reasons.append("已列入棚户区改造计划。")
    if estate.mainly_self_built:
        reasons.append("以自建房为主或属城中村。")
    if estate.renovated_under_sangong:
        reasons.append("已通过“三供一业”完成改造。")
    if not estate.preconditions_met:
        reasons.append("前置条件未满足（党组织、居民公约、拆违、出资、后期物业）。")
    return Assessment(qualifies=not reasons, reasons=tuple(reasons))
