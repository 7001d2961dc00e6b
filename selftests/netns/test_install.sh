#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make install into a scratch DESTDIR puts every documented file in place,
# the systemd unit points at the installed binaries, and the man pages
# render without warnings. Touches nothing outside its temp directory.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
dest=$(mktemp -d /tmp/xlb-install.XXXXXX)
trap 'rm -rf "$dest"' EXIT INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }

make -C "$root" --no-print-directory install DESTDIR="$dest" PREFIX=/usr OUTPUT="${XLB_BUILD:-build}" >/dev/null
for f in usr/sbin/xlbd usr/sbin/xlbctl usr/lib/xlb/xlb.bpf.o usr/share/man/man8/xlbd.8 \
	 usr/share/man/man8/xlbctl.8 usr/share/man/man5/xlb.json.5 lib/systemd/system/xlbd.service \
	 etc/xlb/xlb.json etc/xlb/xlb.json.example; do
	[ -s "$dest/$f" ] || fail "make install did not install $f"
done
[ -x "$dest/usr/sbin/xlbd" ] || fail "xlbd not executable"
grep -qx 'ExecStart=/usr/sbin/xlbd --config /etc/xlb/xlb.json' "$dest/lib/systemd/system/xlbd.service" ||
	fail "unit ExecStart does not name the installed xlbd"
grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$dest/lib/systemd/system/xlbd.service" ||
	fail "unit has no SIGHUP reload"
"$dest/usr/sbin/xlbctl" validate "$dest/etc/xlb/xlb.json" >/dev/null || fail "installed example config does not validate"
if command -v groff >/dev/null; then
	for m in "$dest"/usr/share/man/man*/*; do
		w=$(groff -man -Tutf8 -ww "$m" 2>&1 >/dev/null)
		[ -z "$w" ] || fail "$(basename "$m") renders with warnings: $w"
	done
fi
echo "ok: make install ($(find "$dest" -type f | wc -l) files)"
