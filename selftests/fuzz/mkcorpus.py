#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Regenerate the committed seed corpora in selftests/fuzz/corpus/.

Run from the top of the tree: python3 selftests/fuzz/mkcorpus.py
Seeds follow the input layouts documented at the top of each fuzz_*.c.
"""
import glob
import json
import os
import struct

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(TOP, "selftests", "fuzz", "corpus")


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---- config ----------------------------------------------------------------
for path in sorted(glob.glob(os.path.join(TOP, "configs", "*.json"))):
    with open(path, "rb") as f:
        put("config", "cfg-" + os.path.basename(path), f.read())

EXTRA_CFG = {
    "vrrp-v3-unicast.json": {
        "node": {"name": "lb2", "interface": "eth1", "xdp_mode": "generic",
                 "keep_maps": False, "control_socket": "/run/xlb/x.sock",
                 "tcp_timeout": 300, "udp_timeout": 10.5, "snat_port_min": 40000,
                 "snat_port_max": 50000, "flow_table_size": 4096},
        "services": [{
            "name": "dns", "vip": "10.0.0.53", "port": 53, "protocol": "udp",
            "affinity": "source", "no_backend": "pass",
            "health_check": {"type": "exec", "script": "/usr/local/bin/chk",
                             "interval": 2, "timeout": 1, "rise": 1, "fall": 1},
            "notify": "/usr/local/bin/notify",
            "backends": [{"address": "10.0.1.1", "down": True},
                         {"address": "10.0.1.2", "backup": True, "interval": 5}]}],
        "vrrp": {"instances": [{
            "name": "VI_6", "interface": "eth1", "virtual_router_id": 7,
            "priority": 254, "advert_int": 0.5, "version": 3, "nopreempt": True,
            "preempt_delay": 3, "track_interface": False, "track_backends": -20,
            "unicast_src_ip": "10.0.0.2", "unicast_peer": ["10.0.0.3", "10.0.0.4"],
            "garp_master_repeat": 2, "garp_master_delay": 0.2,
            "virtual_ipaddress": ["10.0.0.53/24", "10.0.0.54"],
            "track_script": [{"script": "/bin/true", "interval": 1, "weight": -30,
                              "rise": 2, "fall": 2, "timeout": 0.5}],
            "notify": {"master": "/bin/m", "backup": "/bin/b", "fault": "/bin/f",
                       "stop": "/bin/s"}}]},
    },
    "http-v6.json": {
        "node": {"name": "six", "interface": "eth0"},
        "services": [{
            "name": "api", "vip": "2001:db8::10", "port": 443, "snat_address": "2001:db8::2",
            "health_check": {"type": "http", "port": 8080, "path": "/healthz",
                             "host": "api.example", "expect_status": [200, 204],
                             "expect_body": "ok"},
            "backends": [{"address": "2001:db8::a", "port": 8443, "weight": 256,
                          "max_fails": 0, "fail_timeout": 1.5}]}],
    },
}
for name, obj in EXTRA_CFG.items():
    put("config", name, json.dumps(obj, indent=1))
# Refused ones: each should reach a different validator.
put("config", "bad-weight.json",
    '{"node":{"name":"a","interface":"lo"},"services":[{"name":"w","vip":"10.0.0.1",'
    '"port":80,"backends":[{"address":"10.0.0.2","weight":300}]}]}')
put("config", "bad-dup-vip.json",
    '{"node":{"name":"a","interface":"lo"},"services":[{"name":"w","vip":"10.0.0.1",'
    '"port":80,"backends":[]},{"name":"x","vip":"10.0.0.1","port":80,"backends":[]}]}')
put("config", "bad-syntax.json", '{"node": {"name": "a", "interface": "lo",}, }')
put("config", "bad-types.json",
    '{"node":{"name":7,"interface":["lo"]},"services":{},"vrrp":[],"extra":null}')
put("config", "bad-unicode.json", '{"node":{"name":"\\u00e9\\ud800","interface":"lo"}}')

# ---- vrrp ------------------------------------------------------------------
def frames(name):
    with open(os.path.join(TOP, "selftests", "testdata", "vrrp", name + ".hex")) as f:
        return sorted({bytes.fromhex(l.strip()) for l in f if l.strip()})


# selector bits: 0-1 instance, 2 repair, 3 RFC 9568 csum form, 4 other iface, 5 unicast
for case, inst in (("v2-ipv4-pass", 0), ("v3-ipv4", 1), ("v3-ipv6", 2)):
    for i, fr in enumerate(frames(case)):
        if inst == 2:
            ip6 = fr[14:]
            body = bytes([ip6[7]]) + ip6[8:24] + ip6[24:40] + ip6[40:]
        else:
            body = fr[14:]
        put("vrrp", "%s-%d" % (case, i), bytes([inst]) + body)
        put("vrrp", "%s-%d-repair" % (case, i), bytes([inst | 0x04]) + body)
        put("vrrp", "%s-%d-unicast" % (case, i), bytes([inst | 0x24]) + body)
        put("vrrp", "%s-%d-iface" % (case, i), bytes([inst | 0x10]) + body)
        if inst == 1:
            put("vrrp", "%s-%d-9568" % (case, i), bytes([inst | 0x0c]) + body)
# the v2 capture against the no-auth instance, and a v3 one against v2
put("vrrp", "cross-v2-noauth", bytes([3 | 4]) + frames("v2-ipv4-pass")[0][14:])
put("vrrp", "cross-v3-as-v2", bytes([0 | 4]) + frames("v3-ipv4")[0][14:])

# ---- ctlreq ----------------------------------------------------------------
def frame(body):
    if isinstance(body, str):
        body = body.encode()
    return struct.pack(">I", len(body)) + body


with open(os.path.join(TOP, "configs", "minimal.json")) as f:
    minimal = f.read()
REQS = {
    "status": {"cmd": "status"},
    "reload": {"cmd": "reload"},
    "drain": {"cmd": "backend", "action": "drain", "service": "web",
              "address": "10.0.0.1", "port": 80},
    "enable6": {"cmd": "backend", "action": "enable", "service": "web",
                "address": "fd00::1"},
    "disable": {"cmd": "backend", "action": "disable", "service": "w",
                "address": "10.0.0.1", "port": 0},
    "apply": {"cmd": "apply", "origin": "minimal.json", "config": minimal},
    "apply-bad": {"cmd": "apply", "config": "{\"node\": {}}"},
    "unknown": {"cmd": "shutdown"},
}
for name, obj in REQS.items():
    body = json.dumps(obj)
    # selector 0: framed, 4 KiB limit; 2: framed, xlbd's limit; 1: raw body
    put("ctlreq", "framed-" + name, b"\x00\x12\x34" + frame(body))
    put("ctlreq", "raw-" + name, b"\x01\x00\x01" + body.encode())
put("ctlreq", "framed-big-limit", b"\x02\x56\x78" + frame(json.dumps(REQS["apply"])))
put("ctlreq", "stream-three", b"\x00\x00\x07" + frame('{"cmd":"status"}') +
    frame('{"cmd":"reload"}') + frame(json.dumps(REQS["drain"])))
put("ctlreq", "oversize", b"\x02\x00\x00" + struct.pack(">I", (32 << 20) + 1) + b"{}")
put("ctlreq", "not-json", b"\x00\xff\xff" + frame("{\"cmd\":"))
put("ctlreq", "empty-frame", b"\x00\x00\x00" + frame(""))
put("ctlreq", "raw-escapes", b"\x01\x00\x00" +
    b'{"cmd":"apply","origin":"a\\u0000b","config":"{\\u0022node\\u0022:1}"}')

# ---- http ------------------------------------------------------------------
RESP = {
    "ok": (0, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK"),
    "503": (1, "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n"),
    "204": (2, "HTTP/1.0 204 No Content\r\n\r\n"),
    "body": (5, "HTTP/1.1 200 OK\r\nX-OK: OK\r\n\r\nall OK here"),
    "healthy": (9, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7\r\nhealthy\r\n0\r\n\r\n"),
    "lf-only": (4, "HTTP/1.1 200\nServer: x\n\nOK"),
    "not-http": (0, "SSH-2.0-OpenSSH_9.2\r\n"),
    "short": (0, "HTTP/1.1 20"),
    "redirect": (3, "HTTP/1.1 301 Moved\r\nLocation: /\r\n\r\n"),
    "long-body": (12, "HTTP/1.1 200 OK\r\n\r\n" + "x" * 300),
}
for name, (sel, text) in RESP.items():
    put("http", name, bytes([sel, 0x33]) + text.encode())

for t in sorted(os.listdir(OUT)):
    files = os.listdir(os.path.join(OUT, t))
    size = sum(os.path.getsize(os.path.join(OUT, t, f)) for f in files)
    print("%-8s %3d files %6d bytes" % (t, len(files), size))
