#!/usr/bin/env bash
# Container smoke test without a Docker engine (DESIGN §9): a bookworm base from debootstrap,
# imported into podman; the image built from deploy/docker/Dockerfile with
# `podman build --isolation=chroot --format docker`; the image's own ENTRYPOINT+CMD started with
# `buildah run --isolation chroot` (podman run cannot set rlimits in this sandbox), which shares the
# host's network. The image: non-root USER, HEALTHCHECK, EXPOSE of SIP udp+tcp, RELOAD and
# metrics, the data VOLUME, the runtime libraries and no build tools or -dev packages. From the
# host: SIP OPTIONS gets 200, /health 200 (with SIP over TLS on, so the default CA bundle of
# ca-certificates must be there), the process is not uid 0, the image's HEALTHCHECK script
# passes, SIGTERM ends it with 0, its log went to stderr with no warning but the development
# CA's.
#
# Usage: smoke_test.sh [path/to/p2psip]
# By default the image is built from source by the documented command (deploy/README.md,
# "The image"): `podman build --format docker -f deploy/docker/Dockerfile -t ... .` on the
# repository, plus what this sandbox needs: --isolation=chroot and the debootstrapped base as
# BUILD_IMAGE and RUNTIME_IMAGE (no registry here). The source stage's ccache lives in a build
# cache mount, so after the first run only changed files are recompiled.
# SMOKE_BINARY=prebuilt builds `--target prebuilt` with the host-built binary instead (the
# argument, else $P2P_BIN, else build/gateway/p2psip): quicker, for local runs.
#
# Exit 77 (ctest: skipped) with a SKIP line when a prerequisite is truly missing: not root,
# podman/buildah/debootstrap neither installed nor installable, podman unusable here, or no
# cached base and the Debian mirror unreachable. Everything else that goes wrong is a failure.
#
# Cache: $P2PSIP_CI_CACHE (default /var/cache/p2psip-ci) keeps the debootstrapped base as a
# tarball named by a key over everything that shapes it (suite, variant, mirror, this script's
# debootstrap line), and podman keeps the imported base under the same key as its tag, so only
# the first run on a machine debootstraps; podman's layer cache keeps the runtime stage's apt
# layer. Debian packages the host already downloaded are reused (debootstrap --cache-dir).
set -euo pipefail
src="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${1:-${P2P_BIN:-$src/build/gateway/p2psip}}"
cache="${P2PSIP_CI_CACHE:-/var/cache/p2psip-ci}"
mirror="${P2PSIP_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
suite=bookworm
bootstrap_args=(--variant=minbase "$suite")
key="$(printf '%s\n' "${bootstrap_args[@]}" "$mirror" v1 | sha256sum | cut -c1-16)"
base="localhost/p2psip-bookworm-minbase:$key"
tag=localhost/p2psip-smoke:latest
t0=$(date +%s)
log() { echo "smoke [$(($(date +%s) - t0))s]: $*"; }
die() { echo "FAIL: $*"; exit 1; }
skip() { echo "SKIP: container smoke test not run: $*"; exit 77; }

# --- prerequisites (apt packages only) ----------------------------------------------------------
[ "$(id -u)" = 0 ] || skip "needs root (debootstrap, podman with chroot isolation)"
missing=()
for tool in podman buildah debootstrap curl python3; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing ${missing[*]}"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      --no-install-recommends "${missing[@]}"; } >&2 ||
    skip "${missing[*]} missing and apt-get could not install them"
fi
mode="${SMOKE_BINARY:-source}"
case "$mode" in source | prebuilt) ;; *) die "SMOKE_BINARY is '$mode' (source or prebuilt)" ;; esac
[ "$mode" = source ] || [ -x "$bin" ] || die "no p2psip binary at $bin (build first)"
podman info >/dev/null 2>&1 || skip "podman cannot run here: $(podman info 2>&1 | tail -1)"
mkdir -p "$cache"
work="$(mktemp -d /tmp/p2psip-smoke.XXXXXX)"
ctr="" ; runner="" ; ctx=""
# The gateway is a descendant of the buildah run process: its PID, found by walking /proc.
gateway_under() {
  python3 - "$1" <<'PY'
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
}
cleanup() {
  # Only what this script started, by PID: the gateway under buildah run (SIGTERM, so that it
  # does not outlive a killed runner), then the buildah run process; and its working container.
  if [ -n "$runner" ] && kill -0 "$runner" 2>/dev/null; then
    local g; g="$(gateway_under "$runner" || true)"
    if [ -n "$g" ]; then
      kill -TERM "$g" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$g" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$g" 2>/dev/null || true
    fi
    kill -KILL "$runner" 2>/dev/null || true
  fi
  [ -z "$ctr" ] || buildah rm "$ctr" >/dev/null 2>&1 || true
  [ -z "$ctx" ] || rm -rf "$ctx"
  rm -rf "$work"
}
trap cleanup EXIT

# --- base image ---------------------------------------------------------------------------------
exec 9>"$cache/.lock"
flock 9  # one debootstrap/import at a time on this machine; released after the import
if ! podman image exists "$base"; then
  tarball="$cache/bookworm-minbase-$key.tar"
  if [ ! -s "$tarball" ]; then
    curl -sfI --max-time 20 "$mirror/dists/$suite/Release" >/dev/null ||
      skip "no cached base ($tarball) and the Debian mirror $mirror is unreachable"
    log "debootstrap ${bootstrap_args[*]} (cached as $tarball)"
    rootfs="$cache/rootfs-$key.tmp"
    rm -rf "$rootfs"
    debs=()
    if [ -d /var/cache/apt/archives ]; then debs=(--cache-dir=/var/cache/apt/archives); fi
    debootstrap "${debs[@]}" "${bootstrap_args[@]}" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
      { tail -20 "$work/debootstrap.log"; rm -rf "$rootfs"; die "debootstrap"; }
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar -C "$rootfs" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    rm -rf "$rootfs"
    # Older bases of this test (other keys) are no longer needed.
    find "$cache" -maxdepth 1 -name 'bookworm-minbase-*.tar' ! -name "bookworm-minbase-$key.tar" -delete
  fi
  log "podman import $base"
  podman import --quiet "$tarball" "$base" >/dev/null
fi
flock -u 9
log "base $base"

# --- image --------------------------------------------------------------------------------------
if [ "$mode" = source ]; then
  ctx="" ; context="$src" ; target=()
else
  # A minimal context: the binary and the files the runtime stage copies.
  ctx="$work/context"
  install -D -m 0755 "$bin" "$ctx/build/gateway/p2psip"
  install -D -m 0755 "$src/deploy/docker/healthcheck.sh" "$ctx/deploy/docker/healthcheck.sh"
  context="$ctx" ; target=(--target prebuilt)
fi
log "podman build ($mode)"
old_id="$(podman image inspect --format '{{.Id}}' "$tag" 2>/dev/null || true)"
build_t0=$(date +%s)
podman build --isolation=chroot --format docker -f "$src/deploy/docker/Dockerfile" "${target[@]}" \
  --build-arg BUILD_IMAGE="$base" --build-arg RUNTIME_IMAGE="$base" \
  -t "$tag" "$context" >"$work/build.log" 2>&1 || { tail -30 "$work/build.log"; die "podman build"; }
grep -iE '^(cache)?[[:space:]]*(hits|misses)|cache hit|cache miss' "$work/build.log" | sed 's/^/smoke: ccache: /' || true
log "podman build took $(($(date +%s) - build_t0)) s"
new_id="$(podman image inspect --format '{{.Id}}' "$tag")"
# The previous build of this tag is now untagged: remove it (only that image, by its ID).
if [ -n "$old_id" ] && [ "$old_id" != "$new_id" ]; then podman rmi "$old_id" >/dev/null 2>&1 || true; fi
log "built $tag"

config="$(podman image inspect --format '{{json .Config}}' "$tag")"
field() { python3 -c "import json,sys; c=json.loads(sys.argv[1]); print($2)" "$config"; }
user="$(field "$config" "c.get('User') or ''")"
[ -n "$user" ] && [ "${user%%:*}" != 0 ] && [ "${user%%:*}" != root ] || die "image USER is '$user'"
log "image USER $user"
[ -n "$(podman image inspect --format '{{.HealthCheck}}' "$tag" | grep -v '<nil>')" ] || die "no HEALTHCHECK"
ports="$(field "$config" "' '.join(sorted(c.get('ExposedPorts') or {}))")"
[ "$ports" = "5060/tcp 5060/udp 6084/tcp 9464/tcp" ] || die "EXPOSE is '$ports'"
volumes="$(field "$config" "' '.join(sorted(c.get('Volumes') or {}))")"
[ "$volumes" = "/var/lib/p2psip" ] || die "VOLUME is '$volumes'"
log "ports $ports, volume $volumes"
mapfile -t argv < <(field "$config" "'\n'.join((c.get('Entrypoint') or []) + (c.get('Cmd') or []))")
log "entrypoint+cmd: ${argv[*]}"

# --- run ----------------------------------------------------------------------------------------
ctr="$(buildah from "$tag")"
# Runtime stage: shared libraries only, no build tools or headers.
pkgs="$(buildah run --isolation chroot "$ctr" -- dpkg-query -W -f '${Package}\n')" ||
  die "dpkg-query in the image"
grep -qx libsofia-sip-ua0 <<<"$pkgs" || die "the image lacks libsofia-sip-ua0 (package list: $pkgs)"
dev="$(grep -E -- '-dev$|^(build-essential|cmake|g\+\+|gcc|ninja-build)$' <<<"$pkgs" || true)"
[ -z "$dev" ] || die "build packages in the runtime image: $dev"
log "ok: no build tools or -dev packages in the image"
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
sip=$(port); metrics=$(port); overlay=$(port); tls=$(port)
# SIP over TLS on: the gateway then reads sip_tls_ca, by default the image's
# /etc/ssl/certs/ca-certificates.crt (ca-certificates), with sip_tls_verify on (the default).
buildah run --isolation chroot -e P2PSIP_SIP_LISTEN="127.0.0.1:$sip" \
  -e P2PSIP_SIP_TLS_LISTEN="127.0.0.1:$tls" \
  -e P2PSIP_METRICS_LISTEN="127.0.0.1:$metrics" -e P2PSIP_OVERLAY_LISTEN="127.0.0.1:$overlay" \
  "$ctr" -- "${argv[@]}" >"$work/gateway.log" 2>&1 &
runner=$!
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$metrics/health" >/dev/null && break
  kill -0 "$runner" 2>/dev/null || { cat "$work/gateway.log"; die "gateway exited"; }
  sleep 0.3
done
curl -sf "http://127.0.0.1:$metrics/health" >/dev/null || { cat "$work/gateway.log"; die "/health is not 200"; }
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

gw=""
for _ in $(seq 20); do
  gw="$(gateway_under "$runner")"
  [ -n "$gw" ] && break; sleep 0.2
done
[ -n "$gw" ] || die "gateway process not found under buildah run ($runner)"
uid="$(awk '/^Uid:/ {print $2}' "/proc/$gw/status")"
[ "$uid" != 0 ] || die "gateway runs as uid 0"
log "ok: gateway pid $gw runs as uid $uid"
# The binary's heap allocator (gateway/runtime/allocator.h): jemalloc from the image's libjemalloc2.
grep -q 'libjemalloc\.so' "/proc/$gw/maps" || die "the gateway does not run on jemalloc (libjemalloc2 missing?)"
log "ok: the gateway runs on jemalloc"

buildah run --isolation chroot -e P2PSIP_METRICS_LISTEN="127.0.0.1:$metrics" "$ctr" -- \
  /usr/local/bin/p2psip-healthcheck || die "the image's HEALTHCHECK command failed"
log "ok: HEALTHCHECK command passes"

kill -TERM "$gw"
rc=0; wait "$runner" || rc=$?
runner=""
[ "$rc" = 0 ] || { tail -5 "$work/gateway.log"; die "exit code $rc after SIGTERM"; }
grep -q "SIP listening" "$work/gateway.log" || die "no log on stderr"
grep -q "heap allocator jemalloc.*(background purging)" "$work/gateway.log" ||
  die "the start-up log does not name jemalloc with its background purging thread"
if grep -E '^[^ ]+ (warning|error) ' "$work/gateway.log" | grep -v -e DEVELOPMENT -e 'first non-loopback'; then
  die "unexpected warnings from the default configuration (above)"
fi
log "ok: SIGTERM -> exit 0, logs on stderr"
log "PASS"
