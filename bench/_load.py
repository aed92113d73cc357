"""The load generator of the HTTP benchmarks: a process of its own, so the server and the
client do not share an interpreter. Reads a JSON plan on stdin, prints JSON results.

Plan: ``{"port", "seconds", "concurrency", "requests": [{"method", "path", "headers",
"body"?, "until"?}]}``. Each thread takes the next request (round robin) and sends it over
its own keep-alive connection (``http.client``: the lightest client there is). With
``until: {"path", "field", "not"}`` the thread then polls that path every 20 ms until the
JSON field no longer has that value (e.g. the background job moved the claim on), with
``until: {"path", "kind"}`` until the polled timeline has an entry of that kind: the
end-to-end time is recorded besides the request time, and the final values are counted.
A request whose body contains ``{n}`` gets a unique number there (e.g. Idempotency-Key).
"""

from __future__ import annotations

import http.client
import itertools
import json
import sys
import threading
import time
from typing import Any

POLL_SECONDS = 0.02
END_TO_END_TIMEOUT = 30.0


def _call(
    connection: http.client.HTTPConnection,
    method: str,
    path: str,
    headers: dict[str, str],
    body: str | None,
) -> tuple[int, bytes]:
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    return response.status, response.read()


def _settled(answer: Any, until: dict[str, Any]) -> str | None:
    """What the polled answer settled on, or None while it has not: with ``field``/``not``
    the field's value once it differs; with ``kind`` (a list of timeline entries) the
    ``data.route`` of the first entry of that kind, marked when it waits for documents."""
    if "kind" not in until:
        value = answer.get(until["field"])
        return None if value == until["not"] else str(value)
    for entry in answer:
        if entry["kind"] == until["kind"]:
            data = entry.get("data") or {}
            route = str(data.get("route", entry["kind"]))
            return f"{route} (waiting for documents)" if data.get("waiting_for_evidence") else route
    return None


def main() -> None:
    plan: dict[str, Any] = json.load(sys.stdin)
    counter = itertools.count()
    lock = threading.Lock()
    latencies: list[float] = []
    end_to_end: list[float] = []
    statuses: dict[str, int] = {}
    outcomes: dict[str, int] = {}
    unfinished = 0
    deadline = time.perf_counter() + plan["seconds"]

    def worker() -> None:
        nonlocal unfinished
        connection = http.client.HTTPConnection("127.0.0.1", plan["port"], timeout=60)
        while time.perf_counter() < deadline:
            n = next(counter)
            spec = plan["requests"][n % len(plan["requests"])]
            headers = {k: v.replace("{n}", str(n)) for k, v in spec.get("headers", {}).items()}
            body = json.dumps(spec["body"]).replace("{n}", str(n)) if "body" in spec else None
            if body is not None:
                headers["Content-Type"] = "application/json"
            started = time.perf_counter()
            status, payload = _call(connection, spec["method"], spec["path"], headers, body)
            took = time.perf_counter() - started
            with lock:
                latencies.append(took)
                statuses[str(status)] = statuses.get(str(status), 0) + 1
            until = spec.get("until")
            if until and status < 300:
                path = until["path"].replace("{id}", str(json.loads(payload)["id"]))
                while True:
                    _, polled = _call(connection, "GET", path, headers, None)
                    value = _settled(json.loads(polled), until)
                    if value is not None:
                        with lock:
                            end_to_end.append(time.perf_counter() - started)
                            outcomes[value] = outcomes.get(value, 0) + 1
                        break
                    if time.perf_counter() - started > END_TO_END_TIMEOUT:
                        with lock:
                            unfinished += 1
                        break
                    time.sleep(POLL_SECONDS)
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(plan["concurrency"])]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    json.dump(
        {
            "seconds": time.perf_counter() - started,
            "latencies": latencies,
            "end_to_end": end_to_end,
            "unfinished": unfinished,
            "statuses": statuses,
            "outcomes": outcomes,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
