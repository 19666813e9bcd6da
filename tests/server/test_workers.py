"""The socket each worker of `manualgrad --workers N` listens on."""
import asyncio
import socket

from app.server.workers import listening_socket


def test_a_workers_connections_send_small_replies_at_once():
    # Nagle's algorithm held back the second write of every reply on a keep-alive connection
    # until the client's delayed ACK, 40 ms later: each accepted connection has it off
    async def accepted_nodelay():
        seen = asyncio.get_running_loop().create_future()

        class Note(asyncio.Protocol):
            def connection_made(self, transport):
                sock = transport.get_extra_info("socket")
                seen.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        server = await asyncio.get_running_loop().create_server(Note, sock=listening_socket("127.0.0.1", 0))
        port = server.sockets[0].getsockname()[1]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            return await asyncio.wait_for(seen, 5)
        finally:
            writer.close()
            server.close()

    assert asyncio.run(accepted_nodelay()) != 0


def test_every_worker_can_bind_the_same_address():
    first = listening_socket("127.0.0.1", 0)
    second = listening_socket("127.0.0.1", first.getsockname()[1])
    assert second.getsockname() == first.getsockname()
    first.close()
    second.close()
