#!/usr/bin/env python3
# An Alfe agent on the live stream: verifies each delivery's signature, acks it (nacks a bad one).
# python3 stream-agent.py [SERVER [TOKEN [SECRET]]], or ALFE_SERVER, ALFE_TOKEN, ALFE_WEBHOOK_SECRET.
# SECRET: the webhook's whsec_… secret; several, comma-separated, while rotating or for several webhooks.
import asyncio, base64, hashlib, hmac, json, os, re, sys
import websockets  # Debian 12: apt install python3-websockets (10.4); elsewhere: pip install websockets

def setting(n, name, default=None):
    return sys.argv[n] if len(sys.argv) > n else os.environ.get(name, default)

SERVER = setting(1, "ALFE_SERVER", "http://127.0.0.1:8787").rstrip("/")
TOKEN, SECRETS = setting(2, "ALFE_TOKEN"), setting(3, "ALFE_WEBHOOK_SECRET").split(",")

def verified(frame):  # docs/signatures.md: HMAC-SHA256 of the exact body, keyed with the whole secret
    m = re.fullmatch(r"sha256=([0-9a-fA-F]{64})", frame["signature"])
    body = base64.b64decode(frame["body"])
    return m is not None and any(hmac.compare_digest(bytes.fromhex(m[1]), hmac.new(
        s.encode(), body, hashlib.sha256).digest()) for s in SECRETS)

async def stream():
    url = SERVER.replace("http", "ws", 1) + "/v1/agents/me/stream"
    # websockets >= 14 names extra_headers additional_headers; max_size=None: bodies can be large.
    async with websockets.connect(url, extra_headers={"Authorization": "Bearer " + TOKEN}, max_size=None) as ws:
        async for text in ws:
            frame = json.loads(text)
            if frame["type"] == "delivery":
                ok = verified(frame)
                print(frame["deliveryId"], frame["eventType"], "attempt", frame["attempt"],
                      "verified" if ok else "BAD SIGNATURE", flush=True)
                await ws.send(json.dumps({"type": "ack" if ok else "nack", "deliveryId": frame["deliveryId"]}))
            else:
                print(json.dumps(frame), flush=True)  # hello, or an error about one of our frames

async def main():
    while True:  # reconnect: the stream resumes with the oldest unacknowledged delivery
        try:
            await stream()
        except websockets.InvalidStatusCode as e:  # 401: wrong token; 400, 426: see docs/agents.md
            if e.status_code != 503:
                sys.exit(f"refused: HTTP {e.status_code}")
        except websockets.ConnectionClosed as e:  # 4000: replaced by a newer stream; 4001: agent removed
            if e.rcvd and e.rcvd.code in (4000, 4001):
                sys.exit(f"closed by the server: {e.rcvd.code} {e.rcvd.reason}")
        except OSError as e:
            print(e, file=sys.stderr)
        print("stream closed; reconnecting in 5 s", file=sys.stderr, flush=True)
        await asyncio.sleep(5)

try:
    asyncio.run(main())
except KeyboardInterrupt:
    pass  # Ctrl-C: the stream was closed (1000); unacknowledged deliveries come again on the next connect
