#!/bin/bash
# test_isoctl_hostile.sh - isoctl against a hostile isod: a server on the Unix socket answers every request badly
#   (not JSON, wrong types, a body of 20 MiB, a cut-off reply, pages that never end, control bytes); isoctl must
#   say what was wrong and exit 1, never crash or hang.
# timeout: 120
. "$(dirname "$0")/lib.sh"
ISOCTL=$B/bin/isoctl
[ -x "$ISOCTL" ] || fail "$ISOCTL is missing (make isoctl)"
command -v python3 >/dev/null || skip "python3 is missing (the hostile server is a python script)"
export ISOCTL_KEYS=$WORK/keys ISOD_SOCKET=$WORK/bad.sock
"$ISOCTL" keygen alice >/dev/null && "$ISOCTL" keygen operator >/dev/null || fail "keygen"

# The server: MODE (a file) picks the answer to every request; with ops-MODE, GET /v1/tenants still names alice.
cat >"$WORK/server.py" <<'PY'
import os, socket, sys
sock, modef = sys.argv[1], sys.argv[2]
alice = b'{"tenants":[{"id":1,"name":"alice","max_vms":5,"max_mem_kib":1024,"cpu_share":1}]}'
sha = "00" * 64
def answer(mode, path):
    if path == "/v1/tenants" and mode.startswith("ops-"):
        return 200, alice
    mode = mode[4:] if mode.startswith("ops-") else mode
    return {
        "notjson": (200, b"hello"), "array": (200, b"[1,2]"), "html500": (500, b"<html>boom</html>"),
        "huge": (200, b"{\"tenants\":[" + b"1," * (10 << 20) + b"1]}"),
        "tenants-types": (200, b'{"tenants":[{"id":"1","name":"alice","max_vms":5,"max_mem_kib":1,"cpu_share":1}]}'),
        "tenants-many": (200, b'{"tenants":[' + b",".join([b'{"id":1,"name":"a","max_vms":1,"max_mem_kib":1,"cpu_share":1}'] * 300) + b"]}"),
        "loop": (200, b'{"status":"OK","reply":{"next":5,"items":[]}}'),
        "ctrl": (403, b'{"status":"E_AUTH","error":"bad\\u001b[2J\\u0007sig"}'),
        "badstatus": (403, b'{"status":"e auth; rm -rf","error":"x"}'),
        "svcs-bad": (200, ('{"status":"OK","reply":{"next":null,"items":[{"name":"../../x","image_sha512":"%s","desired":1,"live":1}]}}' % sha).encode()),
        "cut": (200, None),
    }[mode]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sock); srv.listen(8)
while True:
    c, _ = srv.accept()
    f = c.makefile("rb")
    try:
        while True:
            line = f.readline()
            if not line: break
            path = line.split()[1].decode()
            n = 0
            while True:
                h = f.readline()
                if h in (b"\r\n", b""): break
                if h.lower().startswith(b"content-length:"): n = int(h.split(b":")[1])
            f.read(n)
            mode = open(modef).read().strip()
            code, body = answer(mode, path)
            if body is None:
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{\"status\":\"OK\"")
                break
            c.sendall(b"HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % (code, len(body)) + body)
    except Exception:
        pass
    f.close()
    c.shutdown(socket.SHUT_RDWR)
    c.close()
PY
echo notjson >"$WORK/mode"
python3 "$WORK/server.py" "$ISOD_SOCKET" "$WORK/mode" &
SRV=$!
trap 'kill $SRV 2>/dev/null' EXIT
for _ in $(seq 1 50); do [ -S "$ISOD_SOCKET" ] && break; sleep 0.1; done

# try MODE PATTERN ARGS...: with the server in MODE, isoctl ARGS exits 1 saying PATTERN (within 20 s).
try() {
	echo "$1" >"$WORK/mode"
	pat=$2
	shift 2
	out=$(timeout 20 "$ISOCTL" "$@" 2>&1)
	rc=$?
	echo "[$(cat "$WORK/mode")] isoctl $*: exit $rc: $(echo "$out" | head -c 300)"
	[ $rc -eq 1 ] || fail "isoctl $* against a hostile isod ($(cat "$WORK/mode")): exit $rc, not 1"
	echo "$out" | grep -q -- "$pat" || fail "isoctl $* ($(cat "$WORK/mode")): no '$pat' in: $out"
	if printf '%s' "$out" | grep -q "$(printf '\033')"; then fail "a control byte from isod reached the terminal"; fi
}
try notjson "not a JSON object" tenant ls
try ops-array "not a JSON object" --tenant alice ps
try html500 "HTTP 500" tenant ls
try huge "too large" tenant ls
try tenants-types '"id" is not a count' tenant ls
try tenants-many "lists 300 tenants" tenant ls
try ops-loop "do not end" --tenant alice ps
try ops-ctrl "refused: E_AUTH: bad" --tenant alice scale web 3
try ops-badstatus "without a status" --tenant alice ps
try ops-svcs-bad "bad service name" --tenant alice ps
try ops-cut "isod at" --tenant alice stop web
try ops-notjson "not a JSON object" tenant set alice --max-vms 1
pass "12 hostile replies: each an exit 1 with a reason, no crash, no hang, no control byte shown"
