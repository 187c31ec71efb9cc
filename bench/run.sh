#!/usr/bin/env bash
# The benchmark suite: our server against a raw WebSocket floor, socketioxide, the Node
# server and python-socketio, measured the same way in one run. See bench/README.md.
#
#   bench/run.sh --quick            # about 2-3 minutes once built
#   bench/run.sh --full             # under 15 minutes; the figures of docs/performance.md
#   bench/run.sh --scale            # 100,000 WebSocket connections over several processes
#   bench/run.sh --smoke            # a few seconds, no figures worth reading (CI)
#
# Options: --servers "floor ours socketioxide node python", --modes "echo echo-eager ack
# broadcast idle polling", --out DIR (default bench/results/<date>-<mode>).
#
# Each server runs pinned to core 0, the load generator to core 1 (taskset); each server
# is started afresh for each mode. Needs cargo, node + npm, python3 (venv + pip), taskset.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
PEERS=$BENCH/peers
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
PEER_TARGET=${CARGO_TARGET_DIR:+$CARGO_TARGET_DIR/peers}
PEER_TARGET=${PEER_TARGET:-$PEERS/socketioxide/target}
SERVER_CORE=${SERVER_CORE:-0}
LOAD_CORE=${LOAD_CORE:-1}

profile=quick
servers="floor ours socketioxide node python"
modes="echo echo-eager ack broadcast idle polling"
out=""
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) profile=quick ;;
        --full) profile=full ;;
        --scale) profile=scale ;;
        --smoke) profile=smoke ;;
        --servers) servers=$2; shift ;;
        --modes) modes=$2; shift ;;
        --out) out=$2; shift ;;
        -h | --help) sed -n '2,15p' "$0"; exit 0 ;;
        *) echo "unknown option: $1" >&2; exit 2 ;;
    esac
    shift
done

# Sizes per profile: connections × messages (window 10), repetitions (median reported).
case $profile in
    smoke)
        reps=1 echo_c=10 echo_n=100 bc_c=50 bc_n=10 idle_c=200 poll_c=5 poll_n=20 ;;
    quick)
        reps=1 echo_c=50 echo_n=1000 bc_c=1000 bc_n=50 idle_c=10000 poll_c=20 poll_n=200 ;;
    full)
        reps=3 echo_c=50 echo_n=4000 bc_c=1000 bc_n=200 idle_c=10000 poll_c=50 poll_n=500 ;;
    scale) ;;
esac
window=10

stamp=$(date -u +%Y-%m-%dT%H%M%SZ)
out=${out:-$BENCH/results/$stamp-$profile}
mkdir -p "$out"
log=$out/log.txt
: >"$log"
say() { echo "[bench] $*" | tee -a "$log" >&2; }
load1() { cut -d' ' -f1 /proc/loadavg; }

for tool in cargo taskset; do
    command -v $tool >/dev/null || { echo "needs $tool" >&2; exit 1; }
done
[ "$(nproc --all)" -ge 2 ] || say "warning: fewer than two cores: server and load share one"

# ---------------------------------------------------------------- build and install
wants() { case " $servers " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

build() {
    say "building the load generator, the floor and our bench server (release)"
    (cd "$ROOT" && cargo build --release --quiet -p socketio-bench --bins &&
        cargo build --release --quiet -p socketio --example bench_server) 2>&1 | tee -a "$log" >&2
    if wants socketioxide; then
        say "building the socketioxide peer (crates.io, locked)"
        CARGO_TARGET_DIR=$PEER_TARGET cargo build --release --quiet --locked \
            --manifest-path "$PEERS/socketioxide/Cargo.toml" 2>&1 | tee -a "$log" >&2
    fi
    if wants node; then
        command -v npm >/dev/null || { echo "needs node and npm for the node peer" >&2; exit 1; }
        if [ ! -f "$PEERS/node/node_modules/.package-lock.json" ] ||
            [ "$PEERS/node/package-lock.json" -nt "$PEERS/node/node_modules/.package-lock.json" ]; then
            say "installing the node peer (npm ci)"
            (cd "$PEERS/node" && npm ci --no-audit --no-fund --loglevel=error) >>"$log" 2>&1
        fi
    fi
    if wants python; then
        local venv=$PEERS/python/.venv
        if [ ! -x "$venv/bin/python" ] || ! cmp -s "$PEERS/python/requirements.txt" "$venv/.bench-requirements.txt"; then
            say "installing the python peer (venv, pip)"
            python3 -m venv "$venv"
            "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$PEERS/python/requirements.txt" 2>&1 | tee -a "$log" >&2
            cp "$PEERS/python/requirements.txt" "$venv/.bench-requirements.txt"
        fi
    fi
}

server_cmd() {
    case $1 in
        floor) echo "$TARGET/release/floor" ;;
        ours) echo "$TARGET/release/examples/bench_server" ;;
        socketioxide) echo "$PEER_TARGET/release/socketioxide-peer" ;;
        node) echo "node $PEERS/node/server.js" ;;
        python) echo "$PEERS/python/.venv/bin/python $PEERS/python/server.py" ;;
        *) echo "unknown server $1" >&2; exit 2 ;;
    esac
}

lock_version() { # crate name in a Cargo.lock
    awk -v n="$2" '$0 == "name = \"" n "\"" { getline; gsub(/version = |"/, ""); print; exit }' "$1"
}

versions_json() {
    local ours floor sx node py
    ours="git $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- . ':!bench/results' || echo '+dirty')"
    floor="tokio-tungstenite $(lock_version "$ROOT/Cargo.lock" tokio-tungstenite)"
    sx="socketioxide $(lock_version "$PEERS/socketioxide/Cargo.lock" socketioxide), engineioxide $(lock_version "$PEERS/socketioxide/Cargo.lock" engineioxide), axum $(lock_version "$PEERS/socketioxide/Cargo.lock" axum)"
    node="n/a"
    if [ -f "$PEERS/node/node_modules/socket.io/package.json" ]; then
        node="socket.io $(node -p 'require(process.argv[1]).version' "$PEERS/node/node_modules/socket.io/package.json"), engine.io $(node -p 'require(process.argv[1]).version' "$PEERS/node/node_modules/engine.io/package.json"), ws $(node -p 'require(process.argv[1]).version' "$PEERS/node/node_modules/ws/package.json"), node $(node --version)"
    fi
    py="n/a"
    if [ -x "$PEERS/python/.venv/bin/python" ]; then
        py=$("$PEERS/python/.venv/bin/python" -c 'import importlib.metadata as m, sys; print(", ".join(f"{p} {m.version(p)}" for p in ("python-socketio", "python-engineio", "uvicorn", "uvloop", "websockets")) + f", python {sys.version.split()[0]}")')
    fi
    printf '{"ours": "%s", "floor": "%s", "socketioxide": "%s", "node": "%s", "python": "%s", "rustc": "%s"}' \
        "$ours" "$floor" "$sx" "$node" "$py" "$(rustc --version)"
}

# ---------------------------------------------------------------- servers
port=$((4100 + RANDOM % 400))
server_pid=""

# start_server NAME [CORE]: starts it on a fresh port, waits for `ready`.
start_server() {
    local name=$1 core=${2:-$SERVER_CORE} slog
    port=$((port + 1))
    slog=$out/server-$name-$port.log
    # shellcheck disable=SC2046 # the command is words on purpose
    PORT=$port taskset -c "$core" $(server_cmd "$name") >"$slog" 2>&1 &
    server_pid=$!
    for _ in $(seq 600); do
        if grep -q '^ready' "$slog" 2>/dev/null; then return 0; fi
        if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
        sleep 0.1
    done
    say "$name did not become ready (see $slog)"
    stop_server
    return 1
}

stop_server() {
    [ -n "$server_pid" ] || return 0
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -9 "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
}
trap 'stop_server' EXIT

loadgen() { timeout 300 taskset -c "$LOAD_CORE" "$TARGET/release/loadgen" "$@"; }

# ---------------------------------------------------------------- the suite
run_suite() {
    local results=$out/results.jsonl
    : >"$results"
    local load_start versions
    load_start=$(load1)
    versions=$(versions_json) # what was built, before anyone edits the tree
    for mode in $modes; do
        for name in $servers; do
            if [ "$mode" = polling ] && [ "$name" = floor ]; then continue; fi
            local r
            for r in $(seq "$reps"); do
                start_server "$name" || continue
                local url=ws://127.0.0.1:$port/socket.io/
                local common=(--url "$url" --pid "$server_pid" --label "$name")
                local line=""
                case $mode in
                    echo | ack)
                        line=$(loadgen "$mode" "${common[@]}" --sio --connections "$echo_c" --messages "$echo_n" --window "$window" 2>>"$log") || true ;;
                    echo-eager)
                        line=$(loadgen echo "${common[@]}" --client eager --sio --connections "$echo_c" --messages "$echo_n" --window "$window" 2>>"$log") || true ;;
                    broadcast)
                        line=$(loadgen broadcast "${common[@]}" --sio --connections "$bc_c" --messages "$bc_n" --window "$window" 2>>"$log") || true ;;
                    idle)
                        line=$(loadgen idle "${common[@]}" --sio --connections "$idle_c" --settle-ms 3000 2>>"$log") || true ;;
                    polling)
                        line=$(loadgen polling "${common[@]}" --connections "$poll_c" --messages "$poll_n" --window "$window" 2>>"$log") || true ;;
                esac
                stop_server
                if [ -n "$line" ]; then
                    echo "$line" >>"$results"
                    say "$name $mode: $line"
                else
                    say "$name $mode: no result (see $log)"
                fi
            done
        done
    done
    local load_end
    load_end=$(load1)
    local loads
    loads=$(grep -o '"load1_at_end":[0-9.]*' "$results" | cut -d: -f2 | sort -n | sed -n '1p;$p' | paste -sd' ' -)
    cat >"$out/meta.json" <<EOF
{"date": "$(date -u +%Y-%m-%d)", "mode": "$profile", "kernel": "$(uname -r)",
 "cpu": "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')", "cores": $(nproc --all),
 "server_core": $SERVER_CORE, "load_core": $LOAD_CORE, "window": $window,
 "sizes": {"echo": "$echo_c x $echo_n", "broadcast": "$bc_c receivers x $bc_n", "idle": $idle_c, "polling": "$poll_c x $poll_n", "repetitions": $reps},
 "load_during_run": "start $load_start, end $load_end, min/max at the end of runs: ${loads:-n/a}",
 "versions": $versions}
EOF
    "$TARGET/release/report" --results "$results" --meta "$out/meta.json" \
        --json "$out/results.json" --markdown "$out/table.md" --svg "$out/plot.svg"
    say "wrote $out/results.json, $out/table.md, $out/plot.svg"
}

# ---------------------------------------------------------------- the scale test
# 100,000 WebSocket connections (Socket.IO, heartbeats every 25 s): a process may hold
# 20,000 open files, so SCALE_PROCS servers each get one load generator with its own
# 127.0.x.y source addresses. Held for SCALE_HOLD seconds (two ping intervals).
run_scale() {
    local total=${SCALE_CONNECTIONS:-100000} procs=${SCALE_PROCS:-6} hold=${SCALE_HOLD:-55}
    local name=${SCALE_SERVER:-ours}
    local per=$(((total + procs - 1) / procs))
    local results=$out/scale.jsonl
    : >"$results"
    local pids=() ports=() gens=()
    say "scale: $total connections to $procs '$name' processes, held ${hold}s"
    for i in $(seq 0 $((procs - 1))); do
        start_server "$name" || exit 1
        pids+=("$server_pid")
        ports+=("$port")
        server_pid=""
    done
    # shellcheck disable=SC2329 # called by the trap
    stop_all() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
    trap 'stop_all' EXIT
    local start=$SECONDS left=$total load_start versions
    load_start=$(load1)
    versions=$(versions_json)
    for i in $(seq 0 $((procs - 1))); do
        local n=$((left < per ? left : per))
        left=$((left - n))
        loadgen idle --url "ws://127.0.0.1:${ports[$i]}/socket.io/" --sio --pid "${pids[$i]}" \
            --label "$name-$i" --connections "$n" --settle-ms 3000 --hold-secs "$hold" \
            --source "127.0.$((10 + i)).1" --sources 4 >>"$results" 2>>"$log" &
        gens+=($!)
    done
    local failed=0
    for g in "${gens[@]}"; do wait "$g" || failed=1; done
    say "scale: done in $((SECONDS - start))s, every load generator complete: $([ $failed = 0 ] && echo yes || echo no)"
    cat "$results" >>"$log"
    cat >"$out/meta.json" <<EOF
{"date": "$(date -u +%Y-%m-%d)", "mode": "scale", "server": "$name", "processes": $procs,
 "requested": $total, "hold_seconds": $hold, "ulimit_n": $(ulimit -n),
 "load_during_run": "start $load_start, end $(load1)", "versions": $versions}
EOF
    "$TARGET/release/report" --scale "$results" --meta "$out/meta.json" --json "$out/scale.json" \
        --markdown "$out/scale.md"
    stop_all
    trap 'stop_server' EXIT
}

build
if [ "$profile" = scale ]; then
    run_scale
else
    run_suite
fi
