"""Security headers: who may frame which page, and a same-origin-only content policy.

`/embed` may be framed by the origins in `Settings.frame_ancestors` (default: any), so a teacher
can put it on a slide; every other path only by the app itself. The content policy also keeps
the promise that a page loads nothing from another origin (classrooms are often offline).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Plotly sets inline styles on its SVG, hence 'unsafe-inline' for styles only; scripts are ours.
CONTENT_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                  "img-src 'self' data: blob:; connect-src 'self'; font-src 'self' data:; "
                  "object-src 'none'; base-uri 'self'")


class FrameHeaders:
    def __init__(self, app: ASGIApp, frame_ancestors: str, embed_paths: tuple[str, ...] = ("/embed",)) -> None:
        self.app, self.embed_paths = app, embed_paths
        self.embed_ancestors = frame_ancestors.strip() or "*"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        root = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root):] or "/"
        embeddable = path in self.embed_paths

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-frame-options"]
                ancestors = self.embed_ancestors if embeddable else "'self'"
                headers.append((b"content-security-policy",
                                f"{CONTENT_POLICY}; frame-ancestors {ancestors}".encode()))
                headers.append((b"x-content-type-options", b"nosniff"))
                headers.append((b"referrer-policy", b"same-origin"))
                if not embeddable:
                    headers.append((b"x-frame-options", b"SAMEORIGIN"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
