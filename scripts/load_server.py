"""A small, bounded load on a running `alloygan serve` (loopback only): latencies, throughput, unmixed answers.

    alloygan serve --port 8000 &          # wait for "serving"
    python scripts/load_server.py --url http://127.0.0.1:8000 --clients 10 --rounds 3

Phases, each printed with its protocol:
1. warm single requests: `POST /api/design` for the card's goal (seed 0) and `POST /api/predict` of one alloy,
   each repeated `--repeat` times one after another: p50/p95;
2. concurrency: `--clients` clients, each on its own thread, `--rounds` times: a design for its own goal (the
   card's goal with its own seed) and a predict of its own formula; every answer is compared with the answer
   the same request got alone (phase 0), so a mixed-up answer is counted, not missed: p50/p95 per endpoint, total
   throughput, mismatches;
3. a long design beside predictions: one design of 50 candidates runs while one client predicts in a loop:
   the predictions' p50/p95 during the design, and the design's time.
Every request goes to 127.0.0.1 (the script refuses another host). Nothing is written to the stores.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

import httpx

GOAL = "find Zr-based glass with Trg>0.6 avoiding Ag"
FORMULAS = ["Zr55Cu30Al10Ni5", "Zr65Cu17.5Ni10Al7.5", "Cu46Zr46Al8", "Zr41.2Ti13.8Cu12.5Ni10Be22.5",
            "Pd40Ni40P20", "Zr50Cu40Al10", "Cu50Zr50", "Zr57Cu15.4Ni12.6Al10Nb5", "Zr60Cu25Al10Ni5", "Zr52.5Cu17.9Ni14.6Al10Ti5"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def summary(name: str, seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    return (f"{name:<28} n={len(ms):<4} p50 {statistics.median(ms):7.0f} ms   p95 {percentile(ms, 0.95):7.0f} ms   "
            f"max {max(ms):7.0f} ms")


class Client:
    def __init__(self, url: str, token: str | None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(base_url=url, headers=headers, timeout=300.0, trust_env=False)

    def design(self, seed: int, n: int = 10) -> tuple[float, list[str]]:
        start = time.perf_counter()
        response = self.http.post("/api/design", json={"goal": GOAL, "n": n, "seed": seed})
        response.raise_for_status()
        return time.perf_counter() - start, _formulas(response.json())

    def predict(self, formula: str) -> tuple[float, list[str]]:
        start = time.perf_counter()
        response = self.http.post("/api/predict", json={"formulas": [formula]})
        response.raise_for_status()
        return time.perf_counter() - start, _formulas(response.json())


def _formulas(data) -> list[str]:
    items = data.get("candidates", data.get("predictions", data)) if isinstance(data, dict) else data
    return [item.get("formula") or item.get("input") for item in items]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--token", default=None, help="ALLOYGAN_API_TOKEN, when the server asks for one")
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    host = urlparse(args.url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"error: --url {args.url}: this load script only runs against loopback", file=sys.stderr)
        return 2
    if not (1 <= args.clients <= 50 and 1 <= args.rounds <= 20 and 1 <= args.repeat <= 100):
        print("error: --clients 1-50, --rounds 1-20, --repeat 1-100 (a bounded load)", file=sys.stderr)
        return 2
    client = Client(args.url, args.token)
    try:
        client.design(0)
        client.predict(FORMULAS[0])
    except httpx.HTTPError as error:
        print(f"error: {args.url} does not answer ({error}); start `alloygan serve` first", file=sys.stderr)
        return 2

    print(f"server {args.url}; {args.clients} clients; goal {GOAL!r}")
    print("\n1. warm single requests, one after another")
    designs = [client.design(0) for _ in range(args.repeat)]
    predicts = [client.predict(FORMULAS[0]) for _ in range(args.repeat)]
    print(summary("POST /api/design (n=10)", [t for t, _ in designs]))
    print(summary("POST /api/predict (1 alloy)", [t for t, _ in predicts]))

    print(f"\n2. {args.clients} concurrent clients x {args.rounds} rounds (design with own seed + predict of own alloy)")
    expected_design = {i: client.design(i)[1] for i in range(args.clients)}
    expected_predict = {i: client.predict(FORMULAS[i % len(FORMULAS)])[1] for i in range(args.clients)}
    times: dict[str, list[float]] = {"design": [], "predict": []}
    mismatches = 0
    lock = threading.Lock()

    def work(i: int) -> None:
        nonlocal mismatches
        own = Client(args.url, args.token)
        for _ in range(args.rounds):
            t_design, got_design = own.design(i)
            t_predict, got_predict = own.predict(FORMULAS[i % len(FORMULAS)])
            with lock:
                times["design"].append(t_design)
                times["predict"].append(t_predict)
                mismatches += (got_design != expected_design[i]) + (got_predict != expected_predict[i])

    start = time.perf_counter()
    with ThreadPoolExecutor(args.clients) as pool:
        list(pool.map(work, range(args.clients)))
    wall = time.perf_counter() - start
    requests = len(times["design"]) + len(times["predict"])
    print(summary("POST /api/design", times["design"]))
    print(summary("POST /api/predict", times["predict"]))
    print(f"{requests} requests in {wall:.1f} s: {requests / wall:.1f} requests/s; answers differing from the same "
          f"request alone: {mismatches}")

    print("\n3. one long design (50 candidates) while one client predicts in a loop")
    done = threading.Event()
    during: list[float] = []

    def long_design() -> float:
        try:
            return client.design(7, n=50)[0]
        finally:
            done.set()

    other = Client(args.url, args.token)
    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(long_design)
        while not done.is_set():
            during.append(other.predict(FORMULAS[1])[0])
        design_seconds = future.result()
    print(f"design of 50 candidates: {design_seconds * 1000:.0f} ms")
    print(summary("POST /api/predict during it", during))
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
