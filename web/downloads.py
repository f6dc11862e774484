"""Files the site hands out. Downloads carry a Chinese name for people and a plain ASCII name for tools that
cannot read RFC 5987's filename* (curl -OJ, wget, some mail gateways), instead of Werkzeug's fallback, which
drops every Chinese character ("表决3-计票结果.xlsx" became "3-.xlsx"). A notice's attachments are shown inline."""
import io
from urllib.parse import quote

from flask import Response, abort, send_file

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment(data: bytes, name: str, fallback: str, mimetype: str = XLSX):
    response = send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)
    response.headers["Content-Disposition"] = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
    return response


def notice_file(notice, attachment_id: int) -> Response:
    """A notice's attachment shown in the browser (residents and staff alike, each after their own scope
    check), or 404 when the notice has no such file."""
    found = next((a for a in notice.attachments if a.id == attachment_id), None)
    if found is None:
        abort(404)
    return Response(found.data, mimetype=found.content_type,
                    headers={"Content-Disposition": "inline", "Cache-Control": "private, max-age=3600"})
