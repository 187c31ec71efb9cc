"""The benchmark contract on python-socketio under uvicorn.

PORT=3500 .venv/bin/python server.py  -> prints "ready" once it listens on 127.0.0.1:$PORT.
"""

import os
import sys

import socketio
import uvicorn

sio = socketio.AsyncServer(async_mode="asgi", ping_interval=25, ping_timeout=20)
app = socketio.ASGIApp(sio)


@sio.on("message")
async def message(sid, *args):
    await sio.emit("message-back", args[0] if len(args) == 1 else args, to=sid)


@sio.on("message-with-ack")
async def message_with_ack(sid, *args):
    # The handler's return value is the ack; a tuple is sent as several arguments.
    return args


@sio.on("broadcast")
async def broadcast(sid, *args):
    await sio.emit("broadcast-back", args[0] if len(args) == 1 else args)


class Server(uvicorn.Server):
    async def startup(self, sockets=None):
        await super().startup(sockets)
        print("ready", flush=True)


def main():
    port = int(os.environ.get("PORT", "3500"))
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    Server(config).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
