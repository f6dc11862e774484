"""Memory of gunicorn web workers with the classifier promoted, with and without loading the app in the
master before forking (gunicorn.conf.py's `preload_app`).

    .venv/bin/python benchmarks/worker_memory.py [WORKERS] [COMPLAINTS]

Each worker is warmed with WeChat deliveries, among them COMPLAINTS complaints filed in the chat (each
routed by the classifier, so jieba's dictionary and the model are used in the workers), then measured
from /proc/<pid>/smaps_rollup: RSS (every page the worker maps, shared ones included), PSS (shared pages
divided among the processes sharing them: what a worker really costs) and USS (its private pages).
`ratio` is the mean PSS of a preloaded worker over that of a worker that loads its own copy.
"""
import json
import os
import sys
import tempfile
from pathlib import Path

from harness import ROOT, WECHAT_ENV, Server, database_url, deliveries, fire, prepare, workdir

TEXTS = ["楼道灯坏了晚上看不见", "下水道堵了污水冒出来", "屋顶漏水墙皮脱落", "小区路灯不亮", "垃圾没人清运很臭",
         "电梯经常停运老人上不去", "外墙保温层脱落危险", "停车位被占消防通道堵了"]


def smaps(pid: int) -> dict:
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value, *_ = line.split()
        fields[name.rstrip(":")] = int(value)
    return {"rss_mb": round(fields["Rss"] / 1024, 1), "pss_mb": round(fields["Pss"] / 1024, 1),
            "uss_mb": round((fields["Private_Clean"] + fields["Private_Dirty"]) / 1024, 1)}


def measure(server: Server) -> dict:
    import subprocess

    children = subprocess.run(["pgrep", "-P", str(server.process.pid)], capture_output=True, text=True).stdout.split()
    workers = [smaps(int(pid)) for pid in children]
    mean = {key: round(sum(w[key] for w in workers) / len(workers), 1) for key in workers[0]}
    return {"workers": workers, "mean": mean, "master": smaps(server.process.pid)}


def main(workers: int = 4, complaints: int = 200) -> None:
    work = workdir()
    url = database_url(work)
    models = Path(tempfile.mkdtemp(prefix="yishi-models-"))
    openids = prepare(url, work, buildings=4, units=2, floors=6, vote=False)
    os.environ["NLP_MODEL_DIR"] = str(models)
    from nlp.store import ModelStore
    from nlp.training import train
    from nlp.corpus import shipped

    ModelStore(models).promote(train(shipped()))
    env = {**WECHAT_ENV, "DATABASE_URL": url, "YISHI_INSTANCE_PATH": str(work), "SECRET_KEY": "bench",
           "NLP_MODEL_DIR": str(models)}
    no_preload = work / "no-preload.conf.py"
    no_preload.write_text("preload_app = False\n")
    report = {"workers": workers, "complaints_filed": complaints, "database": url.split(":")[0]}
    first = 1
    for name, extra in (("own_copy", ["-c", str(no_preload)]), ("preloaded", [])):  # preloaded: gunicorn.conf.py
        server = Server("wsgi:app", workers, env, extra)
        try:
            fire(server.port, deliveries(openids[:64], "帮助", first), 8)
            texts = [f"报修 {TEXTS[n % len(TEXTS)]}（{n}号）" for n in range(complaints)]
            requests = []
            for n, text in enumerate(texts):
                requests += deliveries([openids[n % len(openids)]], text, first + 1000 + n)
            result = fire(server.port, requests, 8)
            first += 10_000
            report[name] = {**measure(server), "complaint_replies_ok": result["ok"]}
        finally:
            server.stop()
    report["ratio"] = round(report["preloaded"]["mean"]["pss_mb"] / report["own_copy"]["mean"]["pss_mb"], 2)
    report["cpus"] = os.cpu_count()
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main(*(int(a) for a in sys.argv[1:3]))
