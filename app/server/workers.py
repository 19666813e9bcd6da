"""`manualgrad --workers N`: N server processes, each listening on a socket of its own.

uvicorn's own --workers shares one listening socket among the processes, and each process's
event loop, once woken, accepts every connection waiting: a class's keep-alive connections,
opened together, then mostly went to one process (measured: 83 % and 19 % of a core, half the
class's speed). Here each worker binds the address with SO_REUSEPORT, and Linux hands every new
connection to one of the sockets by a hash of its addresses, so each process gets its share.
The parent only starts the workers, starts again one that dies, and stops them all on SIGTERM
or SIGINT.
"""
import logging
import multiprocessing
import os
import signal
import socket
import threading
import time

import uvicorn


logger = logging.getLogger("manualgrad.workers")
STOP_SECONDS = 30          # a worker still running this long after SIGTERM is killed


def listening_socket(host, port):
    """A socket bound to host:port with SO_REUSEPORT, so that every worker can bind the same."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named, not 0: asyncio turns Nagle off (TCP_NODELAY) only on sockets that say
    # TCP, and with it on, every reply on a keep-alive connection waited 40 ms for an ACK
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


def run_worker(host, port, options):
    signal.signal(signal.SIGINT, signal.SIG_IGN)     # the parent stops the workers (SIGTERM)
    threading.Thread(target=stop_with_parent, args=(os.getppid(),), daemon=True).start()
    uvicorn.Server(uvicorn.Config("app.main:app", host=host, port=port, **options)).run(
        sockets=[listening_socket(host, port)])


def stop_with_parent(parent):
    """A worker whose parent died (kill -9) stops too, instead of serving on beside a new one."""
    while os.getppid() == parent:
        time.sleep(1)
    os.kill(os.getpid(), signal.SIGTERM)


def serve(host, port, workers, **options):
    """Run `workers` processes of the app on host:port until SIGTERM or SIGINT."""
    listening_socket(host, port).close()        # the address is free for us (else: the error, now)
    context = multiprocessing.get_context("spawn")
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    signal.signal(signal.SIGINT, lambda *_: stopping.append(True))

    def start():
        process = context.Process(target=run_worker, args=(host, port, options), daemon=False)
        process.start()
        return process

    processes = [start() for _ in range(workers)]
    logger.warning("manualgrad: %d worker processes on %s:%d (one socket each, SO_REUSEPORT)",
                   workers, host, port)
    while not stopping:
        time.sleep(0.5)
        for k, process in enumerate(processes):
            if not process.is_alive() and not stopping:
                logger.warning("manualgrad: worker %d exited (code %s); starting another",
                               process.pid, process.exitcode)
                processes[k] = start()
    for process in processes:
        process.terminate()
    deadline = time.monotonic() + STOP_SECONDS
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
