"""Reading votes: live tallies overall and per building and unit, the progress curve, a resident's votes."""
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Integer, cast, func, select

from core.db import db
from core.register.models import Building, Estate, Flat, Unit
from core.votes.consent import AGREE, Tally, evaluate, rule_for
from core.votes.models import Ballot, BallotEntry, Vote, VoteFlat


def electorate_rows(vote: Vote):
    """(flat id, area, building number, unit number, flat label) of the frozen electorate."""
    return db.session.execute(
        select(VoteFlat.flat_id, VoteFlat.area, Building.number, Unit.number, Flat.number)
        .join(Flat, Flat.id == VoteFlat.flat_id).join(Unit).join(Building)
        .where(VoteFlat.vote_id == vote.id).order_by(Building.sort_key, Unit.number, Flat.number)
    ).all()


def current_choices(vote: Vote) -> dict[int, str]:
    return dict(db.session.execute(select(Ballot.flat_id, Ballot.choice).where(Ballot.vote_id == vote.id)).all())


def tally_from_choices(vote: Vote, choices: dict[int, str]) -> Tally:
    rows = db.session.execute(select(VoteFlat.flat_id, VoteFlat.area).where(VoteFlat.vote_id == vote.id)).all()
    return evaluate(rows, choices, rule_for(vote.rule, vote.fractions))


def live_tally(vote: Vote) -> Tally:
    """The tally of the current ballots (once closed, vote.final_tally holds the frozen one)."""
    flats, choices = _electorate_and_choices(vote)
    return evaluate(flats, choices, rule_for(vote.rule, vote.fractions))


def _electorate_and_choices(vote: Vote) -> tuple[list, dict[int, str]]:
    """The frozen electorate as (id, area) and the current choices by id, for consent.evaluate.

    A tally needs only how many flats of each area chose what, not which flats: the database counts
    the flats per (area in integer hundredths, current choice) in one GROUP BY (a few hundred groups
    in a real estate, where flats share floor plans), and each group becomes that many entries with
    ids that only tell them apart. Areas have two decimals, so hundredths are exact, and the engine
    sums exactly the same multiset of areas and choices as it would from the per-flat rows (a test
    holds the two equal under every rule). consent.evaluate still adds every flat itself: it takes
    flats, not sums; a pre-summed entry point would belong in consent.py.

    If consent ever counts heads by owner rather than by flat, the owner key must join the GROUP BY.
    """
    cents = cast(func.round(VoteFlat.area * 100), Integer)
    groups = db.session.execute(
        select(cents, Ballot.choice, func.count()).select_from(VoteFlat)
        .outerjoin(Ballot, (Ballot.vote_id == VoteFlat.vote_id) & (Ballot.flat_id == VoteFlat.flat_id))
        .where(VoteFlat.vote_id == vote.id).group_by(cents, Ballot.choice)
    ).all()
    flats: list = []
    choices: dict[int, str] = {}
    for hundredths, choice, n in groups:
        area, first = Decimal(hundredths).scaleb(-2), len(flats)
        flats += [(i, area) for i in range(first, first + n)]
        if choice is not None:
            choices.update(dict.fromkeys(range(first, first + n), choice))
    return flats, choices


def status(vote: Vote, tally: Tally) -> str:
    """passed / pending / failed / draft, as a street office reads it."""
    if vote.status == "draft":
        return "draft"
    if vote.status == "closed":
        return "passed" if vote.final_tally and vote.final_tally["passed"] else "failed"
    return "passed" if tally.passed else "pending"


STATUS_LABELS = {"draft": "未发布", "pending": "进行中", "passed": "已通过", "failed": "未通过"}


@dataclass(frozen=True)
class GroupTally:
    label: str
    level: str  # building or unit
    tally: Tally


def breakdown(vote: Vote) -> list[GroupTally]:
    """The tally per building and per unit of the vote's electorate, under the vote's rule."""
    rule = rule_for(vote.rule, vote.fractions)
    choices = current_choices(vote)
    groups: dict[tuple, list] = {}
    for flat_id, area, building, unit, _ in electorate_rows(vote):
        groups.setdefault(("building", building, ""), []).append((flat_id, area))
        groups.setdefault(("unit", building, unit), []).append((flat_id, area))
    result = []
    for (level, building, unit), flats in groups.items():
        members = {f for f, _ in flats}
        label = f"{building}栋" if level == "building" else f"{building}栋{unit}单元"
        result.append(GroupTally(label, level, evaluate(flats, {f: c for f, c in choices.items() if f in members}, rule)))
    return result


def progress_curve(vote: Vote) -> list[tuple[datetime, int, int]]:
    """(moment, agreeing flats, participating flats) after each ballot, in the order owners decided."""
    entries = db.session.execute(
        select(BallotEntry.flat_id, BallotEntry.choice, BallotEntry.effective_at, BallotEntry.seq)
        .where(BallotEntry.vote_id == vote.id).order_by(BallotEntry.effective_at, BallotEntry.seq)
    ).all()
    current: dict[int, str] = {}
    agreeing = 0
    points = []
    for flat_id, choice, moment, _ in entries:
        agreeing += (choice == AGREE) - (current.get(flat_id) == AGREE)
        current[flat_id] = choice
        points.append((moment, agreeing, len(current)))
    return points


def votes_query(user):
    """Votes in the user's scope (the same tenancy as the estates)."""
    from core.register.scope import estates_query

    estate_ids = estates_query(user).with_only_columns(Estate.id)
    return select(Vote).where(Vote.estate_id.in_(estate_ids)).order_by(Vote.closes_at.desc())


def vote_for(user, vote_id: int) -> Vote | None:
    return db.session.scalars(votes_query(user).where(Vote.id == vote_id)).first()


def votes_for_flat(flat_id: int) -> list[Vote]:
    """The published votes whose electorate includes this flat, newest first."""
    return db.session.scalars(
        select(Vote).join(VoteFlat, VoteFlat.vote_id == Vote.id)
        .where(VoteFlat.flat_id == flat_id, Vote.status != "draft").order_by(Vote.closes_at.desc())
    ).all()


def flat_ballot(vote: Vote, flat_id: int) -> Ballot | None:
    return db.session.scalar(select(Ballot).where(Ballot.vote_id == vote.id, Ballot.flat_id == flat_id))


def find_receipt(vote: Vote, receipt: str) -> BallotEntry | None:
    """The log entry whose hash starts with the receipt code (dashes and case ignored)."""
    code = receipt.replace("-", "").strip().lower()
    if len(code) != 12 or any(c not in "0123456789abcdef" for c in code):
        return None
    return db.session.scalar(
        select(BallotEntry).where(BallotEntry.vote_id == vote.id, BallotEntry.hash.startswith(code, autoescape=True))
    )

