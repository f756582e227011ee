"""Running the staff web app: a real WSGI server (waitress), the browser opened, the access
token printed when other computers may connect."""

import socket
import threading
import webbrowser
from pathlib import Path

LOOPBACK = "127.0.0.1"


def serve_app(folder: Path, host: str | None, port: int, open_browser: bool = True,
              say=print) -> None:
    from waitress.server import create_server

    from ..live_preview import Previewer
    from .app import create_app
    from .security import new_token

    token = new_token() if host else None
    listen = host or LOOPBACK
    previewer = Previewer(folder)       # warm workers before the first edit
    app = create_app(folder, token=token, loopback_only=host is None, previewer=previewer)
    server = create_server(app, host=listen, port=port, threads=4, ident="iop-handouts")
    port = server.effective_port
    # Ctrl-C from the moment the address is printed stops the app quietly (exit 0), even
    # before the server has started to wait for requests.
    try:
        if token:
            name = socket.gethostname() if listen in ("0.0.0.0", "::") else listen
            url = f"http://{name}:{port}/?token={token}"
            say(f"Staff web app for {folder}: open {url}")
            say("Anyone with this address can use the app: share it only with clinic staff. "
                "It works over plain HTTP, so use it on the clinic's own network only.")
        else:
            url = f"http://{LOOPBACK}:{port}/"
            say(f"Staff web app for {folder}: {url} (this computer only)")
        say("Stop it with Ctrl-C.")
        if open_browser:
            threading.Timer(0.5, webbrowser.open, (url,)).start()
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        previewer.close()
