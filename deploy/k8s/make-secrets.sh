#!/bin/sh
# Makes the site's Secrets (deploy/k8s/secrets.yaml has their names and example values):
#   deploy/k8s/make-secrets.sh OUT_DIR [NAMESPACE]
#   kubectl apply -n NAMESPACE -f OUT_DIR/secrets.yaml
# OUT_DIR/ca/ (ca.crt, ca.key) is the overlay CA, made with `p2psip ca init` on the first run
# and reused after; OUT_DIR/secrets.yaml holds the CA key (Secret p2psip-ca, mounted by the
# enrollment server only): keep OUT_DIR offline. Each run gives new passwords, a new nonce
# secret and a new HTTPS certificate for the enrollment server, issued by the CA for the names
# the nodes reach it by (p2psip-enroll, in NAMESPACE, default `default`).
# Needs p2psip (or P2PSIP=/path/to/p2psip) and openssl. OVERLAY (default p2p.example.com) must
# be the ConfigMap's overlay.
set -eu
out="${1:?usage: make-secrets.sh OUT_DIR [NAMESPACE]}"
ns="${2:-default}"
p2psip="${P2PSIP:-p2psip}"
overlay="${OVERLAY:-p2p.example.com}"
gateways="gw1 gw2"
peers="p2psip-peer-0 p2psip-peer-1 p2psip-peer-2"
umask 077
mkdir -p "$out"
[ -f "$out/ca/ca.key" ] || "$p2psip" ca init --overlay "$overlay" --dir "$out/ca" >/dev/null

# The enrollment server's HTTPS certificate: the nodes check https://p2psip-enroll:8443 by its
# name against the CA certificate they trust.
svc=p2psip-enroll
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$svc" \
  -keyout "$out/enroll-tls.key" -out "$out/enroll-tls.csr" 2>/dev/null
printf '%s\n' "subjectAltName=DNS:$svc,DNS:$svc.$ns,DNS:$svc.$ns.svc,DNS:$svc.$ns.svc.cluster.local" \
  "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
  "extendedKeyUsage=serverAuth" >"$out/enroll-tls.ext"
openssl x509 -req -in "$out/enroll-tls.csr" -CA "$out/ca/ca.crt" -CAkey "$out/ca/ca.key" \
  -set_serial "0x$(openssl rand -hex 16)" -days 825 -extfile "$out/enroll-tls.ext" \
  -out "$out/enroll-tls.crt" 2>/dev/null
rm -f "$out/enroll-tls.csr" "$out/enroll-tls.ext"

password() { openssl rand -hex 16; }
indent() { sed 's/^/    /' "$1"; }
secret_head() {  # NAME COMPONENT [TYPE]
  printf -- '---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: %s\n' "$1"
  printf '  labels: {app.kubernetes.io/name: p2psip, app.kubernetes.io/component: %s}\n' "$2"
  printf 'type: %s\nstringData:\n' "${3:-Opaque}"
}

: >"$out/users"
for u in $gateways $peers; do printf '%s %s\n' "$u" "$(password)" >>"$out/users"; done
pw() { awk -v u="$1" '$1 == u { print $2 }' "$out/users"; }

{
  echo "# Made by deploy/k8s/make-secrets.sh for namespace $ns: holds the CA key. Keep it offline."
  secret_head p2psip-ca enroll
  printf '  ca.crt: |\n'; indent "$out/ca/ca.crt"
  printf '  ca.key: |\n'; indent "$out/ca/ca.key"
  secret_head p2psip-enroll-tls enroll kubernetes.io/tls
  printf '  tls.crt: |\n'; indent "$out/enroll-tls.crt"
  printf '  tls.key: |\n'; indent "$out/enroll-tls.key"
  secret_head p2psip-enroll-users enroll
  printf '  users: |\n'; indent "$out/users"
  secret_head p2psip-trust node
  printf '  ca.crt: |\n'; indent "$out/ca/ca.crt"
  for g in $gateways; do
    secret_head "p2psip-$g-enroll" gateway
    printf '  password: %s\n' "$(pw "$g")"
  done
  secret_head p2psip-peer-enroll peer
  for p in $peers; do printf '  %s: %s\n' "$p" "$(pw "$p")"; done
  secret_head p2psip-nonce gateway
  printf '  nonce: %s\n' "$(openssl rand -base64 32)"
} >"$out/secrets.yaml"
echo "$out/secrets.yaml (the CA in $out/ca: keep both offline)"
