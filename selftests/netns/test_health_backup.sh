#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# backup backends, end to end in the namespace lab: be1 (weight 3) and be2
# (weight 1) are primaries, be3 is `backup: true`; http check every 0.5 s,
# rise 2, fall 2, max_fails 0.
#  - all primaries up: the backup gets no new connection (dataplane
#    "draining", not in the table), be1 and be2 share 3:1;
#  - be1 stopped and be2 answering 503: both down, the backup is in the
#    table and serves every request;
#  - a /stream download opened while the backup serves keeps flowing after
#    the primaries return (flows on a backup are kept);
#  - primaries back: the backup leaves the table and its access log gets no
#    new request through the VIP, be1:be2 = 3:1 again.
# Exit 0 pass, 77 skip (not root, tool missing), 1 fail.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=selftests/netns/health_lib.sh
. "$here/health_lib.sh"
hl_init backup

# fall x interval + timeout + 2.5 s margin for a loaded machine
MAX=$(awk 'BEGIN { print 2 * 0.5 + 0.3 + 2.5 }')

hl_config '.services[0].backends[2].backup = true' >"$HL_TMP/cfg.json"
hl_start "$HL_TMP/cfg.json"

# 1. primaries up: the backup stands by
hl_expect_be 3 '.backup == true and .state == "up"' "a healthy backup"
hl_expect_be 3 '.in_table == false and .dp_state == "draining" and .share == 0' \
	"out of the table while primaries are up"
hl_expect_be 1 '.in_table == true' "in the table"
hl_expect_be 2 '.in_table == true' "in the table"
mark3=$(hl_log_mark 3)
hl_split_check "primaries up" 3 1 0
got=$(hl_log_vip_since 3 "$mark3")
[ "$got" = 0 ] || hl_fail "expected no client request in the backup's access log, saw $got"

# 2. every primary down (one stopped, one answering 503): the backup serves
lab_backend_stop 1 || hl_fail "expected lab_backend_stop 1 to succeed, saw an error"
lab_backend_status 2 503 || hl_fail "expected lab_backend_status 2 503 to succeed, saw an error"
hl_wait 1 '.state == "down"' "$MAX" || hl_fail "expected be1 down within ${MAX}s, saw $(hl_be 1)"
hl_wait 2 '.state == "down"' "$MAX" || hl_fail "expected be2 down within ${MAX}s, saw $(hl_be 2)"
hl_wait 3 '.in_table == true and .dp_state == "up"' 1 ||
	hl_fail "expected the backup in the table once no primary is up, saw $(hl_be 3)"
hl_expect_be 3 '.share == 1' "holding the whole table"
hl_split_check "primaries down" 0 0 1
hl_stream_open 3 onbackup

# 3. primaries back: the backup takes no new connection, its flow goes on
lab_backend_start 1 || hl_fail "expected lab_backend_start 1 to succeed, saw an error"
lab_backend_status 2 200 || hl_fail "expected lab_backend_status 2 200 to succeed, saw an error"
hl_wait 1 '.state == "up"' "$MAX" || hl_fail "expected be1 up within ${MAX}s, saw $(hl_be 1)"
hl_wait 2 '.state == "up"' "$MAX" || hl_fail "expected be2 up within ${MAX}s, saw $(hl_be 2)"
hl_wait 3 '.in_table == false and .dp_state == "draining"' 1 ||
	hl_fail "expected the backup out of the table once primaries are up, saw $(hl_be 3)"
mark3=$(hl_log_mark 3)
hl_split_check "primaries back" 3 1 0
got=$(hl_log_vip_since 3 "$mark3")
[ "$got" = 0 ] || hl_fail "expected no new client request on the backup after the primaries returned, saw $got"
hl_stream_flowing onbackup "stream on the backup after the primaries returned"

# 4. only one primary down: the other primary takes everything, not the backup
lab_backend_stop 1 || hl_fail "expected lab_backend_stop 1 to succeed, saw an error"
hl_wait 1 '.state == "down"' "$MAX" || hl_fail "expected be1 down within ${MAX}s, saw $(hl_be 1)"
hl_expect_be 3 '.in_table == false' "still out of the table while be2 is up"
hl_split_check "one primary down" 0 1 0
hl_stream_flowing onbackup "stream on the backup at the end"
hl_finish "backup idle while a primary is up, serving when none is, flows on it kept"
