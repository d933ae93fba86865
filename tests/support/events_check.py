#!/usr/bin/env python3
"""Checks vigil's event lines against docs/events.md (and docs/events.md against the C table).

  events_check.py DOC --schema DUMP          the C table (test_cli_events --dump-schema) lists
                                             exactly the events and keys of DOC, in its order
  events_check.py DOC [--expect EVENT]... FILE...
                                             every line of every FILE is valid JSON with v right,
                                             a documented event, exactly its documented keys in
                                             that order and values of the documented types
                                             (null only where documented); each --expect EVENT
                                             occurs in some FILE
Prints FILE:LINE: reason for the first problem and exits 1; exits 0 when everything holds.
"""
import json
import re
import sys

ENVELOPE = ["v", "t_us", "host", "event"]
ROW = re.compile(r"^\| `(\w+)` \| (str|uint|bool)( or null)? \|")


def parse_doc(path):
    """(version, {event: [(key, type, nullable), ...]}) from the markdown."""
    text = open(path, encoding="utf-8").read()
    m = re.search(r"the schema's version, `(\d+)`", text)
    if not m:
        sys.exit("%s: no version in the table of every line" % path)
    events, current = {}, None
    for n, line in enumerate(text.splitlines(), 1):
        h = re.match(r"^### `(\w+)`\s*$", line)
        if h:
            current = h.group(1)
            if current in events:
                sys.exit("%s:%d: event %s documented twice" % (path, n, current))
            events[current] = []
            continue
        if line.startswith("## "):
            current = None
            continue
        r = ROW.match(line)
        if r and current:
            key = (r.group(1), r.group(2), bool(r.group(3)))
            if any(k[0] == key[0] for k in events[current]):
                sys.exit("%s:%d: key %s twice in %s" % (path, n, key[0], current))
            events[current].append(key)
    return int(m.group(1)), events


def fits(value, typ):
    if typ == "str":
        return isinstance(value, str)
    if typ == "bool":
        return isinstance(value, bool)
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**64


def check_schema(doc, dump_path):
    version, events = doc
    dump = json.load(open(dump_path))
    if dump["version"] != version:
        return "version: C %s, docs %s" % (dump["version"], version)
    c = {name: [(k, t, nl) for k, t, nl in keys] for name, keys in dump["events"].items()}
    for name in c:
        if name not in events:
            return "event %s is in the C table but not in the docs" % name
    for name in events:
        if name not in c:
            return "event %s is in the docs but not in the C table" % name
        if c[name] != events[name]:
            return "event %s: C table %s, docs %s" % (name, c[name], events[name])
    return None


def check_line(doc, line):
    version, events = doc
    try:
        o = json.loads(line, object_pairs_hook=list)
    except ValueError as e:
        return "not JSON (%s)" % e
    if not isinstance(o, list):
        return "not a JSON object"
    keys = [k for k, _ in o]
    if len(set(keys)) != len(keys):
        return "a key appears twice"
    d = dict(o)
    if keys[:4] != ENVELOPE:
        return "does not start with %s: %s" % (ENVELOPE, keys[:4])
    if d["v"] != version or isinstance(d["v"], bool):
        return "v is %r, not %d" % (d["v"], version)
    if not fits(d["t_us"], "uint"):
        return "t_us is %r, not an integer >= 0" % (d["t_us"],)
    if not isinstance(d["host"], str) or not d["host"]:
        return "host is %r" % (d["host"],)
    ev = d["event"]
    if ev not in events:
        return "event %r is not documented" % (ev,)
    want = [k for k, _, _ in events[ev]]
    if keys[4:] != want:
        return "event %s has keys %s, documented %s" % (ev, keys[4:], want)
    for k, typ, nullable in events[ev]:
        v = d[k]
        if v is None:
            if not nullable:
                return "event %s: %s is null, documented %s" % (ev, k, typ)
        elif not fits(v, typ):
            return "event %s: %s is %r, documented %s%s" % (ev, k, v, typ,
                                                           " or null" if nullable else "")
    return None


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    doc = parse_doc(argv[1])
    if argv[2] == "--schema":
        why = check_schema(doc, argv[3])
        if why:
            print("%s: %s" % (argv[1], why))
            return 1
        print("schema: %d events, docs and C table agree" % len(doc[1]))
        return 0
    expect, files, i = [], [], 2
    while i < len(argv):
        if argv[i] == "--expect":
            expect.append(argv[i + 1])
            i += 2
        else:
            files.append(argv[i])
            i += 1
    seen, lines = set(), 0
    for path in files:
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                why = check_line(doc, line)
                if why:
                    print("%s:%d: %s\n  %s" % (path, n, why, line.rstrip()[:300]))
                    return 1
                seen.add(json.loads(line)["event"])
                lines += 1
    for ev in expect:
        if ev not in seen:
            print("no %s line in %s" % (ev, " ".join(files)))
            return 1
    print("events: %d lines in %d file(s) match %s" % (lines, len(files), argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
