#!/usr/bin/env python3
"""Issue 14's replay check, without privileges: writes a capture of a neighbour solicitation and
an ICMPv6 echo request from the host (fd00::1) to the stack (fd00::2), and checks the stack's
answers that `tapstack replay` wrote: a valid neighbour advertisement and a valid echo reply,
every length, checksum and field as RFC 4861 §4.4 and RFC 4443 §4.2 say.

  ipv6_replay.py write IN.pcap
  ipv6_replay.py check OUT.pcap
"""
import struct
import sys

HOST_MAC = bytes.fromhex("525400123456")
OUR_MAC = bytes.fromhex("02000a000002")  # default_mac_for(10.0.0.2)
HOST = bytes.fromhex("fd000000000000000000000000000001")
OURS = bytes.fromhex("fd000000000000000000000000000002")
SOLICITED = bytes.fromhex("ff0200000000000000000001ff000002")
ECHO_ID, ECHO_SEQ, ECHO_DATA = 0x1234, 7, bytes(range(56))


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total


def icmp6(src, dst, body):
    """An ICMPv6 message with its checksum over the pseudo-header (RFC 8200 §8.1)."""
    pseudo = src + dst + struct.pack("!IxxxB", len(body), 58)
    csum = 0xFFFF - checksum(pseudo + body[:2] + b"\0\0" + body[4:])
    return body[:2] + struct.pack("!H", csum or 0xFFFF) + body[4:]


def frame(dst_mac, src, dst, hop_limit, body):
    ip = struct.pack("!IHBB", 6 << 28, len(body), 58, hop_limit) + src + dst
    return dst_mac + HOST_MAC + b"\x86\xdd" + ip + icmp6(src, dst, body)


def write(path):
    ns = struct.pack("!BBHI", 135, 0, 0, 0) + OURS + struct.pack("!BB", 1, 1) + HOST_MAC
    echo = struct.pack("!BBHHH", 128, 0, 0, ECHO_ID, ECHO_SEQ) + ECHO_DATA
    frames = [frame(b"\x33\x33" + SOLICITED[12:], HOST, SOLICITED, 255, ns), frame(OUR_MAC, HOST, OURS, 64, echo)]
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))  # LINKTYPE_ETHERNET
        for i, data in enumerate(frames):
            f.write(struct.pack("<IIII", 1_700_000_000, i * 100_000, len(data), len(data)) + data)


def records(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise SystemExit(f"{path}: {len(data)} bytes, shorter than a pcap header")
    magic = struct.unpack("<I", data[:4])[0]
    if magic not in (0xA1B2C3D4, 0xA1B23C4D):
        raise SystemExit(f"{path}: not a little-endian pcap (magic {magic:#x})")
    at = 24
    while at + 16 <= len(data):
        _, _, incl, _ = struct.unpack("<IIII", data[at : at + 16])
        if at + 16 + incl > len(data):
            raise SystemExit(f"{path}: a record of {incl} bytes runs past the end")
        yield data[at + 16 : at + 16 + incl]
        at += 16 + incl


def parse(data):
    """(dst MAC, src MAC, src, dst, hop limit, ICMPv6 message) or a reason it is not one."""
    if len(data) < 14 + 40 or data[12:14] != b"\x86\xdd":
        return "not IPv6"
    ip = data[14:]
    if ip[0] >> 4 != 6:
        return f"IP version {ip[0] >> 4}"
    plen, nxt, hop = struct.unpack("!HBB", ip[4:8])
    if 40 + plen > len(ip):
        return f"payload length {plen} beyond the frame"
    src, dst, body = ip[8:24], ip[24:40], ip[40 : 40 + plen]
    if nxt != 58 or len(body) < 8:
        return f"next header {nxt}, not a whole ICMPv6 message"
    pseudo = src + dst + struct.pack("!IxxxB", len(body), 58)
    if checksum(pseudo + body) != 0xFFFF:
        return "bad ICMPv6 checksum"
    return data[0:6], data[6:12], src, dst, hop, body


def check(path):
    problems, na_ok, reply_ok = [], False, False
    for n, data in enumerate(records(path), 1):
        p = parse(data)
        if isinstance(p, str):
            print(f"frame {n}: {p}")
            continue
        dst_mac, src_mac, src, dst, hop, body = p
        kind = body[0]
        print(f"frame {n}: ICMPv6 type {kind} from {src.hex()} to {dst.hex()}, hop limit {hop}")
        if kind == 136:
            flags = body[4]
            want = {
                "hop limit 255": hop == 255,
                "code 0": body[1] == 0,
                "S and O set, R clear": flags & 0xE0 == 0x60,
                "target fd00::2": body[8:24] == OURS,
                "target link-layer option with our MAC": body[24:32] == b"\x02\x01" + OUR_MAC,
                "to fd00::1 at its MAC": dst == HOST and dst_mac == HOST_MAC,
                "from our MAC": src_mac == OUR_MAC,
            }
            problems += [f"neighbour advertisement: not {k}" for k, ok in want.items() if not ok]
            na_ok = na_ok or all(want.values())
        elif kind == 129:
            rid, rseq = struct.unpack("!HH", body[4:8])
            want = {
                "code 0": body[1] == 0,
                "id and sequence echoed": (rid, rseq) == (ECHO_ID, ECHO_SEQ),
                "payload echoed": body[8:] == ECHO_DATA,
                "from fd00::2 to fd00::1": src == OURS and dst == HOST,
                "between our MAC and the host's": src_mac == OUR_MAC and dst_mac == HOST_MAC,
            }
            problems += [f"echo reply: not {k}" for k, ok in want.items() if not ok]
            reply_ok = reply_ok or all(want.values())
    if not na_ok:
        problems.append("no valid neighbour advertisement for fd00::2")
    if not reply_ok:
        problems.append("no valid echo reply")
    for p in problems:
        print("FAIL:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("write", "check"):
        raise SystemExit(__doc__)
    if sys.argv[1] == "write":
        write(sys.argv[2])
    else:
        sys.exit(check(sys.argv[2]))
