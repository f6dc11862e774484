"""Consent votes: the frozen electorate, the insert-only chained ballot log, and current ballots."""
from sqlalchemy import JSON, Index, LargeBinary, Numeric, UniqueConstraint, text

from core.db import UTCDateTime, db, utcnow


class Vote(db.Model):
    """A vote (意愿征集 / 表决) on one matter, over an estate, a building or a unit, under a rule."""

    id = db.Column(db.Integer, primary_key=True)
    estate_id = db.Column(db.ForeignKey("estate.id"), nullable=False, index=True)
    building_id = db.Column(db.ForeignKey("building.id"))
    unit_id = db.Column(db.ForeignKey("unit.id"))
    matter = db.Column(db.String(120), nullable=False)
    description = db.Column(db.Text, nullable=False, default="")
    rule = db.Column(db.String(30), nullable=False)
    fractions = db.Column(JSON)  # for rule "custom"
    opens_at = db.Column(UTCDateTime, nullable=False)
    closes_at = db.Column(UTCDateTime, nullable=False)
    status = db.Column(db.String(10), nullable=False, default="draft")  # draft → open → closed
    created_by_id = db.Column(db.ForeignKey("user.id"))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    opened_at = db.Column(UTCDateTime)
    closed_at = db.Column(UTCDateTime)
    reminded_at = db.Column(UTCDateTime)        # when reminders to non-voters were queued
    electorate_hash = db.Column(db.String(64))  # sha256 of the frozen flats and areas
    final_hash = db.Column(db.String(64))       # the log's head at close
    final_tally = db.Column(JSON)               # the frozen tally at close
    objection_days = db.Column(db.Integer)      # the 询异 window after the close; None = VOTE_OBJECTION_DAYS
    objection_ends_at = db.Column(UTCDateTime)  # set at the close
    confirmed_at = db.Column(UTCDateTime)       # the result stands: the window is over, every objection answered

    estate = db.relationship("Estate")
    building = db.relationship("Building")
    unit = db.relationship("Unit")

    __table_args__ = (
        db.CheckConstraint("closes_at > opens_at", name="closes_after_opening"),
        db.CheckConstraint("status IN ('draft', 'open', 'closed')", name="status_known"),
    )

    @property
    def scope(self) -> str:
        return "unit" if self.unit_id else "building" if self.building_id else "estate"

    @property
    def closed_early(self) -> bool:
        """Closed by a worker before its closing time (the scheduler's close comes just after it)."""
        return self.closed_at is not None and self.closed_at < self.closes_at

    @property
    def ended_at(self):
        """When the vote stopped taking ballots, as residents are told: the early close, else the closing time."""
        return self.closed_at if self.closed_early else self.closes_at

    @property
    def scope_label(self) -> str:
        if self.unit_id:
            return f"{self.estate.name} {self.unit.label}"
        if self.building_id:
            return f"{self.estate.name} {self.building.label}"
        return f"{self.estate.name}（全小区）"


class VoteFlat(db.Model):
    """One flat of a vote's electorate, frozen with its area when the vote opens."""

    vote_id = db.Column(db.ForeignKey("vote.id"), primary_key=True)
    flat_id = db.Column(db.ForeignKey("flat.id"), primary_key=True)
    area = db.Column(Numeric(10, 2, asdecimal=True), nullable=False)
    # The person the flat counts under (Flat.counting_key when the vote opened); NULL = a person of its
    # own. Frozen so that a register edit during the vote changes no tally.
    person_key = db.Column(db.String(100))
    flat = db.relationship("Flat")


class BallotEntry(db.Model):
    """One cast or change, never updated or deleted; each entry hashes the one before it."""

    id = db.Column(db.Integer, primary_key=True)
    vote_id = db.Column(db.ForeignKey("vote.id"), nullable=False)
    seq = db.Column(db.Integer, nullable=False)
    flat_id = db.Column(db.ForeignKey("flat.id"), nullable=False)
    choice = db.Column(db.String(10), nullable=False)
    channel = db.Column(db.String(10), nullable=False)  # web, wechat, paper
    owner_id = db.Column(db.ForeignKey("owner.id"))     # who cast it (web, wechat)
    proxy_id = db.Column(db.ForeignKey("proxy.id"))     # the proxy (委托书) it was cast under, if any
    recorded_by_id = db.Column(db.ForeignKey("user.id"))  # who entered it (paper)
    collected_by = db.Column(db.String(40), nullable=False, default="")
    paper_ref = db.Column(db.String(40), nullable=False, default="")
    recorded_at = db.Column(UTCDateTime, nullable=False)   # by the database clock
    effective_at = db.Column(UTCDateTime, nullable=False)  # when the owner decided: paper = when collected
    idempotency_key = db.Column(db.String(64), nullable=False)
    prev_hash = db.Column(db.String(64), nullable=False)
    hash = db.Column(db.String(64), nullable=False, unique=True)

    flat = db.relationship("Flat")

    __table_args__ = (
        UniqueConstraint("vote_id", "seq"),
        UniqueConstraint("vote_id", "idempotency_key"),
        # A paper sheet's number (表决票编号) names one sheet of one vote.
        Index("uq_ballot_entry_paper_ref", "vote_id", "paper_ref", unique=True,
              sqlite_where=text("paper_ref != ''"), postgresql_where=text("paper_ref != ''")),
        db.CheckConstraint("choice IN ('agree', 'disagree', 'abstain')", name="choice_known"),
        db.CheckConstraint("channel IN ('web', 'wechat', 'paper')", name="channel_known"),
    )

    @property
    def receipt(self) -> str:
        """The voter's receipt: the first 12 hex digits of the entry hash, in groups of four."""
        code = self.hash[:12].upper()
        return f"{code[:4]}-{code[4:8]}-{code[8:]}"


class Ballot(db.Model):
    """The current ballot of a flat in a vote: one row per flat, enforced by the database."""

    id = db.Column(db.Integer, primary_key=True)
    vote_id = db.Column(db.ForeignKey("vote.id"), nullable=False)
    flat_id = db.Column(db.ForeignKey("flat.id"), nullable=False)
    entry_id = db.Column(db.ForeignKey("ballot_entry.id"), nullable=False)
    choice = db.Column(db.String(10), nullable=False)
    effective_at = db.Column(UTCDateTime, nullable=False)

    entry = db.relationship("BallotEntry")

    __table_args__ = (UniqueConstraint("vote_id", "flat_id"),)


class VoteCheckpoint(db.Model):
    """A signed head of a vote's log: its size, Merkle root and chain head at a moment, signed with the
    installation's Ed25519 key, which lives outside the database (core.votes.checkpoints)."""

    id = db.Column(db.Integer, primary_key=True)
    vote_id = db.Column(db.ForeignKey("vote.id"), nullable=False, index=True)
    tree_size = db.Column(db.Integer, nullable=False)
    root_hash = db.Column(db.String(64), nullable=False)   # RFC 6962 Merkle tree head of the first tree_size entries
    chain_head = db.Column(db.String(64), nullable=False)  # the hash of entry tree_size (or the genesis hash)
    signed_at = db.Column(UTCDateTime, nullable=False)
    reason = db.Column(db.String(10), nullable=False)      # interval (while ballots arrive), close
    public_key = db.Column(db.String(64), nullable=False)  # raw Ed25519 public key, hex
    signature = db.Column(db.String(128), nullable=False)  # over core.votes.checkpoints.signed_text, hex

    __table_args__ = (db.CheckConstraint("reason IN ('interval', 'close')", name="checkpoint_reason_known"),)


class VoteObjection(db.Model):
    """询异: an owner says their flat's ballot is recorded wrong; a worker answers it publicly."""

    id = db.Column(db.Integer, primary_key=True)
    vote_id = db.Column(db.ForeignKey("vote.id"), nullable=False, index=True)
    flat_id = db.Column(db.ForeignKey("flat.id"), nullable=False)
    owner_id = db.Column(db.ForeignKey("owner.id"))
    channel = db.Column(db.String(10), nullable=False)  # web, wechat
    text = db.Column(db.Text, nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False)
    answer = db.Column(db.Text, nullable=False, default="")
    answered_by_id = db.Column(db.ForeignKey("user.id"))
    answered_at = db.Column(UTCDateTime)

    flat = db.relationship("Flat")


class Proxy(db.Model):
    """委托投票: a flat's voting representative lets another person cast the flat's ballot, for one vote or for
    every vote of the estate until a date. Entered by a community worker from the signed form (its scan
    kept here); revocable, never deleted. A proxy who is a co-owner on the register votes online as that
    owner; any proxy (a child living elsewhere, a neighbour) may bind their WeChat to the proxy with a
    one-time code the worker gives them, and then votes for the flat in the chat."""

    id = db.Column(db.Integer, primary_key=True)
    estate_id = db.Column(db.ForeignKey("estate.id"), nullable=False, index=True)
    flat_id = db.Column(db.ForeignKey("flat.id"), nullable=False, index=True)
    principal_id = db.Column(db.ForeignKey("owner.id"), nullable=False)  # the representative who signed
    proxy_owner_id = db.Column(db.ForeignKey("owner.id"), index=True)    # the proxy, when on the register
    proxy_name = db.Column(db.String(40), nullable=False)
    proxy_phone = db.Column(db.String(20), nullable=False, default="")
    vote_id = db.Column(db.ForeignKey("vote.id"))          # one vote …
    valid_until = db.Column(UTCDateTime)                   # … or every vote of the estate until then
    scan = db.Column(LargeBinary)
    scan_type = db.Column(db.String(30), nullable=False, default="")
    entered_by_id = db.Column(db.ForeignKey("user.id"), nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    revoked_at = db.Column(UTCDateTime)
    revoked_by_id = db.Column(db.ForeignKey("user.id"))
    revoke_reason = db.Column(db.String(200), nullable=False, default="")
    code_hash = db.Column(db.String(64), unique=True)      # the one-time binding code's hash, until used
    code_expires_at = db.Column(UTCDateTime)
    openid = db.Column(db.String(64), index=True)          # the proxy's WeChat, once bound with the code
    bound_at = db.Column(UTCDateTime)

    flat = db.relationship("Flat")
    principal = db.relationship("Owner", foreign_keys=[principal_id])
    proxy_owner = db.relationship("Owner", foreign_keys=[proxy_owner_id])
    vote = db.relationship("Vote")

    __table_args__ = (
        db.CheckConstraint("(vote_id IS NULL AND valid_until IS NOT NULL) OR (vote_id IS NOT NULL AND valid_until IS NULL)",
                           name="one_scope"),
    )
