"""Reading votes: live tallies overall and per building and unit, the progress curve, a resident's votes."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, cast, func, or_, select

from core.db import db
from core.register.models import Building, Estate, Flat, Unit
from core.votes.consent import AGREE, Tally, evaluate, evaluate_totals, rule_for
from core.votes.models import Ballot, BallotEntry, Vote, VoteFlat


def electorate_rows(vote: Vote):
    """(flat id, area, building number, unit number, flat label, person key) of the frozen electorate."""
    return db.session.execute(
        select(VoteFlat.flat_id, VoteFlat.area, Building.number, Unit.number, Flat.number, VoteFlat.person_key)
        .join(Flat, Flat.id == VoteFlat.flat_id).join(Unit).join(Building)
        .where(VoteFlat.vote_id == vote.id).order_by(Building.sort_key, Unit.number, Flat.number)
    ).all()


def current_choices(vote: Vote) -> dict[int, str]:
    """Each flat's current ballot, as stored (a person's ballot counts for all their flats: see person_choices)."""
    return dict(db.session.execute(select(Ballot.flat_id, Ballot.choice).where(Ballot.vote_id == vote.id)).all())


def current_ballots(vote: Vote) -> dict[int, tuple[str, datetime, int]]:
    """flat id → (choice, when the owner decided, log position) of each flat's current ballot."""
    return {flat: (choice, moment, seq) for flat, choice, moment, seq in db.session.execute(
        select(Ballot.flat_id, Ballot.choice, Ballot.effective_at, BallotEntry.seq)
        .join(BallotEntry, BallotEntry.id == Ballot.entry_id).where(Ballot.vote_id == vote.id))}


def frozen_persons(vote: Vote) -> dict[int, str]:
    """flat id → person key, for the flats of the electorate that count under a shared person."""
    return dict(db.session.execute(select(VoteFlat.flat_id, VoteFlat.person_key).where(
        VoteFlat.vote_id == vote.id, VoteFlat.person_key.is_not(None))).all())


def person_choices(ballots: dict[int, tuple[str, datetime, int]], persons: dict[int, str]) -> dict[int, str]:
    """The ballots that count: one per person, the latest (by when decided, then log order) of the current
    ballots on their flats; it counts for all of them (司法解释第九条: one person, one ballot)."""
    latest: dict = {}
    for flat, ballot in ballots.items():
        person = persons.get(flat) or ("flat", flat)
        if person not in latest or (ballot[1], ballot[2]) > (latest[person][1][1], latest[person][1][2]):
            latest[person] = (flat, ballot)
    return {flat: ballot[0] for flat, ballot in latest.values()}


def tally_from_ballots(vote: Vote, ballots: dict[int, tuple[str, datetime, int]]) -> Tally:
    """The tally of these current ballots (flat id → (choice, effective_at, seq)) under the law's headcount."""
    rows = db.session.execute(select(VoteFlat.flat_id, VoteFlat.area).where(VoteFlat.vote_id == vote.id)).all()
    persons = frozen_persons(vote)
    return evaluate(rows, person_choices(ballots, persons), rule_for(vote.rule, vote.fractions), persons or None)


def tally_from_choices(vote: Vote, choices: dict[int, str]) -> Tally:
    """The tally of these choices (flat id → choice); a person's flats must not disagree (RuleError)."""
    rows = db.session.execute(select(VoteFlat.flat_id, VoteFlat.area).where(VoteFlat.vote_id == vote.id)).all()
    persons = frozen_persons(vote)
    return evaluate(rows, choices, rule_for(vote.rule, vote.fractions), persons or None)


def live_tally(vote: Vote) -> Tally:
    """The tally of the current ballots (once closed, vote.final_tally holds the frozen one).

    Where every flat is its own person (no shared person keys), a tally needs only how many flats chose
    what and their area: the database counts and sums them per current choice in one GROUP BY, areas as
    integer hundredths (exact: areas have two decimals), and consent.evaluate_totals applies the rule to
    the sums. The same query counts the person keys; if there are any, the law's headcount needs the
    ballots flat by flat (tally_from_ballots). A test holds both paths equal under every rule."""
    cents = cast(func.round(VoteFlat.area * 100), Integer)
    groups = db.session.execute(
        select(Ballot.choice, func.count(), func.sum(cents), func.count(VoteFlat.person_key)).select_from(VoteFlat)
        .outerjoin(Ballot, (Ballot.vote_id == VoteFlat.vote_id) & (Ballot.flat_id == VoteFlat.flat_id))
        .where(VoteFlat.vote_id == vote.id).group_by(Ballot.choice)
    ).all()
    if any(keyed for *_, keyed in groups):
        return tally_from_ballots(vote, current_ballots(vote))
    counts = {choice: n for choice, n, _, _ in groups if choice is not None}
    hundredths = {choice: int(area) for choice, _, area, _ in groups if choice is not None}
    return evaluate_totals(sum(n for _, n, _, _ in groups), sum(int(area or 0) for _, _, area, _ in groups),
                           counts, hundredths, rule_for(vote.rule, vote.fractions))


def status(vote: Vote, tally: Tally) -> str:
    """draft / pending / reached / passed / failed: only a closed vote has passed or failed; an open one
    that meets its rule now has only "reached" it (ballots may still change before the close)."""
    if vote.status == "draft":
        return "draft"
    if vote.status == "closed":
        return "passed" if vote.final_tally and vote.final_tally["passed"] else "failed"
    return "reached" if tally.passed else "pending"


STATUS_LABELS = {"draft": "未发布", "pending": "进行中", "reached": "进行中（目前已达到标准，截止后生效）",
                 "passed": "已通过", "failed": "未通过"}


@dataclass(frozen=True)
class GroupTally:
    label: str
    level: str  # building or unit
    tally: Tally


def breakdown(vote: Vote) -> list[GroupTally]:
    """The tally per building and per unit of the vote's electorate, under the vote's rule and headcount.

    A person with flats in several buildings is one person in each building's count."""
    rule = rule_for(vote.rule, vote.fractions)
    rows = electorate_rows(vote)
    persons = {flat_id: person for flat_id, *_, person in rows if person}
    choices = person_choices(current_ballots(vote), persons)
    person_choice = {persons.get(f) or ("flat", f): c for f, c in choices.items()}
    groups: dict[tuple, list] = {}
    for flat_id, area, building, unit, _, _ in rows:
        if vote.unit_id is None:  # a unit's vote has no building of its own to show: the unit is the whole
            groups.setdefault(("building", building, ""), []).append((flat_id, area))
        groups.setdefault(("unit", building, unit), []).append((flat_id, area))
    result = []
    for (level, building, unit), flats in groups.items():
        label = f"{building}栋" if level == "building" else f"{building}栋{unit}单元"
        # The person's ballot counts on each of their flats in this group (given on any one of them).
        ballots = {}
        for flat_id, _ in flats:
            choice = person_choice.get(persons.get(flat_id) or ("flat", flat_id))
            if choice:
                ballots[flat_id] = choice
        owners = {f: persons[f] for f, _ in flats if f in persons}
        result.append(GroupTally(label, level, evaluate(flats, ballots, rule, owners or None)))
    return result


def progress_curve(vote: Vote) -> list[tuple[datetime, int, int]]:
    """(moment, agreeing persons, participating persons) after each ballot, in the order owners decided."""
    entries = db.session.execute(
        select(BallotEntry.flat_id, BallotEntry.choice, BallotEntry.effective_at, BallotEntry.seq)
        .where(BallotEntry.vote_id == vote.id).order_by(BallotEntry.effective_at, BallotEntry.seq)
    ).all()
    persons = frozen_persons(vote)
    current: dict = {}
    agreeing = 0
    points = []
    for flat_id, choice, moment, _ in entries:
        person = persons.get(flat_id) or ("flat", flat_id)
        agreeing += (choice == AGREE) - (current.get(person) == AGREE)
        current[person] = choice
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
    """The ballot that counts for this flat: its own, or — when it counts under one person with other flats
    (司法解释第九条) — that person's latest, which may have been given on another of their flats."""
    # One query: the flat itself, and the flats whose person key is this flat's (none when it has no key:
    # NULL equals nothing).
    person = select(VoteFlat.person_key).where(VoteFlat.vote_id == vote.id, VoteFlat.flat_id == flat_id)
    flats = select(VoteFlat.flat_id).where(VoteFlat.vote_id == vote.id, or_(
        VoteFlat.flat_id == flat_id, VoteFlat.person_key == person.scalar_subquery()))
    return db.session.scalar(
        select(Ballot).join(BallotEntry, BallotEntry.id == Ballot.entry_id)
        .where(Ballot.vote_id == vote.id, Ballot.flat_id.in_(flats))
        .order_by(Ballot.effective_at.desc(), BallotEntry.seq.desc()).limit(1))


def find_receipt(vote: Vote, receipt: str) -> BallotEntry | None:
    """The log entry whose hash starts with the receipt code (dashes and case ignored)."""
    code = receipt.replace("-", "").strip().lower()
    if len(code) != 12 or any(c not in "0123456789abcdef" for c in code):
        return None
    return db.session.scalar(
        select(BallotEntry).where(BallotEntry.vote_id == vote.id, BallotEntry.hash.startswith(code, autoescape=True))
    )


def progress_sentence(tally) -> str:
    """已投、同意, and what is really missing: households and area, never "还差 0 户" while area is short."""
    line = f"已投 {tally.participation_count}/{tally.total_count} 户，同意 {tally.agree_count} 户。"
    if tally.passed:
        return line + "目前已达到标准，截止后生效。"
    # "至少": the fewest further agreeing households (core.votes.consent._missing): changed ballots count
    # more than new ones, so the figure is a floor, and says so.
    if tally.missing_count and tally.missing_area:
        return line + f"至少还差同意 {tally.missing_count} 户、{tally.missing_area} 平方米。"
    if tally.missing_area:
        return line + f"户数已够，至少还差同意面积 {tally.missing_area} 平方米。"
    if tally.missing_count:
        return line + f"至少还差同意 {tally.missing_count} 户。"
    return line + "还没有达到标准。"
