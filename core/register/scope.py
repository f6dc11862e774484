"""Tenancy: which estates and communities a staff member may see. Every console lookup goes through here."""
from sqlalchemy import select

from core.accounts import Role
from core.db import db
from core.register.models import Community, Estate


def estates_query(user):
    """A SELECT of the estates the user may see: their community's, their street's, or all for an admin."""
    query = select(Estate).join(Community).order_by(Estate.id)
    if user.role == Role.WORKER:
        return query.where(Estate.community_id == user.community_id)
    if user.role == Role.STREET:
        return query.where(Community.street_id == user.street_id)
    return query


def estate_for(user, estate_id: int):
    """The estate if the user may see it, else None (the view answers 404, not 403: no probing)."""
    return db.session.scalars(estates_query(user).where(Estate.id == estate_id)).first()


def can_manage(user, estate) -> bool:
    """Only the estate's own community workers (and admins) change its records: the register, bindings,
    complaints. Street-office staff follow them read-only."""
    return user.role == Role.ADMIN or (user.role == Role.WORKER and user.community_id == estate.community_id)
