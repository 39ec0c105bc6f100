#!/usr/bin/env bash
# [metrics] from the command line: dist/prometheus/responder.rules.yml is
# valid for promtool (check rules) and its alerts fire when they should and
# only then (test rules with tests/fixtures/prometheus/responder.rules.test.yml),
# the YAML has the structure Prometheus wants and every metric its
# expressions use is one the responder exports; a bad [metrics] listen stops
# `run` with status 78 and the reason, before anything is fetched;
# check-config finds it, and a [web] listen that is not loopback without TLS
# or a proxy.
set -u
. "$(dirname "$0")/../lib/check.sh"
need_tool python3

RULES=$RESPONDER_SRC/dist/prometheus/responder.rules.yml
# scripts/deps unpacks promtool from Debian's prometheus package there
# (installing the package would start a system Prometheus).
PROMETHEUS_ROOT=${PROMETHEUS_ROOT:-/opt/responder-tests/prometheus}
PROMTOOL=$PROMETHEUS_ROOT/usr/bin/promtool
[ -x "$PROMTOOL" ] || PROMTOOL=$(command -v promtool) ||
	skip_or_fail "promtool is not unpacked in $PROMETHEUS_ROOT (scripts/deps does it)"
python3 -c 'import yaml' 2> /dev/null || skip_or_fail "python3-yaml is not installed (scripts/deps installs it)"
run "$PROMTOOL" check rules "$RULES"
expect_status 0 "promtool check rules"
expect_out "SUCCESS: "
run "$PROMTOOL" test rules "$RESPONDER_SRC/tests/fixtures/prometheus/responder.rules.test.yml"
expect_status 0 "promtool test rules"
expect_out "SUCCESS"
CHECK_COUNT=$((CHECK_COUNT + 1))
python3 - "$RULES" "$RESPONDER_SRC/responder/metrics/metrics.c" <<'PY' || fail "rules file: see above"
import re, sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
exported = set(re.findall(r'"(responder_[a-z_]+)', open(sys.argv[2]).read()))
exported |= {n + s for n in list(exported) for s in ("_bucket", "_sum", "_count")}
ok, alerts = True, set()
assert isinstance(doc, dict) and isinstance(doc.get("groups"), list), "no groups"
for g in doc["groups"]:
    assert isinstance(g.get("name"), str) and isinstance(g.get("rules"), list), g
    for r in g["rules"]:
        assert set(r) <= {"alert", "expr", "for", "labels", "annotations", "keep_firing_for"}, r
        assert isinstance(r.get("alert"), str) and isinstance(r.get("expr"), str), r
        if "for" in r: assert re.fullmatch(r"\d+[smhd]", r["for"]), r["for"]
        alerts.add(r["alert"])
        for name in re.findall(r"responder_[a-z_]+", r["expr"]):
            if name not in exported:
                print("unknown metric in", r["alert"], ":", name); ok = False
for want in ("ResponderNoPass", "ResponderOutboxGrowing", "ResponderParseFailures"):
    if want not in alerts: print("missing alert", want); ok = False
sys.exit(0 if ok else 1)
PY

T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
printf '[store]\npath = %s/s.db\n[templates]\ndir = %s/templates\n[metrics]\nlisten = 127.0.0.1\n' "$T" "$RESPONDER_SRC" > "$T/r.conf"
run timeout 20 "$RESPONDER_BIN" -c "$T/r.conf" run
expect_status 78 "run with a bad [metrics] listen"
expect_err "[metrics] listen: '127.0.0.1': want HOST:PORT"
run "$RESPONDER_BIN" -c "$T/r.conf" check-config --quiet
expect_status 78 "check-config with a bad [metrics] listen"
expect_err "[metrics] listen: '127.0.0.1': want HOST:PORT"
printf '[store]\npath = %s/s.db\n[templates]\ndir = %s/templates\n[web]\nlisten = 0.0.0.0:8025\n' "$T" "$RESPONDER_SRC" > "$T/r.conf"
run "$RESPONDER_BIN" -c "$T/r.conf" check-config --quiet
expect_status 78 "check-config with [web] listen on all addresses, no TLS"
expect_err "[web] listen 0.0.0.0:8025 is not a loopback address"
finish
