"""Console page for complaints: the tickets of the estates in the user's scope, newest first."""
from flask import render_template
from flask_login import current_user
from sqlalchemy import select

from core import scope
from core.db import db
from core.models import Complaint, Estate
from core.privacy import mask_name
from web.console.routes import bp


@bp.get("/complaints")
def complaints():
    estate_ids = scope.estates_query(current_user).with_only_columns(Estate.id)
    rows = db.session.scalars(select(Complaint).where(Complaint.estate_id.in_(estate_ids))
                              .order_by(Complaint.id.desc()).limit(200)).all()
    return render_template("console/complaints.html", rows=rows, mask_name=mask_name)
