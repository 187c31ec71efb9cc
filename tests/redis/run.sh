#!/usr/bin/env bash
# The Redis tests: the socketio-redis crate's Rust tests (wire format on the captured
# fixtures, emitter bytes, in-process nodes) and the mixed Rust/Node.js cluster tests
# (node --test tests/redis/). Ends with node's test runner summary; exit status 0 when
# everything passed.
#
#   bash tests/redis/run.sh            # everything
#   bash tests/redis/run.sh node       # only the Node.js cluster tests
#   bash tests/redis/run.sh cargo      # only the Rust tests
#
# Redis: REDIS_URL, else 127.0.0.1:6379 when it answers, else a private redis-server on a
# free port (Debian's redis-server is installed when missing); the fault tests always use
# a private one, which they stop and start. Nothing is flushed: each run has its own key.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WHAT="${1:-all}"
status=0

if [[ $WHAT == all || $WHAT == cargo ]]; then
  (cd "$ROOT" && cargo test -p socketio-redis) || status=1
fi

if [[ $WHAT == all || $WHAT == node ]]; then
  want="$(cat "$HERE/package.json" "$HERE/package-lock.json" | sha256sum | cut -c1-16)"
  stamp="$HERE/node_modules/.deps-stamp"
  if [[ ! -f $stamp || "$(cat "$stamp")" != "$want" ]]; then
    (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error </dev/null) || exit 1
    echo "$want" >"$stamp"
  fi
  (cd "$ROOT" && cargo build -q -p socketio-redis --examples && cargo build -q --example conformance --example chat) || exit 1
  (cd "$ROOT" && SKIP_CARGO_BUILD=1 node --test --test-timeout 180000 --test-concurrency 1 tests/redis/) || status=1
fi
exit $status
