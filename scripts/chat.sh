#!/usr/bin/env bash
# Runs the chat demo: installs the official browser client from npm (once), then serves
# http://127.0.0.1:${PORT:-8000} with Socket.IO at /socket.io, namespace /chat.
#   CHAT_TOKEN=secret scripts/chat.sh   # /chat then requires auth {token: "secret"}
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f examples/chat/node_modules/socket.io-client/dist/socket.io.min.js ]; then
  (cd examples/chat && npm ci --no-audit --no-fund --loglevel=error)
fi
exec cargo run --release --example chat
