"""What keeps the staff web app to the people meant to use it.

- On 127.0.0.1 (the default) only this computer reaches it, and a request must name the
  computer as localhost or 127.0.0.1: a web page elsewhere cannot point a name of its own at
  127.0.0.1 and read the app (DNS rebinding).
- With --host, other computers reach it, so every browser must first open the address with
  the access token `serve` printed; the token is swapped for a session cookie and removed from
  the address bar at once.
- Every form carries a CSRF token (Flask-WTF), session cookies are SameSite=Strict, and
  pages say no to framing, to outside scripts and to sending the address onwards.
"""

import hmac
import secrets

from flask import Flask, abort, redirect, request, session

LOOPBACK_NAMES = {"127.0.0.1", "localhost", "[::1]"}
# Logos are at most 5 MB; the form around one is small. Recipient lists have their own limit.
MAX_REQUEST_BYTES = 6 * 1024 * 1024
MAX_CSV_BYTES = 1024 * 1024

CONTENT_SECURITY_POLICY = ("default-src 'self'; img-src 'self'; style-src 'self'; "
                           "script-src 'self'; object-src 'none'; base-uri 'none'; "
                           "form-action 'self'; frame-ancestors 'none'")


def new_token() -> str:
    return secrets.token_urlsafe(24)


def protect(app: Flask, token: str | None, loopback_only: bool) -> None:
    from flask_wtf.csrf import CSRFProtect

    app.config.update(SECRET_KEY=secrets.token_bytes(32), MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
                      SESSION_COOKIE_SAMESITE="Strict", SESSION_COOKIE_HTTPONLY=True,
                      WTF_CSRF_TIME_LIMIT=None, ACCESS_TOKEN=token)
    CSRFProtect(app)

    @app.before_request
    def only_the_people_meant_to():
        if loopback_only and request.host.rsplit(":", 1)[0] not in LOOPBACK_NAMES:
            abort(403, "This app answers only to this computer (http://127.0.0.1).")
        if not token:
            return None
        given = request.args.get("token")
        if given is not None:
            if not hmac.compare_digest(given.encode(), token.encode()):
                abort(403, "That access token is not this app's; use the address `serve` "
                           "printed.")
            session["access"] = True
            return redirect(request.path)   # the token leaves the address bar and history
        if not session.get("access"):
            abort(403, "Open this app with the address `iop-handouts serve` printed: it "
                       "holds the access token.")
        return None

    @app.after_request
    def safe_headers(response):
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers.setdefault("Cache-Control", "no-store")
        return response
