"""The floor for the WeChat endpoint benchmark: bare Flask + wechatpy, checking and decrypting a delivery
and echoing its text back encrypted, with no database. `gunicorn -w 4 benchmarks.bare_echo:app`."""
import os

from flask import Flask, request
from wechatpy import create_reply, parse_message
from wechatpy.crypto import WeChatCrypto

app = Flask(__name__)
crypto = WeChatCrypto(os.environ["WECHAT_TOKEN"], os.environ["WECHAT_ENCODING_AES_KEY"], os.environ["WECHAT_APP_ID"])


@app.post("/wechat")
def echo():
    args = request.args
    xml = crypto.decrypt_message(request.get_data(), args["msg_signature"], args["timestamp"], args["nonce"])
    message = parse_message(xml)
    return crypto.encrypt_message(create_reply(message.content, message).render(), args["nonce"], args["timestamp"])
