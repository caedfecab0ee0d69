#!/usr/bin/env bash
# Container smoke test without a Docker engine (DESIGN §9): a bookworm base from debootstrap,
# imported into podman; the image built from deploy/docker/Dockerfile with
# `podman build --isolation=chroot --format docker`; the image's own ENTRYPOINT+CMD started with
# `buildah run --isolation chroot` (podman run cannot set rlimits in this sandbox), which shares the
# host's network. From the host: SIP OPTIONS gets 200, /health 200, the process is not uid 0, the
# image's HEALTHCHECK script passes, SIGTERM ends it with 0.
#
# Usage: smoke_test.sh [path/to/p2psip]   (default $P2P_BIN, else build/gateway/p2psip). Needs root.
# The image gets the host-built binary (BINARY=prebuilt): compiling inside the build takes much
# longer than this test may run. SMOKE_BUILD_FROM_SOURCE=1 builds the source stage instead.
# Cache: $P2PSIP_SMOKE_CACHE (default /var/tmp/p2psip-smoke) keeps the debootstrap tree.
set -euo pipefail
src="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${1:-${P2P_BIN:-$src/build/gateway/p2psip}}"
cache="${P2PSIP_SMOKE_CACHE:-/var/tmp/p2psip-smoke}"
base=localhost/p2psip-bookworm-minbase:latest
tag=localhost/p2psip-smoke:latest
t0=$(date +%s)
log() { echo "smoke [$(($(date +%s) - t0))s]: $*"; }
die() { echo "FAIL: $*"; exit 1; }

# --- tools (apt packages only) ------------------------------------------------------------------
missing=()
for tool in podman buildah debootstrap curl python3; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
[ -x "$bin" ] || die "no p2psip binary at $bin (build first)"

# --- base image ---------------------------------------------------------------------------------
if ! podman image exists "$base"; then
  if [ ! -f "$cache/rootfs/etc/debian_version" ]; then
    log "debootstrap --variant=minbase bookworm into $cache/rootfs"
    rm -rf "$cache/rootfs.tmp" && mkdir -p "$cache"
    debootstrap --variant=minbase bookworm "$cache/rootfs.tmp" http://deb.debian.org/debian >"$cache/debootstrap.log"
    mv "$cache/rootfs.tmp" "$cache/rootfs"
  fi
  log "podman import $base"
  tar -C "$cache/rootfs" -c . | podman import - "$base" >/dev/null
fi

# --- image --------------------------------------------------------------------------------------
ctr="" ; runner="" ; ctx=""
cleanup() {
  # Only what this script started: the buildah run process (by PID) and its working container.
  if [ -n "$runner" ] && kill -0 "$runner" 2>/dev/null; then kill -KILL "$runner" 2>/dev/null || true; fi
  [ -z "$ctr" ] || buildah rm "$ctr" >/dev/null 2>&1 || true
  [ -z "$ctx" ] || rm -rf "$ctx"
}
trap cleanup EXIT
if [ "${SMOKE_BUILD_FROM_SOURCE:-0}" = 1 ]; then
  ctx="" ; context="$src" ; binary=source
else
  # A minimal context: the binary and the files the runtime stage copies.
  ctx="$(mktemp -d /tmp/p2psip-smoke-ctx.XXXXXX)"
  install -D -m 0755 "$bin" "$ctx/build/gateway/p2psip"
  install -D -m 0755 "$src/deploy/docker/healthcheck.sh" "$ctx/deploy/docker/healthcheck.sh"
  context="$ctx" ; binary=prebuilt
fi
log "podman build (BINARY=$binary)"
podman build --isolation=chroot --format docker -f "$src/deploy/docker/Dockerfile" \
  --build-arg BINARY="$binary" --build-arg BUILD_IMAGE="$base" --build-arg RUNTIME_IMAGE="$base" \
  -t "$tag" "$context" >"$cache/build.log" 2>&1 || { tail -30 "$cache/build.log"; die "podman build"; }
log "built $tag"

config="$(podman image inspect --format '{{json .Config}}' "$tag")"
field() { python3 -c "import json,sys; c=json.loads(sys.argv[1]); print($2)" "$config"; }
user="$(field "$config" "c.get('User') or ''")"
[ -n "$user" ] && [ "${user%%:*}" != 0 ] && [ "${user%%:*}" != root ] || die "image USER is '$user'"
log "image USER $user"
[ -n "$(podman image inspect --format '{{.HealthCheck}}' "$tag" | grep -v '<nil>')" ] || die "no HEALTHCHECK"
mapfile -t argv < <(field "$config" "'\n'.join((c.get('Entrypoint') or []) + (c.get('Cmd') or []))")
log "entrypoint+cmd: ${argv[*]}"

# --- run ----------------------------------------------------------------------------------------
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
sip=$(port); metrics=$(port); overlay=$(port)
ctr="$(buildah from "$tag")"
buildah run --isolation chroot -e P2PSIP_SIP_LISTEN="127.0.0.1:$sip" \
  -e P2PSIP_METRICS_LISTEN="127.0.0.1:$metrics" -e P2PSIP_OVERLAY_LISTEN="127.0.0.1:$overlay" \
  "$ctr" -- "${argv[@]}" >"$cache/gateway.log" 2>&1 &
runner=$!
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$metrics/health" >/dev/null && break
  kill -0 "$runner" 2>/dev/null || { cat "$cache/gateway.log"; die "gateway exited"; }
  sleep 0.3
done
curl -sf "http://127.0.0.1:$metrics/health" >/dev/null || { cat "$cache/gateway.log"; die "/health is not 200"; }
log "ok: /health 200 from the host"

python3 - "$sip" <<'PY' || die "SIP OPTIONS"
import socket, sys, time
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); s.settimeout(5)
lp = s.getsockname()[1]
s.sendto((f"OPTIONS sip:127.0.0.1:{port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{lp};branch=z9hG4bK-smoke{time.time_ns()}\r\n"
          f"From: <sip:smoke@127.0.0.1>;tag=1\r\nTo: <sip:127.0.0.1:{port}>\r\nCall-ID: smoke-{time.time_ns()}\r\n"
          f"CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n").encode(), ("127.0.0.1", port))
status = s.recv(65535).decode(errors="replace").split("\r\n", 1)[0]
print("smoke: OPTIONS ->", status)
sys.exit(0 if status.startswith("SIP/2.0 200") else 1)
PY
log "ok: SIP OPTIONS 200 over UDP from the host"

# The gateway is a descendant of the buildah run process; find it by walking /proc from $runner.
gw=""
for _ in $(seq 20); do
  gw="$(python3 - "$runner" <<'PY'
import os, sys
kids = {}
for p in filter(str.isdigit, os.listdir("/proc")):
    try:
        ppid = int(open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()[1])
        kids.setdefault(ppid, []).append(int(p))
    except OSError:
        pass
todo = [int(sys.argv[1])]
while todo:
    p = todo.pop()
    try:
        if open(f"/proc/{p}/comm").read().strip() == "p2psip":
            print(p); break
    except OSError:
        pass
    todo += kids.get(p, [])
PY
)"
  [ -n "$gw" ] && break; sleep 0.2
done
[ -n "$gw" ] || die "gateway process not found under buildah run ($runner)"
uid="$(awk '/^Uid:/ {print $2}' "/proc/$gw/status")"
[ "$uid" != 0 ] || die "gateway runs as uid 0"
log "ok: gateway pid $gw runs as uid $uid"

buildah run --isolation chroot -e P2PSIP_METRICS_LISTEN="127.0.0.1:$metrics" "$ctr" -- \
  /usr/local/bin/p2psip-healthcheck || die "the image's HEALTHCHECK command failed"
log "ok: HEALTHCHECK command passes"

kill -TERM "$gw"
rc=0; wait "$runner" || rc=$?
runner=""
[ "$rc" = 0 ] || { tail -5 "$cache/gateway.log"; die "exit code $rc after SIGTERM"; }
grep -q "SIP listening" "$cache/gateway.log" || die "no log on stderr"
log "ok: SIGTERM -> exit 0, logs on stderr"
log "PASS"
