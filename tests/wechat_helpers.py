"""Playing WeChat in tests: accounts, a resident's phone that posts signed (encrypted) XML to /wechat,
and a fake WeChat API server on loopback for the outbound calls (token, template messages, menu, OAuth)."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from bot.protocol import Account
from bot.wechat_side import event_xml, reply_text, signed_request, text_xml

PLAIN = Account(token="yishi-test-token")
SAFE = Account(token="yishi-test-token", app_id="wx1234567890abcdef",
               aes_key="abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")


def config_for(account: Account, **more) -> dict:
    config = {"WECHAT_TOKEN": account.token, "WECHAT_APP_ID": account.app_id or "wx1234567890abcdef",
              "WECHAT_ENCODING_AES_KEY": account.aes_key}
    config.update(more)
    return config


class Phone:
    """One resident's WeChat, talking to the official account through /wechat."""

    def __init__(self, client, account: Account, openid: str):
        self.client, self.account, self.openid = client, account, openid

    def post(self, xml: str, **signing):
        query, body = signed_request(self.account, xml, self.openid, **signing)
        return self.client.post("/wechat", query_string=query, data=body, headers={"Content-Type": "text/xml"})

    def reply(self, response) -> str:
        assert response.status_code == 200, response.get_data(as_text=True)
        return reply_text(self.account, response.get_data(as_text=True))

    def say(self, text: str, msg_id: int | None = None) -> str:
        return self.reply(self.post(text_xml(self.openid, text, msg_id)))

    def event(self, event: str, key: str = "") -> str:
        return self.reply(self.post(event_xml(self.openid, event, key)))


class FakeWeChatAPI:
    """api.weixin.qq.com on 127.0.0.1: records every call; answers can be scripted per path."""

    def __init__(self):
        self.calls: list[dict] = []
        self.scripted: dict[str, list] = {}
        self.tokens_issued = 0
        self.oauth_codes: dict[str, dict] = {}
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self):
                url = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"null") if length else None
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                api.calls.append({"path": url.path, "query": query, "json": body})
                status, answer = api.respond(url.path, query)
                binary = isinstance(answer, bytes)  # a media file, as media/get sends one
                data = answer if binary else json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "image/jpeg" if binary else "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_port}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def respond(self, path: str, query: dict):
        if self.scripted.get(path):
            return self.scripted[path].pop(0)
        if path == "/cgi-bin/token":
            self.tokens_issued += 1
            return 200, {"access_token": f"TOKEN-{self.tokens_issued}", "expires_in": 7200}
        if path == "/sns/oauth2/access_token":
            answer = self.oauth_codes.pop(query.get("code", ""), None)
            return 200, answer or {"errcode": 40163, "errmsg": "code been used"}
        if path == "/cgi-bin/message/template/send":
            return 200, {"errcode": 0, "errmsg": "ok", "msgid": 1000 + len(self.calls)}
        return 200, {"errcode": 0, "errmsg": "ok"}

    def calls_to(self, path: str) -> list[dict]:
        return [c for c in self.calls if c["path"] == path]

    def close(self):
        self.server.shutdown()
        self.server.server_close()
