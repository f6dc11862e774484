"""The WeChat endpoint in one process, without HTTP: the same signed, encrypted deliveries (帮助 from bound
residents) through Flask's test client, to our app and to the bare Flask + wechatpy echo, in alternating
rounds so that a machine shared with others slows both alike.

    .venv/bin/python benchmarks/wechat_inprocess.py [ROUNDS] [PER_ROUND] [TEXT]   (BENCH_DATABASE_URL for PostgreSQL)

`ratio` is our deliveries per second over the echo's (medians of the rounds). On a quiet machine the HTTP
benchmark (wechat_endpoint.py) says more; on a busy one this says what our code costs.
"""
import json
import os
import statistics
import sys
import time

from harness import WECHAT_ENV, database_url, deliveries, prepare, workdir


def main(rounds: int = 7, per_round: int = 200, text: str = "帮助") -> None:
    work = workdir()
    url = database_url(work)
    openids = prepare(url, work, buildings=4, units=2, floors=6, vote=False)
    os.environ.update(WECHAT_ENV)
    from benchmarks.bare_echo import app as echo
    from web.app import create_app

    ours = create_app({"SQLALCHEMY_DATABASE_URI": url})
    clients = {"yishi": ours.test_client(), "bare_echo": echo.test_client()}
    expect = {"yishi": 200, "bare_echo": 200}
    first = 1
    rates: dict[str, list[float]] = {name: [] for name in clients}
    for round_ in range(rounds + 1):  # the first round warms
        for name, client in clients.items():
            batch = deliveries([openids[n % len(openids)] for n in range(per_round)], text, first)
            first += per_round
            start = time.perf_counter()
            for path, body in batch:
                assert client.post(path, data=body, headers={"Content-Type": "text/xml"}).status_code == expect[name]
            if round_:
                rates[name].append(per_round / (time.perf_counter() - start))
    report = {"database": url.split(":")[0], "text": text, "rounds": rounds, "per_round": per_round,
              "cpus": os.cpu_count()}
    for name, values in rates.items():
        report[name] = {"per_second": round(statistics.median(values)), "ms_each": round(1000 / statistics.median(values), 2)}
    report["ratio"] = round(report["yishi"]["per_second"] / report["bare_echo"]["per_second"], 2)
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    main(*(int(a) for a in sys.argv[1:3]), *sys.argv[3:4])
