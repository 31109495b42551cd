"""A small DNS server of the tests' own (RFC 1035, Python standard library only).

Serves one fixed zone over UDP and TCP on HOST:PORT (default 127.0.0.1:53):
  svc.obs.test    A 127.0.0.77, AAAA fd00::77
  alias.obs.test  CNAME svc.obs.test (with svc.obs.test's records of the asked type)
  silent.obs.test no answer at all: over UDP the resolver times out; over TCP the server
                  closes the connection (glibc reads a TCP answer without a timeout)
  any other name  NXDOMAIN
Answers use compression pointers, as real servers do. Prints "ready PORT" once both sockets
are bound, then one line per question: "answer TRANSPORT ID NAME QTYPE RCODE VALUE..." for
each answer it sends, "silent TRANSPORT ID NAME QTYPE" for each it leaves unanswered (the
test's oracle). Runs until it is killed.
"""
import socket
import struct
import sys
import threading

ZONE_A = {"svc.obs.test": ["127.0.0.77"]}
ZONE_AAAA = {"svc.obs.test": ["fd00::77"]}
CNAMES = {"alias.obs.test": "svc.obs.test"}
TYPE_NAMES = {1: "A", 5: "CNAME", 28: "AAAA"}
lock = threading.Lock()


def encode_name(name):
    return b"".join(bytes([len(p)]) + p.encode() for p in name.split(".") if p) + b"\0"


def parse_question(msg):
    labels, pos = [], 12
    while msg[pos]:
        labels.append(msg[pos + 1 : pos + 1 + msg[pos]].decode())
        pos += 1 + msg[pos]
    qtype, qclass = struct.unpack(">HH", msg[pos + 1 : pos + 5])
    return ".".join(labels), qtype, qclass, pos + 5


def answer(msg, transport):
    """The answer to one query, or None to leave it unanswered."""
    qid, flags = struct.unpack(">HH", msg[:4])
    name, qtype, qclass, end = parse_question(msg)
    lower = name.lower()
    if lower == "silent.obs.test":
        with lock:
            print("silent", transport, qid, name, TYPE_NAMES.get(qtype, str(qtype)), flush=True)
        return None
    records, values = [], []
    target, owner = lower, 0xC00C  # the question's name at offset 12
    rcode = 0
    if lower in CNAMES:
        target = CNAMES[lower]
        rdata = encode_name(target)
        records.append(struct.pack(">HHHIH", owner, 5, 1, 300, len(rdata)) + rdata)
        values.append("CNAME=" + target)
        owner = 0xC000 | (end + 12)  # a pointer to the CNAME's RDATA, after its 12 fixed bytes
    if target in ZONE_A or target in ZONE_AAAA:
        table = ZONE_A if qtype == 1 else ZONE_AAAA if qtype == 28 else {}
        for value in table.get(target, []):
            family = socket.AF_INET if qtype == 1 else socket.AF_INET6
            rdata = socket.inet_pton(family, value)
            records.append(struct.pack(">HHHIH", owner, qtype, 1, 60, len(rdata)) + rdata)
            values.append(TYPE_NAMES[qtype] + "=" + value)
    else:
        rcode = 3
        records, values = [], []
    header = struct.pack(">HHHHHH", qid, 0x8180 | (flags & 0x0100) | rcode, 1, len(records), 0, 0)
    with lock:
        print("answer", transport, qid, name, TYPE_NAMES.get(qtype, str(qtype)), rcode, *values, flush=True)
    return header + msg[12:end] + b"".join(records)


def serve_udp(sock):
    while True:
        msg, peer = sock.recvfrom(4096)
        reply = answer(msg, "udp")
        if reply is not None:
            sock.sendto(reply, peer)


def serve_tcp_client(conn):
    with conn:
        buf = b""
        while True:
            data = conn.recv(4096)
            if not data:
                return
            buf += data
            silent = False
            while len(buf) >= 2 and len(buf) >= 2 + struct.unpack(">H", buf[:2])[0]:
                length = struct.unpack(">H", buf[:2])[0]
                reply = answer(buf[2 : 2 + length], "tcp")
                buf = buf[2 + length :]
                if reply is None:
                    silent = True
                else:
                    conn.sendall(struct.pack(">H", len(reply)) + reply)
            if silent:
                return


def serve_tcp(sock):
    while True:
        conn, _ = sock.accept()
        threading.Thread(target=serve_tcp_client, args=(conn,), daemon=True).start()


def main():
    host = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 53
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind((host, port))
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.bind((host, port))
    tcp.listen(16)
    threading.Thread(target=serve_udp, args=(udp,), daemon=True).start()
    threading.Thread(target=serve_tcp, args=(tcp,), daemon=True).start()
    print("ready", port, flush=True)
    threading.Event().wait()


main()
