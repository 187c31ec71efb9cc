#!/usr/bin/env bash
# Runs every test of the project and ends with one line: "N passed, M failed".
#
#   scripts/test.sh                      # everything: cargo, official Node and Python clients
#   scripts/test.sh cargo python         # only some suites
#   scripts/test.sh --reference          # client suites against the official Node server
#                                        # (tests/node/reference-server.mjs; cross-check tool)
#   SERVER_URL=http://127.0.0.1:3000 scripts/test.sh engine.io-client socket.io-client python
#                                        # client suites against a server you started yourself
#
# Suites: cargo, engine.io-client, socket.io-client, python, browser.
#
# It installs what it needs, idempotently (fast when already there):
#   - npm packages from tests/node/package-lock.json into tests/node/node_modules (npm ci);
#   - a Python venv with tests/python/requirements.txt under $SOCKETIO_TEST_CACHE
#     (default ~/.cache/socketio-rs), one per requirements hash;
#   - Debian's chromium, only for browser tests, only when /usr/bin/chromium is missing.
# Each client suite gets its own `examples/conformance` server (built once, --release) on a
# free 127.0.0.1 port, passed to the suite as SERVER_URL; logs go to $TEST_LOG_DIR
# (default .test-logs/).
#
# Exit status: 0 when everything passed, 1 otherwise. A suite that cannot run (missing
# tool, failed install, build error, no tests found) counts as a failure, never a pass.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

CACHE="${SOCKETIO_TEST_CACHE:-$HOME/.cache/socketio-rs}"
LOG_DIR="${TEST_LOG_DIR:-$ROOT/.test-logs}"
NODE_DIR="$ROOT/tests/node"
PY_DIR="$ROOT/tests/python"
BROWSER_DIR="$ROOT/tests/browser"
SUITE_TIMEOUT="${SUITE_TIMEOUT:-900}" # seconds, per client suite (guards against hangs)
mkdir -p "$LOG_DIR" "$CACHE"

ALL_SUITES=(cargo engine.io-client socket.io-client python browser)
MODE=rust # rust | reference | external
SUITES=()
for arg in "$@"; do
  case "$arg" in
    --reference) MODE=reference ;;
    -h | --help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    cargo | engine.io-client | socket.io-client | python | browser) SUITES+=("$arg") ;;
    *) echo "unknown argument: $arg (suites: ${ALL_SUITES[*]})" >&2; exit 2 ;;
  esac
done
if [[ -n "${SERVER_URL:-}" && $MODE == rust ]]; then MODE=external; fi
if [[ ${#SUITES[@]} -eq 0 ]]; then
  if [[ $MODE == rust ]]; then SUITES=("${ALL_SUITES[@]}"); else SUITES=(engine.io-client socket.io-client python browser); fi
fi
wants() { local s; for s in "${SUITES[@]}"; do [[ $s == "$1" ]] && return 0; done; return 1; }

# ---------------------------------------------------------------------------------------
# bookkeeping
TOTAL_PASSED=0
TOTAL_FAILED=0
REPORT=()
START_TIME=$SECONDS

say() { printf '\n==> %s\n' "$*"; }
record() { # suite passed failed [note]
  TOTAL_PASSED=$((TOTAL_PASSED + $2))
  TOTAL_FAILED=$((TOTAL_FAILED + $3))
  REPORT+=("$(printf '%-18s %5d passed, %3d failed%s' "$1" "$2" "$3" "${4:+  ($4)}")")
}
have() { command -v "$1" >/dev/null 2>&1; }
hash_of() { cat "$@" | sha256sum | cut -c1-16; }

# ---------------------------------------------------------------------------------------
# dependencies
NODE_OK=0
ensure_node_deps() {
  say "node dependencies (tests/node)"
  if ! have node || ! have npm; then
    echo "node and npm are required (Node >= 20)"; return 1
  fi
  local major; major="$(node -p 'process.versions.node.split(".")[0]')"
  if ((major < 20)); then echo "Node >= 20 required, found $(node --version)"; return 1; fi
  local want stamp="$NODE_DIR/node_modules/.deps-stamp"
  want="$(hash_of "$NODE_DIR/package.json" "$NODE_DIR/package-lock.json")"
  if [[ -f $stamp && "$(cat "$stamp")" == "$want" ]]; then
    echo "up to date"; return 0
  fi
  (cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error </dev/null) || return 1
  echo "$want" >"$stamp"
}

VENV=""
ensure_python_venv() {
  say "python venv (tests/python/requirements.txt)"
  local py=""
  for cand in python3.11 python3 python; do
    if have "$cand" && "$cand" -c 'import sys, venv; sys.exit(sys.version_info < (3, 9))' 2>/dev/null; then
      py="$cand"; break
    fi
  done
  if [[ -z $py ]]; then echo "python >= 3.9 with the venv module is required"; return 1; fi
  VENV="$CACHE/venv-$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')-$(hash_of "$PY_DIR/requirements.txt")"
  if [[ -f $VENV/.complete ]] && "$VENV/bin/python" -c 'import socketio, aiohttp, pytest, pytest_asyncio' 2>/dev/null; then
    echo "up to date: $VENV"; return 0
  fi
  rm -rf "$VENV"
  "$py" -m venv "$VENV" || return 1
  "$VENV/bin/python" -m pip install --disable-pip-version-check -q -r "$PY_DIR/requirements.txt" </dev/null || return 1
  touch "$VENV/.complete"
  echo "installed: $VENV"
}

ensure_chromium() {
  say "chromium (browser tests)"
  if [[ -x /usr/bin/chromium ]]; then echo "present: $(/usr/bin/chromium --version 2>/dev/null)"; return 0; fi
  local sudo=""
  if [[ $(id -u) -ne 0 ]]; then
    if have sudo && sudo -n true 2>/dev/null; then sudo="sudo -n"; else
      echo "chromium is missing and apt-get needs root"; return 1
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq </dev/null && $sudo apt-get install -y -qq --no-install-recommends chromium </dev/null || return 1
  [[ -x /usr/bin/chromium ]]
}

# ---------------------------------------------------------------------------------------
# cargo tests
run_cargo() {
  local log="$LOG_DIR/cargo.log" rc passed=0 failed=0
  if ! have cargo; then record cargo 0 1 "cargo not found"; return; fi
  if [[ -z ${SOCKETIO_TEST_NO_NEXTEST:-} ]] && cargo nextest --version >/dev/null 2>&1; then
    say "cargo nextest run --workspace"
    cargo nextest run --workspace --no-fail-fast --no-tests=warn 2>&1 </dev/null | tee "$log"
    rc=${PIPESTATUS[0]}
    local summary
    summary="$(grep -E '^ *Summary \[' "$log" | tail -1)"
    if [[ -n $summary ]]; then
      passed="$(grep -oE '[0-9]+ passed' <<<"$summary" | grep -oE '[0-9]+' || echo 0)"
      failed=$(($(grep -oE '[0-9]+ failed' <<<"$summary" | grep -oE '[0-9]+' || echo 0) + \
        $(grep -oE '[0-9]+ timed out' <<<"$summary" | grep -oE '[0-9]+' || echo 0)))
    fi
    if [[ $rc -ne 0 && $failed -eq 0 ]]; then failed=1; fi
    # nextest does not run doctests
    say "cargo test --workspace --doc"
    cargo test --workspace --doc --no-fail-fast 2>&1 </dev/null | tee "$log.doc"
    local drc=${PIPESTATUS[0]} dp df
    read -r dp df < <(sum_libtest "$log.doc")
    if [[ $drc -ne 0 && $df -eq 0 ]]; then df=1; fi
    record cargo $((passed + dp)) $((failed + df)) "nextest + doctests"
  else
    say "cargo test --workspace (cargo-nextest not installed)"
    cargo test --workspace --no-fail-fast 2>&1 </dev/null | tee "$log"
    rc=${PIPESTATUS[0]}
    read -r passed failed < <(sum_libtest "$log")
    if [[ $rc -ne 0 && $failed -eq 0 ]]; then failed=1; fi
    record cargo "$passed" "$failed" "cargo test"
  fi
}

# Sums libtest's "test result: ok. X passed; Y failed; ..." lines of a log.
sum_libtest() {
  awk '/^test result: / {
         for (i = 1; i <= NF; i++) {
           if ($(i+1) ~ /^passed;?$/) p += $i
           if ($(i+1) ~ /^failed;?$/) f += $i
         }
       } END { print p + 0, f + 0 }' "$1"
}

# ---------------------------------------------------------------------------------------
# the server under test
SERVER_BIN=""
SERVER_PID=""
BUILD_ERROR=""
build_conformance() {
  say "cargo build --release --example conformance"
  local log="$LOG_DIR/build-conformance.log"
  if ! have cargo; then BUILD_ERROR="cargo not found"; return 1; fi
  cargo build --release --example conformance --message-format=json-render-diagnostics </dev/null >"$log.json" 2>"$log"
  local rc=$?
  cat "$log"
  if [[ $rc -ne 0 ]]; then BUILD_ERROR="examples/conformance failed to build (see $log)"; return 1; fi
  SERVER_BIN="$(grep -oE '"executable":"[^"]*conformance[^"]*"' "$log.json" | tail -1 | sed 's/^"executable":"//; s/"$//')"
  if [[ -z $SERVER_BIN || ! -x $SERVER_BIN ]]; then BUILD_ERROR="conformance binary not found after build"; return 1; fi
  echo "built $SERVER_BIN"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
    node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'
}

# start_server SUITE → sets SUITE_URL, or returns 1
start_server() {
  local suite="$1" port log="$LOG_DIR/server-$1.log"
  if [[ $MODE == external ]]; then SUITE_URL="$SERVER_URL"; return 0; fi
  port="$(free_port)" || return 1
  if [[ $MODE == reference ]]; then
    (cd "$NODE_DIR" && PORT=$port exec node reference-server.mjs) >"$log" 2>&1 </dev/null &
  else
    PORT=$port "$SERVER_BIN" >"$log" 2>&1 </dev/null &
  fi
  SERVER_PID=$!
  SUITE_URL="http://127.0.0.1:$port"
  local deadline=$((SECONDS + 30))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "server exited before listening on $port; its log:"; tail -n 40 "$log"; SERVER_PID=""; return 1
    fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "server pid $SERVER_PID listening on $SUITE_URL (log: $log)"; return 0
    fi
    sleep 0.1
  done
  echo "server did not listen on $port within 30 s; its log:"; tail -n 40 "$log"
  stop_server
  return 1
}

stop_server() {
  [[ -z $SERVER_PID ]] && return 0
  kill "$SERVER_PID" 2>/dev/null
  local i
  for i in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$SERVER_PID" 2>/dev/null
  wait "$SERVER_PID" 2>/dev/null
  SERVER_PID=""
}
trap 'stop_server' EXIT
trap 'stop_server; exit 130' INT TERM

server_ready_or_fail() { # suite
  if [[ $MODE == rust && -n $BUILD_ERROR ]]; then record "$1" 0 1 "$BUILD_ERROR"; return 1; fi
  if ! start_server "$1"; then record "$1" 0 1 "server did not start"; return 1; fi
}

# ---------------------------------------------------------------------------------------
# client suites
run_node_suite() { # suite file...
  local suite="$1"; shift
  say "$suite (node --test ${*#"$NODE_DIR/"})"
  if [[ $NODE_OK -ne 1 ]]; then record "$suite" 0 1 "node dependencies unavailable"; return; fi
  server_ready_or_fail "$suite" || return
  local tap="$LOG_DIR/$suite.tap" rc
  (cd "$NODE_DIR" && SERVER_URL="$SUITE_URL" timeout "$SUITE_TIMEOUT" node --test \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$tap" "$@" </dev/null)
  rc=$?
  stop_server
  local pass fail cancelled
  pass="$(grep -E '^# pass [0-9]+' "$tap" 2>/dev/null | tail -1 | grep -oE '[0-9]+' || echo 0)"
  fail="$(grep -E '^# fail [0-9]+' "$tap" 2>/dev/null | tail -1 | grep -oE '[0-9]+' || echo 0)"
  cancelled="$(grep -E '^# cancelled [0-9]+' "$tap" 2>/dev/null | tail -1 | grep -oE '[0-9]+' || echo 0)"
  fail=$((fail + cancelled))
  local note=""
  if ((pass + fail == 0)); then fail=1; note="no test ran (exit $rc)"; fi
  if [[ $rc -ne 0 && $fail -eq 0 ]]; then fail=1; note="node exited $rc"; fi
  if ((fail > 0)) && [[ $MODE != external ]]; then
    echo "--- last lines of the server log ($LOG_DIR/server-$suite.log) ---"
    tail -n 30 "$LOG_DIR/server-$suite.log"
  fi
  record "$suite" "$pass" "$fail" "$note"
}

run_python_suite() {
  say "python (pytest tests/python, python-socketio AsyncClient)"
  if [[ -z $VENV ]]; then record python 0 1 "python venv unavailable"; return; fi
  server_ready_or_fail python || return
  local xml="$LOG_DIR/python.xml" rc
  rm -f "$xml"
  (cd "$PY_DIR" && SERVER_URL="$SUITE_URL" timeout "$SUITE_TIMEOUT" "$VENV/bin/python" -m pytest \
    -p no:cacheprovider --junitxml="$xml" </dev/null)
  rc=$?
  stop_server
  local counts pass=0 fail=0 note=""
  if [[ -f $xml ]]; then
    counts="$("$VENV/bin/python" - "$xml" <<'EOF'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
t = f = e = s = 0
for su in suites:
    t += int(su.get("tests", 0)); f += int(su.get("failures", 0))
    e += int(su.get("errors", 0)); s += int(su.get("skipped", 0))
print(t - f - e - s, f + e)
EOF
)"
    read -r pass fail <<<"$counts"
  fi
  if [[ $rc -eq 5 ]]; then fail=$((fail + 1)); note="pytest collected no tests"
  elif ((pass + fail == 0)); then fail=1; note="no test ran (exit $rc)"
  elif [[ $rc -ne 0 && $fail -eq 0 ]]; then fail=1; note="pytest exited $rc"; fi
  if ((fail > 0)) && [[ $MODE != external ]]; then
    echo "--- last lines of the server log ($LOG_DIR/server-python.log) ---"
    tail -n 30 "$LOG_DIR/server-python.log"
  fi
  record python "$pass" "$fail" "$note"
}

run_browser_suite() {
  local files=()
  if [[ -d $BROWSER_DIR ]]; then mapfile -t files < <(find "$BROWSER_DIR" -maxdepth 1 -name '*.test.mjs' | sort); fi
  if [[ ${#files[@]} -eq 0 ]]; then
    say "browser: no tests yet (tests/browser/*.test.mjs), skipped"
    return
  fi
  if ! ensure_chromium; then record browser 0 1 "chromium unavailable"; return; fi
  CHROMIUM_PATH=/usr/bin/chromium run_node_suite browser "${files[@]}"
}

# ---------------------------------------------------------------------------------------
echo "suites: ${SUITES[*]}; server: $MODE${SERVER_URL:+ ($SERVER_URL)}; logs: $LOG_DIR"

needs_node=0
for s in engine.io-client socket.io-client browser; do wants "$s" && needs_node=1; done
[[ $MODE == reference ]] && needs_node=1
if ((needs_node)); then ensure_node_deps && NODE_OK=1; fi
if wants python; then ensure_python_venv || VENV=""; fi

if wants cargo; then run_cargo; fi

if [[ $MODE == rust ]] && (wants engine.io-client || wants socket.io-client || wants python); then
  build_conformance
fi
if [[ $MODE == reference && $NODE_OK -ne 1 ]]; then BUILD_ERROR="reference server needs the node dependencies"; MODE=rust; fi

wants engine.io-client && run_node_suite engine.io-client "$NODE_DIR/engine.io-client.test.mjs"
wants socket.io-client && run_node_suite socket.io-client "$NODE_DIR/socket.io-client.test.mjs"
wants python && run_python_suite
wants browser && run_browser_suite

echo
echo "==> summary ($((SECONDS - START_TIME)) s)"
for line in "${REPORT[@]}"; do echo "  $line"; done
echo "$TOTAL_PASSED passed, $TOTAL_FAILED failed"
if ((TOTAL_FAILED > 0)); then exit 1; fi
exit 0
