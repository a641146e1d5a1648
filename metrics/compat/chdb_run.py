#!/usr/bin/env python3
"""Runs SQL on current ClickHouse, in process (chdb-core), for ccqa's compatibility check.

Reads one JSON object from stdin: {"steps": [{"sql": "...", "rows": bool, "keep_going": bool}]}.
Runs the steps in order in a fresh session and prints one JSON object: {"results": [[row, ...],
...], "failed": [{"sql": ..., "error": ...}]} with the rows (JSONEachRow objects) of every step
that asked for them, in order, and the steps marked keep_going that failed; or
{"error": "...", "sql": "..."} naming the first other step that failed (exit 1).
"""
import json
import sys
import tempfile

import chdb
from chdb import session


def main() -> int:
    job = json.load(sys.stdin)
    with tempfile.TemporaryDirectory() as path:
        s = session.Session(path)
        try:
            results, failed = [], []
            for step in job["steps"]:
                try:
                    if step.get("rows"):
                        out = s.query(step["sql"], "JSONEachRow")
                        text = out.bytes().decode("utf-8")
                        results.append([json.loads(l) for l in text.splitlines() if l.strip()])
                    else:
                        s.query(step["sql"])
                except Exception as e:  # report which step failed, then stop unless told not to
                    if step.get("keep_going"):
                        failed.append({"sql": step["sql"], "error": str(e)})
                        continue
                    json.dump({"error": str(e), "sql": step["sql"]}, sys.stdout)
                    return 1
            json.dump({"results": results, "failed": failed, "version": chdb.__version__}, sys.stdout)
            return 0
        finally:
            s.close()


if __name__ == "__main__":
    sys.exit(main())
