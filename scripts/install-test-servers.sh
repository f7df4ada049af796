#!/usr/bin/env bash
# Install the real servers the integration tests start: Prometheus (with promtool),
# Alertmanager and Pushgateway (and nginx and wrk for the HTTP load benchmark), from Debian's
# packages, only where missing.
# The packages' own services are not used: tests start private instances on loopback.
set -euo pipefail

need=()
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v prometheus-alertmanager >/dev/null 2>&1 || need+=(prometheus-alertmanager)
command -v prometheus-pushgateway >/dev/null 2>&1 || need+=(prometheus-pushgateway)
# nginx and wrk: the HTTP target's load benchmark (benchmarks/http_load.py) and its peer.
command -v nginx >/dev/null 2>&1 || need+=(nginx)
command -v wrk >/dev/null 2>&1 || need+=(wrk)

if [ ${#need[@]} -eq 0 ]; then
    echo "install-test-servers: prometheus, promtool, alertmanager, pushgateway, nginx, wrk present"
    exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
    sudo_cmd=(sudo)
fi

# Keep the packages' own daemons from starting: tests run their own instances.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee "$policy" >/dev/null
    "${sudo_cmd[@]}" chmod +x "$policy"
    created_policy=1
fi
cleanup() { if [ "$created_policy" -eq 1 ]; then "${sudo_cmd[@]}" rm -f "$policy"; fi; }
trap cleanup EXIT

mapfile -t unique < <(printf '%s\n' "${need[@]}" | sort -u)
echo "install-test-servers: installing ${unique[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${unique[@]}" >/dev/null
for bin in prometheus promtool prometheus-alertmanager prometheus-pushgateway nginx wrk; do
    command -v "$bin" >/dev/null 2>&1 || { echo "install-test-servers: $bin still missing" >&2; exit 1; }
done
echo "install-test-servers: done"
