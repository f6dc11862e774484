"""Files the console hands out: Chinese names for people, and a plain ASCII name for tools that cannot read
RFC 5987's filename* (curl -OJ, wget, some mail gateways), instead of Werkzeug's fallback, which drops every
Chinese character ("表决3-计票结果.xlsx" became "3-.xlsx")."""
import io
from urllib.parse import quote

from flask import send_file

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment(data: bytes, name: str, fallback: str, mimetype: str = XLSX):
    response = send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)
    response.headers["Content-Disposition"] = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
    return response
