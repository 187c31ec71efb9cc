#!/usr/bin/env bash
# Runs every test of the project and ends with one line: "N passed, M failed".
#
#   scripts/test.sh                      # everything (what .ci/run runs)
#   scripts/test.sh cargo python         # only some suites
#   scripts/test.sh --reference          # client suites against the official Node server
#                                        # (tests/node/reference-*.mjs; a cross-check tool)
#   SERVER_URL=http://127.0.0.1:3000 scripts/test.sh socket.io-client
#                                        # against a conformance server you started yourself
#                                        # (likewise CHAT_URL, CHAT_TOKEN_URL + CHAT_TOKEN)
#
# Suites:
#   cargo              cargo nextest (or cargo test) over the workspace, plus doctests
#   engine.io-client   npm engine.io-client  → examples/conformance /engine.io
#   socket.io-client   npm socket.io-client  → examples/conformance /socket.io
#   python             python-socketio       → examples/conformance /socket.io
#   chat-node          the seed's Node.js client   → examples/chat
#   chat-python        the seed's Python client    → examples/chat
#   browser            the chat page in headless Chromium (playwright-core) → examples/chat
#   redis              our nodes with official Node.js nodes (@socket.io/redis-adapter) and
#                      emitters on one Redis (REDIS_URL, else 127.0.0.1:6379, else a private
#                      redis-server, installed from Debian when missing) → tests/redis/
#
# It installs what it needs, idempotently (fast when already there):
#   - npm packages from tests/node/package-lock.json (npm ci) and, for the chat demo's page,
#     examples/chat/package-lock.json;
#   - a Python venv with tests/python/requirements.txt under $SOCKETIO_TEST_CACHE
#     (default ~/.cache/socketio-rs), one per requirements hash;
#   - Debian's chromium for the browser suite, only when /usr/bin/chromium is missing.
# Each client suite gets its own servers (examples built once with --release) on free
# 127.0.0.1 ports, passed to the tests as SERVER_URL / CHAT_URL / CHAT_TOKEN_URL;
# logs go to $TEST_LOG_DIR (default .test-logs/).
#
# Exit status 0 when everything passed, 1 otherwise. A suite that cannot run (missing tool,
# failed install, build error, server not listening, no test found) counts as a failure.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

CACHE="${SOCKETIO_TEST_CACHE:-$HOME/.cache/socketio-rs}"
LOG_DIR="${TEST_LOG_DIR:-$ROOT/.test-logs}"
NODE_DIR="$ROOT/tests/node"
PY_DIR="$ROOT/tests/python"
CHAT_DIR="$ROOT/examples/chat"
SUITE_TIMEOUT="${SUITE_TIMEOUT:-900}" # seconds per client suite: a guard against hangs
mkdir -p "$LOG_DIR" "$CACHE"

ALL_SUITES=(cargo engine.io-client socket.io-client python chat-node chat-python browser redis)
CLIENT_SUITES=("${ALL_SUITES[@]:1}")
MODE=rust # rust | reference
SUITES=()
for arg in "$@"; do
  case "$arg" in
    --reference) MODE=reference ;;
    -h | --help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *)
      if [[ " ${ALL_SUITES[*]} " == *" $arg "* ]]; then SUITES+=("$arg"); else
        echo "unknown argument: $arg (suites: ${ALL_SUITES[*]})" >&2; exit 2
      fi ;;
  esac
done
# External servers, when given, replace the ones this script would start.
EXT_CONFORMANCE="${SERVER_URL:-}"
EXT_CHAT=""
if [[ -n ${CHAT_URL:-} && -n ${CHAT_TOKEN_URL:-} && -n ${CHAT_TOKEN:-} ]]; then EXT_CHAT=1; fi
if [[ ${#SUITES[@]} -eq 0 ]]; then
  if [[ $MODE == reference ]]; then SUITES=("${CLIENT_SUITES[@]}")
  elif [[ -n $EXT_CONFORMANCE || -n $EXT_CHAT ]]; then
    [[ -n $EXT_CONFORMANCE ]] && SUITES+=(engine.io-client socket.io-client python)
    [[ -n $EXT_CHAT ]] && SUITES+=(chat-node chat-python browser)
  else SUITES=("${ALL_SUITES[@]}"); fi
fi
wants() { local s; for s in "$@"; do [[ " ${SUITES[*]} " == *" $s "* ]] && return 0; done; return 1; }

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
  REPORT+=("$(printf '%-17s %5d passed, %3d failed%s' "$1" "$2" "$3" "${4:+  ($4)}")")
}
have() { command -v "$1" >/dev/null 2>&1; }
hash_of() { cat "$@" | sha256sum | cut -c1-16; }

# ---------------------------------------------------------------------------------------
# dependencies
npm_install() { # dir: npm ci unless node_modules matches the lockfile already
  local dir="$1" want stamp="$1/node_modules/.deps-stamp"
  want="$(hash_of "$dir/package.json" "$dir/package-lock.json")"
  if [[ -f $stamp && "$(cat "$stamp")" == "$want" ]]; then echo "up to date: ${dir#"$ROOT/"}"; return 0; fi
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error </dev/null) || return 1
  echo "$want" >"$stamp"
}

NODE_OK=0
ensure_node_deps() {
  say "node dependencies"
  if ! have node || ! have npm; then echo "node and npm are required (Node >= 20)"; return 1; fi
  local major; major="$(node -p 'process.versions.node.split(".")[0]')"
  if ((major < 20)); then echo "Node >= 20 required, found $(node --version)"; return 1; fi
  npm_install "$NODE_DIR" || return 1
  # the chat demo serves the official browser bundle from its own node_modules
  if [[ $MODE == rust ]] && wants browser && [[ -f $CHAT_DIR/package-lock.json ]]; then
    npm_install "$CHAT_DIR" || return 1
  fi
}

VENV=""
ensure_python_venv() {
  say "python venv (tests/python/requirements.txt)"
  local py="" cand
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
  say "chromium (browser suite)"
  if [[ -x /usr/bin/chromium ]]; then echo "present: $(/usr/bin/chromium --version 2>/dev/null)"; return 0; fi
  local sudo=""
  if [[ $(id -u) -ne 0 ]]; then
    if have sudo && sudo -n true 2>/dev/null; then sudo="sudo -n"; else
      echo "chromium is missing and installing it needs root"; return 1
    fi
  fi
  echo "installing Debian's chromium with apt-get"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq </dev/null &&
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium </dev/null >"$LOG_DIR/apt-chromium.log" 2>&1 ||
    { tail -n 20 "$LOG_DIR/apt-chromium.log"; return 1; }
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
    say "cargo test --workspace --doc (nextest does not run doctests)"
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
# servers under test
declare -A BIN=()       # example name → built executable
declare -A BUILD_ERR=() # example name → why it is unavailable
build_example() { # name
  local name="$1" log="$LOG_DIR/build-$1.log" rc
  say "cargo build --release --example $name"
  if ! have cargo; then BUILD_ERR[$name]="cargo not found"; return 1; fi
  cargo build --release --example "$name" --message-format=json-render-diagnostics </dev/null >"$log.json" 2>"$log"
  rc=$?
  cat "$log"
  if [[ $rc -ne 0 ]]; then BUILD_ERR[$name]="examples/$name failed to build (see $log)"; return 1; fi
  BIN[$name]="$(grep -oE "\"executable\":\"[^\"]*/$name\"" "$log.json" | tail -1 | sed 's/^"executable":"//; s/"$//')"
  if [[ -z ${BIN[$name]} || ! -x ${BIN[$name]} ]]; then BUILD_ERR[$name]="examples/$name: no executable after build"; return 1; fi
  echo "built ${BIN[$name]}"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
    node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'
}

SERVER_PIDS=()
SERVER_LOGS=()
# start_server LOGNAME EXAMPLE [VAR=VALUE...] → sets STARTED_URL
start_server() {
  local logname="$1" example="$2"; shift 2
  local log="$LOG_DIR/server-$logname.log" port pid
  port="$(free_port)" || { echo "no free port"; return 1; }
  if [[ $MODE == reference ]]; then
    local script=reference-server.mjs
    [[ $example == chat ]] && script=reference-chat-server.mjs
    (cd "$NODE_DIR" && exec env PORT="$port" "$@" node "$script") >"$log" 2>&1 </dev/null &
  else
    if [[ -n ${BUILD_ERR[$example]:-} || -z ${BIN[$example]:-} ]]; then
      echo "${BUILD_ERR[$example]:-examples/$example was not built}"; return 1
    fi
    env PORT="$port" "$@" "${BIN[$example]}" >"$log" 2>&1 </dev/null &
  fi
  pid=$!
  SERVER_PIDS+=("$pid")
  SERVER_LOGS+=("$log")
  STARTED_URL="http://127.0.0.1:$port"
  local deadline=$((SECONDS + 30))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "server $logname exited before listening on $port; its log:"; tail -n 40 "$log"; return 1
    fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "server $logname (pid $pid) listening on $STARTED_URL (log: $log)"; return 0
    fi
    sleep 0.1
  done
  echo "server $logname did not listen on $port within 30 s; its log:"; tail -n 40 "$log"
  return 1
}

stop_servers() {
  local pid i
  for pid in "${SERVER_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${SERVER_PIDS[@]}"; do
    for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  SERVER_PIDS=()
}
trap 'stop_servers' EXIT
trap 'stop_servers; exit 130' INT TERM

show_server_logs() {
  local log
  for log in "${SERVER_LOGS[@]}"; do
    echo "--- last lines of $log ---"; tail -n 30 "$log"
  done
}

# start_suite_servers SUITE KIND → fills SUITE_ENV (VAR=VALUE...) or records a failure
SUITE_ENV=()
start_suite_servers() {
  local suite="$1" kind="$2"
  SUITE_ENV=()
  SERVER_LOGS=()
  if [[ $kind == conformance ]]; then
    if [[ -n $EXT_CONFORMANCE ]]; then SUITE_ENV=(SERVER_URL="$EXT_CONFORMANCE"); return 0; fi
    if start_server "$suite" conformance; then SUITE_ENV=(SERVER_URL="$STARTED_URL"); return 0; fi
  else
    if [[ -n $EXT_CHAT ]]; then
      SUITE_ENV=(CHAT_URL="$CHAT_URL" CHAT_TOKEN_URL="$CHAT_TOKEN_URL" CHAT_TOKEN="$CHAT_TOKEN"); return 0
    fi
    local token open_url
    token="ci-token-$RANDOM$RANDOM"
    if start_server "$suite-open" chat CHAT_TOKEN=; then
      open_url="$STARTED_URL"
      if start_server "$suite-token" chat CHAT_TOKEN="$token"; then
        SUITE_ENV=(CHAT_URL="$open_url" CHAT_TOKEN_URL="$STARTED_URL" CHAT_TOKEN="$token"); return 0
      fi
    fi
  fi
  stop_servers
  record "$suite" 0 1 "server did not start"
  return 1
}

# ---------------------------------------------------------------------------------------
# client suites
run_node_suite() { # suite kind file...
  local suite="$1" kind="$2"; shift 2
  say "$suite: node --test ${*#"$NODE_DIR/"}"
  if [[ $NODE_OK -ne 1 ]]; then record "$suite" 0 1 "node dependencies unavailable"; return; fi
  start_suite_servers "$suite" "$kind" || return
  local tap="$LOG_DIR/$suite.tap" rc
  rm -f "$tap"
  (cd "$NODE_DIR" && env "${SUITE_ENV[@]}" timeout "$SUITE_TIMEOUT" node --test \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$tap" "$@" </dev/null)
  rc=$?
  stop_servers
  record_tap "$suite" "$tap" "$rc" || show_server_logs
}

# Records a node --test run from its TAP file and exit status; fails when anything failed.
record_tap() { # suite tap rc
  local suite="$1" tap="$2" rc="$3" pass fail cancelled note=""
  pass="$(grep -E '^# pass [0-9]+' "$tap" 2>/dev/null | tail -1 | grep -oE '[0-9]+' || echo 0)"
  fail="$(grep -E '^# fail [0-9]+' "$tap" 2>/dev/null | tail -1 | grep -oE '[0-9]+' || echo 0)"
  cancelled="$(grep -E '^# cancelled [0-9]+' "$tap" 2>/dev/null | tail -1 | grep -oE '[0-9]+' || echo 0)"
  fail=$((fail + cancelled))
  if ((pass + fail == 0)); then fail=1; note="no test ran (exit $rc)"
  elif [[ $rc -ne 0 && $fail -eq 0 ]]; then fail=1; note="node exited $rc"; fi
  record "$suite" "$pass" "$fail" "$note"
  ((fail == 0))
}

run_python_suite() { # suite kind file...
  local suite="$1" kind="$2"; shift 2
  say "$suite: pytest $*"
  if [[ -z $VENV ]]; then record "$suite" 0 1 "python venv unavailable"; return; fi
  start_suite_servers "$suite" "$kind" || return
  local xml="$LOG_DIR/$suite.xml" rc
  rm -f "$xml"
  (cd "$PY_DIR" && env "${SUITE_ENV[@]}" timeout "$SUITE_TIMEOUT" "$VENV/bin/python" -m pytest \
    -p no:cacheprovider --junitxml="$xml" "$@" </dev/null)
  rc=$?
  stop_servers
  local pass=0 fail=0 note=""
  if [[ -f $xml ]]; then
    read -r pass fail < <("$VENV/bin/python" - "$xml" <<'EOF'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
t = f = e = s = 0
for su in suites:
    t += int(su.get("tests", 0)); f += int(su.get("failures", 0))
    e += int(su.get("errors", 0)); s += int(su.get("skipped", 0))
print(t - f - e - s, f + e)
EOF
    )
  fi
  if [[ $rc -eq 5 ]]; then fail=$((fail + 1)); note="pytest collected no tests"
  elif ((pass + fail == 0)); then fail=1; note="no test ran (exit $rc)"
  elif [[ $rc -ne 0 && $fail -eq 0 ]]; then fail=1; note="pytest exited $rc"; fi
  ((fail > 0)) && show_server_logs
  record "$suite" "$pass" "$fail" "$note"
}

run_browser_suite() {
  local files=()
  mapfile -t files < <(find "$NODE_DIR/browser" -maxdepth 1 -name '*.test.mjs' 2>/dev/null | sort)
  if [[ ${#files[@]} -eq 0 ]]; then record browser 0 1 "no browser test found"; return; fi
  if ! ensure_chromium; then record browser 0 1 "chromium unavailable"; return; fi
  CHROMIUM_PATH=/usr/bin/chromium run_node_suite browser chat "${files[@]}"
}

# The mixed cluster: our nodes and official Node.js nodes on one Redis (tests/redis/), each
# test starting the processes it needs (debug builds of the examples).
run_redis_suite() {
  local dir="$ROOT/tests/redis" tap="$LOG_DIR/redis.tap" rc
  say "redis: node --test tests/redis/ (Rust and Node.js nodes on one Redis)"
  if ! have node; then record redis 0 1 "node not found"; return; fi
  if ! npm_install "$dir"; then record redis 0 1 "npm ci failed in tests/redis"; return; fi
  if ! (cargo build -q -p socketio-redis --examples && cargo build -q --example conformance --example chat) \
    </dev/null >"$LOG_DIR/build-redis.log" 2>&1; then
    record redis 0 1 "build failed (see $LOG_DIR/build-redis.log)"; return
  fi
  rm -f "$tap"
  (cd "$ROOT" && SKIP_CARGO_BUILD=1 timeout "$SUITE_TIMEOUT" node --test --test-timeout 180000 \
    --test-concurrency 1 --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$tap" tests/redis/ </dev/null)
  rc=$?
  record_tap redis "$tap" "$rc"
}

# ---------------------------------------------------------------------------------------
echo "suites: ${SUITES[*]}; servers: $MODE${EXT_CONFORMANCE:+, conformance at $EXT_CONFORMANCE}${EXT_CHAT:+, chat at $CHAT_URL}; logs: $LOG_DIR"

if wants engine.io-client socket.io-client chat-node browser || [[ $MODE == reference ]]; then
  ensure_node_deps && NODE_OK=1
fi
if wants python chat-python; then ensure_python_venv || VENV=""; fi

if wants cargo; then run_cargo; fi

if [[ $MODE == rust ]]; then
  if [[ -z $EXT_CONFORMANCE ]] && wants engine.io-client socket.io-client python; then build_example conformance; fi
  if [[ -z $EXT_CHAT ]] && wants chat-node chat-python browser; then build_example chat; fi
elif [[ $NODE_OK -ne 1 ]]; then
  BIN=() && BUILD_ERR[conformance]="the reference servers need the node dependencies" && BUILD_ERR[chat]="${BUILD_ERR[conformance]}" && MODE=rust
fi

wants engine.io-client && run_node_suite engine.io-client conformance "$NODE_DIR/engine.io-client.test.mjs"
wants socket.io-client && run_node_suite socket.io-client conformance "$NODE_DIR/socket.io-client.test.mjs"
wants python && run_python_suite python conformance test_python_client.py
wants chat-node && run_node_suite chat-node chat "$NODE_DIR/chat.test.mjs"
wants chat-python && run_python_suite chat-python chat test_chat.py
wants browser && run_browser_suite
[[ $MODE == rust ]] && wants redis && run_redis_suite

echo
echo "==> summary ($((SECONDS - START_TIME)) s)"
for line in "${REPORT[@]}"; do echo "  $line"; done
echo "$TOTAL_PASSED passed, $TOTAL_FAILED failed"
if ((TOTAL_FAILED > 0)); then exit 1; fi
exit 0
