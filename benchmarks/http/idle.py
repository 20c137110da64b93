"""Opens N idle keep-alive connections to a server and holds them (a benchmark peer only)."""
import socket
import sys
import time

host, port, count, hold = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
sockets = []
for _ in range(count):
    s = socket.create_connection((host, port))
    # One complete request, then silence: the connection stays open in keep-alive.
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    s.recv(4096)
    sockets.append(s)
print(f"open={len(sockets)}", flush=True)
time.sleep(hold)
