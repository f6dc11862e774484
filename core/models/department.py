"""Departments that handle complaints: who they are, what they handle, how fast they must answer."""
from core.db import db


class Department(db.Model):
    """A department (or utility, or the property company) that complaints are routed to.

    `code` is the classifier's label and never changes; the street office edits the rest.
    """

    id = db.Column(db.Integer, primary_key=True)
    code = db.Column(db.String(20), nullable=False, unique=True)
    name = db.Column(db.String(40), nullable=False)
    handles = db.Column(db.String(300), nullable=False, default="")
    sla_hours = db.Column(db.Integer, nullable=False, default=72)
    phone = db.Column(db.String(40), nullable=False, default="")
    active = db.Column(db.Boolean, nullable=False, default=True)

    __table_args__ = (db.CheckConstraint("sla_hours > 0 AND sla_hours <= 2160", name="sla_sane"),)
