#!/usr/bin/env python3
"""Dumps the journal and snapshot rows of a sandbox's control database as JSON lines, for JournalFixtureTest.

Usage: dump-journal-fixture.py SANDBOX_DIR OUT_PREFIX
  e.g. dump-journal-fixture.py var/demo drsp-controller/src/test/resources/journal-fixtures/demo
writes OUT_PREFIX-<persistence id>.events.jsonl and, when the pair has snapshots, OUT_PREFIX-<persistence id>.snapshots.jsonl.

Every column is read as HEX() so that each payload is kept byte for byte; a payload that is not UTF-8 text (e.g. a
jackson-json payload gzipped past its size threshold) is refused rather than written altered. The control database's
password is read from the sandbox's secrets/admin and handed to the mysql client in its environment only.
"""
import glob
import json
import os
import re
import subprocess
import sys

EVENT_COLS = ["persistence_id", "sequence_number", "deleted", "writer", "write_timestamp", "adapter_manifest",
              "event_ser_id", "event_ser_manifest", "event_payload", "meta_ser_id", "meta_ser_manifest", "meta_payload"]
SNAPSHOT_COLS = ["persistence_id", "sequence_number", "created", "snapshot_ser_id", "snapshot_ser_manifest",
                 "snapshot_payload", "meta_ser_id", "meta_ser_manifest", "meta_payload"]
INTS = {"sequence_number", "deleted", "write_timestamp", "event_ser_id", "meta_ser_id", "created", "snapshot_ser_id"}


def mysql_client():
    home = os.environ.get("DRSP_MYSQL_HOME")
    found = [home + "/bin/mysql"] if home else sorted(
        p for p in glob.glob(os.path.expanduser("~/.cache/drsp/mysql-*/bin/mysql")) if "template" not in p)
    if not found:
        sys.exit("no mysql client under ~/.cache/drsp (run a sandbox once) or $DRSP_MYSQL_HOME")
    return found[0]


def query(sandbox, sql):
    conf = open(os.path.join(sandbox, "drsp.conf"), encoding="utf-8").read()
    m = re.search(r'control-db \{ endpoint = "([^":]+):(\d+)", database = "([^"]+)", user = (\w+) \}', conf)
    user = re.search(r'\b' + m.group(4) + r' \{ name = "([^"]+)"', conf).group(1)
    env = dict(os.environ, MYSQL_PWD=open(os.path.join(sandbox, "secrets", m.group(4)), encoding="utf-8").read().strip())
    out = subprocess.run([mysql_client(), "-h" + m.group(1), "-P" + m.group(2), "-u" + user, "-N", "-B", m.group(3),
                          "-e", sql], env=env, check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines()]


def rows(sandbox, table, cols, order):
    # numbers as their decimal text, everything else as HEX() of its bytes; NULL as the word
    sql = "SELECT " + ", ".join("IF(%s IS NULL, 'NULL', %s)" % (c, c if c in INTS else "HEX(%s)" % c) for c in cols) \
        + " FROM " + table + " ORDER BY " + order
    for values in query(sandbox, sql):
        row = {}
        for c, v in zip(cols, values):
            if v == "NULL":
                row[c] = None
                continue
            row[c] = int(v) if c in INTS else bytes.fromhex(v).decode("utf-8")  # refuses a payload that is not UTF-8
        yield row


def write(path, records):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n")
    print("wrote %s (%d rows)" % (path, len(records)))


def main(sandbox, prefix):
    events = list(rows(sandbox, "event_journal", EVENT_COLS, "persistence_id, sequence_number"))
    snapshots = list(rows(sandbox, "snapshot", SNAPSHOT_COLS, "persistence_id, sequence_number"))
    for pid in sorted({r["persistence_id"] for r in events}):
        write("%s-%s.events.jsonl" % (prefix, pid), [r for r in events if r["persistence_id"] == pid])
        snaps = [r for r in snapshots if r["persistence_id"] == pid]
        if snaps:
            write("%s-%s.snapshots.jsonl" % (prefix, pid), snaps)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
