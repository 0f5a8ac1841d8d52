"""Running the review page: a free loopback port, the printed link, the browser, Ctrl-C.

The socket is bound before the app is built, so the guard knows the exact `Host` it must see
(`127.0.0.1:<port>`), and it listens before the browser is opened, so the first request never
races the server's start.
"""

from __future__ import annotations

import socket
import threading
import webbrowser
from collections.abc import Callable
from pathlib import Path

from quizgen.errors import InputError

HOST = "127.0.0.1"


def bind(port: int | None) -> socket.socket:
    """A listening socket on 127.0.0.1 (port 0: the system picks a free one)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # Accepted connections inherit it: a small answer written as headers then body must not
    # wait for the browser's delayed ACK (a 40 ms stall on every page otherwise).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((HOST, port or 0))
    except OSError as exc:
        sock.close()
        raise InputError(
            f"cannot listen on {HOST}:{port} ({exc.strerror}); choose another --port "
            "or leave it out for a free one"
        ) from None
    sock.listen(128)
    return sock


def run(
    db: Path | None,
    quiz_id: str,
    *,
    port: int | None,
    open_browser: bool,
    say: Callable[[str], None],
) -> None:
    """Serve until Ctrl-C; every change is already saved, so stopping loses nothing."""
    import uvicorn

    from quizgen.web.app import Site, create_app
    from quizgen.web.security import TOKEN_PARAMETER, Guard

    sock = bind(port)
    bound = sock.getsockname()[1]
    guard = Guard(hosts=frozenset({f"{HOST}:{bound}", f"localhost:{bound}"}))
    site = Site(db=db, quiz_id=quiz_id, guard=guard)
    app = create_app(site)
    url = f"http://{HOST}:{bound}/?{TOKEN_PARAMETER}={guard.token}"
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    say(f"review page: {url}")
    say("the link holds this run's key; press Ctrl-C to stop (every change is already saved)")
    if open_browser:
        threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
        # Let go of the page's connection now: the CLI skips the garbage collector at exit
        # (`cli.app.leave_objects_to_the_os`), and the server's objects hold it in cycles, so it
        # would never close and the write-ahead log would stay beside the database file.
        site.snapshot.close()
    say("stopped")
