"""A network namespace of the test's own, for clients that must not see
this host's interfaces (a browser gathers ICE candidates on every one it
has): a namespace with its loopback and one end of a veth pair,
10.77.N.2/30, the other end, 10.77.N.1, in ours. Nothing leaves the host
and no address but these and the loopbacks is used.

    ns = NetNs()              # ip netns add, veth, addresses (we are root)
    ns.call(fn, *args)        # fn runs in a thread that entered the
                              # namespace: every socket it opens is there
    fwd = TcpForward(ns.host_addr, ("127.0.0.1", port))
                              # reach a server of ours (on 127.0.0.1)
                              # from the namespace at ns.host_addr:fwd.port
    udp = UdpForward(ns.host_addr, ports)
                              # and its media: datagrams to ns.host_addr at
                              # each port go to 127.0.0.1 at that port
    fwd.close(); udp.close(); ns.close()
                              # ip netns del takes the veth pair with it
"""

import asyncio
import ctypes
import os
import queue
import socket
import subprocess
import threading

CLONE_NEWNET = 0x40000000


def _ip(*args):
    r = subprocess.run(["ip"] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=10)
    if r.returncode != 0:
        raise RuntimeError("ip %s: %s" % (" ".join(args), r.stdout.strip()))


class NetNs:
    @classmethod
    def or_skip(cls):
        """A NetNs, or the test skipped where none can be made."""
        import pytest
        try:
            return cls()
        except (OSError, RuntimeError) as e:
            pytest.skip("cannot make a network namespace here (root "
                        "needed): %s" % e)

    def __init__(self):
        n = os.getpid() % 250
        self.name = "ngxwebrtc%d" % os.getpid()
        self.host_if, self.ns_if = "nw%da" % os.getpid(), "nw%db" % os.getpid()
        self.host_addr = "10.77.%d.1" % n
        self.ns_addr = "10.77.%d.2" % n
        self._thread = None
        self._jobs = queue.Queue()
        try:
            _ip("netns", "add", self.name)
            _ip("link", "add", self.host_if, "type", "veth",
                "peer", "name", self.ns_if)
            _ip("link", "set", self.ns_if, "netns", self.name)
            _ip("addr", "add", self.host_addr + "/30", "dev", self.host_if)
            _ip("link", "set", self.host_if, "up")
            for args in (("addr", "add", self.ns_addr + "/30", "dev",
                          self.ns_if),
                         ("link", "set", self.ns_if, "up"),
                         ("link", "set", "lo", "up")):
                _ip("netns", "exec", self.name, "ip", *args)
            self._start()
        except Exception:
            self.close()
            raise

    def _start(self):
        ready = queue.Queue()

        def loop():
            libc = ctypes.CDLL(None, use_errno=True)
            fd = os.open("/run/netns/" + self.name, os.O_RDONLY)
            try:
                if libc.setns(fd, CLONE_NEWNET) != 0:
                    ready.put(OSError(ctypes.get_errno(), "setns"))
                    return
            finally:
                os.close(fd)
            ready.put(None)
            while True:
                job = self._jobs.get()
                if job is None:
                    return
                fn, args, out = job
                try:
                    out.put((True, fn(*args)))
                except BaseException as e:      # handed to the caller
                    out.put((False, e))

        self._thread = threading.Thread(target=loop, daemon=True,
                                        name="netns " + self.name)
        self._thread.start()
        err = ready.get(timeout=10)
        if err is not None:
            raise err

    def call(self, fn, *args):
        """fn(*args) inside the namespace; its result, or its exception."""
        out = queue.Queue()
        self._jobs.put((fn, args, out))
        ok, value = out.get()
        if not ok:
            raise value
        return value

    def close(self):
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join(10)
            self._thread = None
        subprocess.run(["ip", "netns", "del", self.name],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run(["ip", "link", "del", self.host_if],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _stop_loop(loop, thread):
    """Cancel what runs on a forwarder's loop and wait for its thread."""
    def stop():
        for t in asyncio.all_tasks(loop):
            t.cancel()
    loop.call_soon_threadsafe(stop)
    thread.join(10)


class TcpForward:
    """Accepts TCP on (addr, a free port) in our namespace and splices
    each connection to `target`, in a thread of its own."""

    def __init__(self, addr, target):
        self.target = target
        sock = socket.socket()
        sock.bind((addr, 0))
        self.port = sock.getsockname()[1]
        self._sock = sock
        self._loop = asyncio.new_event_loop()
        started = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(started,),
                                        daemon=True, name="tcp forward")
        self._thread.start()
        started.wait(10)

    def _run(self, started):
        asyncio.set_event_loop(self._loop)

        async def pipe(r, w):
            try:
                while True:
                    data = await r.read(65536)
                    if not data:
                        break
                    w.write(data)
                    await w.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                w.close()

        async def handle(cr, cw):
            try:
                tr, tw = await asyncio.open_connection(*self.target)
            except OSError:
                cw.close()
                return
            await asyncio.gather(pipe(cr, tw), pipe(tr, cw))

        async def main():
            self._server = await asyncio.start_server(handle, sock=self._sock)
            started.set()
            await self._server.serve_forever()

        try:
            self._loop.run_until_complete(main())
        except asyncio.CancelledError:
            pass

    def close(self):
        _stop_loop(self._loop, self._thread)


class UdpForward:
    """Receives UDP on (addr, port) in our namespace for each of `ports`
    and forwards each client's datagrams to ("127.0.0.1", port) from a
    socket of the client's own, and the answers back: a NAT in front of a
    server on 127.0.0.1, for clients in a namespace (the server announces
    addr too). The client's sockets are on addr as well: the server's
    STUN answers then map the client to addr, not to 127.0.0.1 (Firefox
    ignores an answer that maps it to a loopback address). One thread of
    its own."""

    def __init__(self, addr, ports):
        self.addr = addr
        self.ports = list(ports)
        self.forwarded = 0          # datagrams from the clients
        self.returned = 0           # and to them
        self._loop = asyncio.new_event_loop()
        started = queue.Queue()
        self._thread = threading.Thread(target=self._run, args=(started,),
                                        daemon=True, name="udp forward")
        self._thread.start()
        err = started.get(timeout=10)
        if err is not None:
            self.close()
            raise err

    def _run(self, started):
        asyncio.set_event_loop(self._loop)
        loop = self._loop
        fwd = self

        class Upstream(asyncio.DatagramProtocol):
            def __init__(self, front, client):
                self.front, self.client = front, client

            def datagram_received(self, data, _addr):
                fwd.returned += 1
                self.front.sendto(data, self.client)

        class Front(asyncio.DatagramProtocol):
            def __init__(self, port):
                self.port = port
                self.transport = None
                self.up = {}            # client address -> transport

            def connection_made(self, transport):
                self.transport = transport

            def datagram_received(self, data, client):
                fwd.forwarded += 1
                up = self.up.get(client)
                if isinstance(up, list):        # its socket is opening
                    up.append(data)
                elif up is not None:
                    up.sendto(data)
                else:
                    self.up[client] = [data]
                    loop.create_task(self.open(client))

            async def open(self, client):
                up, _ = await loop.create_datagram_endpoint(
                    lambda: Upstream(self.transport, client),
                    local_addr=(fwd.addr, 0),
                    remote_addr=("127.0.0.1", self.port))
                for data in self.up[client]:
                    up.sendto(data)
                self.up[client] = up

        async def main():
            try:
                for port in fwd.ports:
                    await loop.create_datagram_endpoint(
                        lambda port=port: Front(port),
                        local_addr=(fwd.addr, port))
            except OSError as e:
                started.put(e)
                return
            started.put(None)
            await asyncio.Event().wait()

        try:
            loop.run_until_complete(main())
        except asyncio.CancelledError:
            pass

    def close(self):
        _stop_loop(self._loop, self._thread)
