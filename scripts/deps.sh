#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages xlb needs to build, test, demo and benchmark.
# Idempotent: packages already installed are skipped; nothing is fetched
# when everything is present. Run as root (or through sudo).
set -euo pipefail

PKGS=(
	# build
	make gcc clang llvm pkg-config libbpf-dev libelf-dev zlib1g-dev
	libjson-c-dev libmnl-dev bpftool libclang-rt-dev
	# tests
	libcriterion-dev iproute2 ethtool curl nginx-light tcpdump
	iputils-ping keepalived procps psmisc jq util-linux groff-base
)
# Optional extras for `make bench-e2e` only.
if [ "${XLB_DEPS_BENCH:-0}" = 1 ]; then
	PKGS+=(haproxy nginx-full wrk nftables)
fi

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#PKGS[@]} packages present"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages: ${missing[*]}" >&2
	echo "deps: run as root (or: sudo $0) to install them" >&2
	exit 1
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Keep package-started daemons (nginx, keepalived) from starting: the
# tests start their own copies inside network namespaces.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' > "$policy"
	chmod +x "$policy"
	created_policy=1
fi
trap '[ $created_policy = 1 ] && rm -f "$policy"' EXIT
apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "deps: done"
