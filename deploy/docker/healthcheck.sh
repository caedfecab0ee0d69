#!/bin/bash
# Container HEALTHCHECK: GET /readyz on the metrics port (joined, not draining: what compose's
# service_healthy waits for); healthy only on HTTP 200. Uses bash's
# /dev/tcp so that the runtime image needs no curl. The address comes from P2PSIP_METRICS_LISTEN
# (default 0.0.0.0:9464); a wildcard address is probed on loopback.
addr="${P2PSIP_METRICS_LISTEN:-0.0.0.0:9464}"
host="${addr%:*}"
port="${addr##*:}"
case "$host" in 0.0.0.0 | "") host=127.0.0.1 ;; "[::]") host=::1 ;; \[*\]) host="${host:1:-1}" ;; esac
exec 3<>"/dev/tcp/$host/$port" || exit 1
printf 'GET /readyz HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
read -r -t 3 _ code _ <&3 || exit 1
[ "$code" = 200 ]
