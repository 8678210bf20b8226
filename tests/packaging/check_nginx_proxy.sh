#!/usr/bin/env bash
# packaging/nginx/alfe.conf in front of a real `alfe serve`: Debian's nginx on loopback with a throwaway
# certificate, a webhook created with the CLI, then curl over HTTPS as a sender would. Checks that a signed
# delivery is accepted (202) and stored byte for byte, that an unsigned one gets alfe's 401 through the proxy, that a
# body over the limit gets nginx's 413 and never reaches alfe, that the admin API is closed to other addresses, that
# the live stream's WebSocket upgrade reaches alfe, and that plain HTTP redirects with 308.
# Usage: check_nginx_proxy.sh ALFE EXAMPLE_CONF
set -euo pipefail

ALFE="$1"
EXAMPLE="$2"
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
[ -x "$NGINX" ] || { echo "FAIL: nginx is not installed (Debian package nginx; ./dev installs it)"; exit 1; }

TMP="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*"
    for log in "$TMP"/serve.log "$TMP"/nginx/error.log; do
        [ -f "$log" ] && { echo "--- $log"; tail -20 "$log"; }
    done
    exit 1
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# The certificate nginx serves, for the name curl asks for.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=hooks.test -addext subjectAltName=DNS:hooks.test \
    -keyout "$TMP/privkey.pem" -out "$TMP/fullchain.pem" 2>/dev/null

# alfe serve on a free loopback port, as the example expects.
opts=(--data-dir "$TMP/data" --key-file "$TMP/master.key")
"$ALFE" serve "${opts[@]}" --port 0 --public-url https://hooks.test >"$TMP/serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q "listening on" "$TMP/serve.log" && break; sleep 0.1; done
alfe_port="$(sed -n 's/.*listening on http:\/\/[^:]*:\([0-9]*\).*/\1/p' "$TMP/serve.log" | head -1)"
[ -n "$alfe_port" ] || fail "alfe serve did not start"

# The example, with only the addresses, the name and the certificate changed; each change must apply.
https_port="$(free_port)"
http_port="$(free_port)"
conf="$TMP/alfe.conf"
cp "$EXAMPLE" "$conf"
substitute() {
    grep -qF -- "$1" "$conf" || fail "the example no longer has \"$1\"; update this test with it"
    sed -i "s#$1#$2#g" "$conf"
}
substitute "127.0.0.1:8787" "127.0.0.1:$alfe_port"
substitute "listen 443 ssl http2;" "listen 127.0.0.1:$https_port ssl http2;"
substitute "listen [::]:443 ssl http2;" ""
substitute "listen 80;" "listen 127.0.0.1:$http_port;"
substitute "listen [::]:80;" ""
substitute "hooks.example.com" "hooks.test"
substitute "/etc/letsencrypt/live/hooks.test/fullchain.pem" "$TMP/fullchain.pem"
substitute "/etc/letsencrypt/live/hooks.test/privkey.pem" "$TMP/privkey.pem"

mkdir -p "$TMP/nginx"
user_line=""
[ "$(id -u)" -eq 0 ] && user_line="user root;" # workers must reach the temporary directories below
cat >"$TMP/nginx/nginx.conf" <<EOF
$user_line
worker_processes 1;
error_log $TMP/nginx/error.log warn;
pid $TMP/nginx/nginx.pid;
events { worker_connections 64; }
http {
    access_log $TMP/nginx/access.log;
    client_body_temp_path $TMP/nginx/body;
    proxy_temp_path $TMP/nginx/proxy;
    fastcgi_temp_path $TMP/nginx/fastcgi;
    uwsgi_temp_path $TMP/nginx/uwsgi;
    scgi_temp_path $TMP/nginx/scgi;
    include $conf;
}
EOF
"$NGINX" -t -q -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" 2>"$TMP/nginx/test.log" ||
    { cat "$TMP/nginx/test.log"; fail "nginx -t refuses the example"; }
"$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -g "daemon off;" 2>>"$TMP/nginx/error.log" &
pids+=($!)
for _ in $(seq 100); do
    curl -s -o /dev/null --cacert "$TMP/fullchain.pem" --resolve "hooks.test:$https_port:127.0.0.1" \
        "https://hooks.test:$https_port/" && break
    sleep 0.1
done

base="https://hooks.test:$https_port"
https() { curl -s --cacert "$TMP/fullchain.pem" --resolve "hooks.test:$https_port:127.0.0.1" "$@"; }

agent="$("$ALFE" agent add "proxied bot" "${opts[@]}" --json | json_field id)"
created="$("$ALFE" webhook create --agent "$agent" "${opts[@]}" --json)"
webhook="$(printf %s "$created" | json_field id)"
secret="$(printf %s "$created" | json_field secret)"
url="$(printf %s "$created" | json_field url)"
[ "$url" = "https://hooks.test/v1/hooks/$webhook" ] || fail "the printed URL is $url, not the proxy's"

# A signed delivery: 202 through nginx, stored with the exact bytes sent.
body='{"event":"through-nginx","n":1}'
signature="sha256=$(printf %s "$body" | openssl dgst -sha256 -hmac "$secret" -r | cut -d' ' -f1)"
status="$(https -o "$TMP/answer" -w '%{http_code}' -H 'Content-Type: application/json' \
    -H "X-Alfe-Signature-256: $signature" --data-binary "$body" "$base/v1/hooks/$webhook")"
[ "$status" = 202 ] || fail "a signed delivery through nginx got $status: $(cat "$TMP/answer")"
delivery="$(json_field deliveryId <"$TMP/answer")"
stored="$("$ALFE" deliveries show "$delivery" "${opts[@]}" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["body"])')"
[ "$stored" = "$body" ] || fail "stored body \"$stored\" differs from the one sent"

# Unsigned: alfe's own 401 comes back through the proxy.
status="$(https -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "$body" \
    "$base/v1/hooks/$webhook")"
[ "$status" = 401 ] || fail "an unsigned delivery through nginx got $status, not 401"

# 2 MiB, over nginx's default 1 MiB but within alfe's limit: accepted (the example raises nginx's limit to alfe's).
head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' 'b' | sed 's/^/{"pad":"/; s/$/"}/' | tr -d '\n' >"$TMP/medium"
medium_signature="sha256=$(openssl dgst -sha256 -hmac "$secret" -r <"$TMP/medium" | cut -d' ' -f1)"
status="$(https -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
    -H "X-Alfe-Signature-256: $medium_signature" --data-binary @"$TMP/medium" "$base/v1/hooks/$webhook")"
[ "$status" = 202 ] || fail "a signed 2 MiB delivery through nginx got $status, not 202"

# Over the 10 MiB limit: nginx answers 413 itself.
head -c $((10 * 1024 * 1024 + 1)) /dev/zero | tr '\0' 'a' >"$TMP/big"
before="$("$ALFE" deliveries list "${opts[@]}" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"
status="$(https -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -H "X-Alfe-Signature-256: $signature" \
    --data-binary @"$TMP/big" "$base/v1/hooks/$webhook")"
[ "$status" = 413 ] || fail "a body over the limit got $status, not nginx's 413"
after="$("$ALFE" deliveries list "${opts[@]}" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"
[ "$before" = "$after" ] || fail "the refused large body changed the stored deliveries ($before -> $after)"

# The admin API from loopback reaches alfe (401 without a token); nothing outside /v1/ is served.
status="$(https -o /dev/null -w '%{http_code}' "$base/v1/admin/stats")"
[ "$status" = 401 ] || fail "the admin API from loopback got $status, not alfe's 401"
status="$(https -o /dev/null -w '%{http_code}' "$base/index.html")"
[ "$status" = 404 ] || fail "a path outside /v1/ got $status, not 404"

# The agent stream's upgrade is passed on: alfe answers it (401: no agent token), not nginx with 400.
status="$(https --http1.1 -o /dev/null -w '%{http_code}' -H 'Connection: Upgrade' -H 'Upgrade: websocket' \
    -H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' "$base/v1/agents/me/stream")"
[ "$status" = 401 ] || fail "the stream's upgrade through nginx got $status, not alfe's 401"

# Plain HTTP: 308 to the same path over HTTPS.
location="$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -X POST --data-binary "$body" \
    "http://127.0.0.1:$http_port/v1/hooks/$webhook" -H 'Host: hooks.test')"
[ "$location" = "308 https://hooks.test/v1/hooks/$webhook" ] || fail "plain HTTP answered \"$location\""

grep -q "\"POST /v1/hooks/$webhook HTTP/2.0\" 202" "$TMP/nginx/access.log" || fail "nginx's log has no 202 over HTTP/2"
echo "PASS: signed 202 stored byte for byte, 2 MiB 202, unsigned 401, 10 MiB + 1 -> 413 (nothing stored), admin from loopback," \
    "upgrade passed on, 404 outside /v1/, 308 from plain HTTP"
