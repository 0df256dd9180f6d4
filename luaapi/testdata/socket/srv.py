# scenario server: the first line the client sends picks the behaviour
import socket, socketserver, threading, sys, time
PAYLOAD = b"line1\r\nline2\nab\r\ncdpartial"
MIME = b"hello--abc--world--ab--abcd--abc"
class H(socketserver.BaseRequestHandler):
    def handle(self):
        c = self.request
        buf = b""
        while b"\n" not in buf:
            d = c.recv(4096)
            if not d: return
            buf += d
        cmd, rest = buf.split(b"\n", 1)
        cmd = cmd.strip()
        if cmd == b"echo":
            if rest: c.sendall(rest)
            while True:
                d = c.recv(4096)
                if not d: return
                c.sendall(d)
        elif cmd == b"payload":
            c.sendall(PAYLOAD); c.shutdown(socket.SHUT_WR); time.sleep(0.2)
        elif cmd == b"mime":
            c.sendall(MIME); c.shutdown(socket.SHUT_WR); time.sleep(0.2)
        elif cmd == b"slow":
            c.sendall(b"abc"); time.sleep(2)
        elif cmd == b"silent":
            time.sleep(2)
        elif cmd == b"bye":
            return
class S(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
def udp(port):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", port))
    while True:
        d, a = u.recvfrom(65536)
        if d == b"silent": continue
        u.sendto(b"echo:" + d, a)
port = int(sys.argv[1])
threading.Thread(target=udp, args=(port,), daemon=True).start()
S(("127.0.0.1", port), H).serve_forever()
