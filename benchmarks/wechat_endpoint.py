"""The WeChat endpoint under concurrent senders, beside a bare Flask + wechatpy echo (the floor).

    .venv/bin/python benchmarks/wechat_endpoint.py [SENDERS] [MESSAGES] [WORKERS]

Each delivery is a signed, encrypted text message (帮助) from a bound resident, as WeChat sends it: our
endpoint checks it, records the delivery under its unique key, answers and encrypts the answer. The echo
only decrypts and encrypts. Database: a fresh SQLite file, or BENCH_DATABASE_URL (PostgreSQL).
"""
import json
import sys

from harness import WECHAT_ENV, Server, database_url, deliveries, fire, prepare, workdir


def main(senders: int = 16, messages: int = 2000, workers: int = 4) -> None:
    work = workdir()
    url = database_url(work)
    openids = prepare(url, work, buildings=4, units=2, floors=6, vote=False)
    requests = deliveries([openids[n % len(openids)] for n in range(messages)], "帮助")
    env = {**WECHAT_ENV, "DATABASE_URL": url, "YISHI_INSTANCE_PATH": str(work), "SECRET_KEY": "bench"}
    report = {"senders": senders, "workers": workers, "database": url.split(":")[0]}
    for name, wsgi in (("bare_echo", "benchmarks.bare_echo:app"), ("yishi", "wsgi:app")):
        server = Server(wsgi, workers, env)
        try:
            fire(server.port, requests[:50], senders)  # warm the workers
            report[name] = fire(server.port, requests[50:] if name == "bare_echo" else
                                deliveries([openids[n % len(openids)] for n in range(messages)], "帮助", 10 ** 6),
                                senders, expect="" if name == "bare_echo" else "可以发送这些字")
        finally:
            server.stop()
    report["ratio"] = round(report["yishi"]["per_second"] / report["bare_echo"]["per_second"], 2)
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:4]))
