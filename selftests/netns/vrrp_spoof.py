#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Send one hand-made VRRP version 2 advertisement (RFC 3768) to 224.0.0.18.

Used by test_vrrp.sh from inside the lab's client namespace to check that a
VRRP node drops adverts that must not be believed: a TTL other than 255
(the packet crossed a router, RFC 3768 7.1), a wrong PASS string, and with
a KIND: a bad checksum, a truncated message, the wrong version, the wrong
advert interval, no addresses.

  vrrp_spoof.py IFNAME VRID PRIORITY TTL PASSWORD VIP [ADVERT_INT [KIND]]
  KIND: ok (default) | badsum | truncated | v3 | nocount

The kernel builds the IP header (source: IFNAME's address); the VRRP
checksum is computed here over the VRRP message, as RFC 3768 5.3.8 says.
"""
import socket
import struct
import sys

IPPROTO_VRRP = 112
GROUP = "224.0.0.18"


def csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def advert(vrid: int, prio: int, password: str, vip: str, interval: int,
           kind: str = "ok") -> bytes:
    auth = password.encode()[:8].ljust(8, b"\0")
    addr = socket.inet_aton(vip)
    ver = 0x31 if kind == "v3" else 0x21
    count = 0 if kind == "nocount" else 1
    # version 2, type 1 (advertisement), one address, auth type 1 (PASS)
    head = struct.pack("!BBBBBBH", ver, vrid, prio, count, 1, interval, 0)
    msg = head + (addr if count else b"") + auth
    if kind == "truncated":
        msg = msg[:6]
        return msg
    sum_ = csum(msg) ^ (0x5A5A if kind == "badsum" else 0)
    return msg[:6] + struct.pack("!H", sum_) + msg[8:]


def main() -> int:
    if len(sys.argv) not in (7, 8, 9):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    ifname, vrid, prio, ttl, password, vip = sys.argv[1:7]
    interval = int(sys.argv[7]) if len(sys.argv) >= 8 else 1
    kind = sys.argv[8] if len(sys.argv) == 9 else "ok"
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, IPPROTO_VRRP)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifname.encode())
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, int(ttl))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
    s.sendto(advert(int(vrid), int(prio), password, vip, interval, kind), (GROUP, 0))
    s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
