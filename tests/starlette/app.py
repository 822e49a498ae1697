"""The Starlette side of tests/starlette_diff.rs.

    python app.py STACK [STACK ...]

serves each named stack (STACKS below) under uvicorn on its own free loopback
port, all in this one process, prints one JSON line
{"starlette": version, "uvicorn": version, "ports": {stack: port}} once every
server listens, and exits when its stdin closes (so an aborted test leaves no
server behind).

Each stack is the Starlette twin of one `#[strata::stack]` in
starlette_diff.rs: the same middleware options, the same handlers
(`HANDLERS` here, `handlers()` there). The middleware is assembled as
`Starlette.build_middleware_stack` does it (ServerErrorMiddleware outermost,
then the user's middleware, then ExceptionMiddleware), around a path switch
that ignores the method, so that routing never answers 405 for a method the
corpus sends; the `slashes` stack wraps Starlette's Router instead (INNER).
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
from collections.abc import AsyncIterator

import starlette
import uvicorn
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.httpsredirect import HTTPSRedirectMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

BIG = "x" * 4000


async def chunks() -> AsyncIterator[bytes]:
    for _ in range(10):
        yield b"x" * 400


def vary_response() -> Response:
    response = PlainTextResponse(BIG, headers={"Vary": "Accept-Language"})
    response.headers.append("Vary", "Cookie")
    return response


def error_response() -> Response:
    raise RuntimeError("a handler bug")


HANDLERS = {
    "/": lambda: PlainTextResponse("Homepage"),
    "/big": lambda: PlainTextResponse(BIG),
    "/small": lambda: PlainTextResponse("OK"),
    "/vary": vary_response,
    "/svg": lambda: Response(BIG, media_type="image/svg+xml"),
    "/png": lambda: Response(BIG, media_type="image/png"),
    "/zip": lambda: Response(BIG, media_type="application/zip"),
    "/grpc": lambda: Response(BIG, media_type="application/grpc+proto"),
    "/sse": lambda: StreamingResponse(chunks(), media_type="text/event-stream"),
    "/stream": lambda: StreamingResponse(chunks()),
    "/encoded": lambda: StreamingResponse(chunks(), headers={"Content-Encoding": "text"}),
    "/partial": lambda: PlainTextResponse(
        "x" * 2000, status_code=206, headers={"Content-Range": "bytes 0-1999/4000"}
    ),
    "/unauthorized": lambda: PlainTextResponse("no", status_code=401),
    "/error": error_response,
}


async def handlers(scope: Scope, receive: Receive, send: Send) -> None:
    handler = HANDLERS.get(scope["path"])
    response = handler() if handler else PlainTextResponse("Not Found", status_code=404)
    await response(scope, receive, send)


def text(body: str):
    def endpoint(request: Request) -> Response:
        return PlainTextResponse(body)

    return endpoint


# The `slashes` stack's app: a Router with redirect_slashes (its default) and
# routes declared with and without their slash (starlette_diff.rs's slash_routes).
SLASH_ROUTES = Router(
    routes=[
        Route("/users", text("users")),
        Route("/dir/", text("dir")),
        Route("/both", text("both")),
        Route("/both/", text("both/")),
        Route("/users/{id}", text("user")),
    ]
)

# The app inside each stack's middleware, when not `handlers`.
INNER: dict[str, ASGIApp] = {"slashes": SLASH_ROUTES}

# Outermost first, as in `Starlette(middleware=[...])`.
STACKS: dict[str, list[tuple[type, dict]]] = {
    "cors_explicit": [
        (
            CORSMiddleware,
            dict(
                allow_origins=["https://example.org", "http://localhost:3000"],
                allow_credentials=True,
                allow_methods=["GET", "POST", "PUT"],
                allow_headers=["X-Example", "Content-Type"],
                expose_headers=["X-Status", "X-Request-Id"],
                max_age=300,
            ),
        )
    ],
    "cors_default": [(CORSMiddleware, dict(allow_origins=["https://example.org"]))],
    "cors_any": [
        (
            CORSMiddleware,
            dict(allow_origins=["*"], allow_headers=["*"], allow_methods=["*"], expose_headers=["X-Status"]),
        )
    ],
    "cors_any_plain": [(CORSMiddleware, dict(allow_origins=["*"]))],
    "cors_regex": [
        (
            CORSMiddleware,
            dict(
                allow_origin_regex=r"https://.*\.example\.org",
                allow_headers=["X-Example", "Content-Type"],
                allow_credentials=True,
            ),
        )
    ],
    "cors_methods_star": [
        (
            CORSMiddleware,
            dict(
                allow_origins=["https://example.org"],
                allow_origin_regex=r"https://[a-z0-9-]+\.preview\.example\.com",
                allow_methods=["*"],
                allow_headers=["*"],
            ),
        )
    ],
    # strata's order: cors wraps compression (Starlette's test_cors_vary_origin_with_gzip has it the other way).
    "cors_gzip": [
        (CORSMiddleware, dict(allow_origins=["https://allowed.example"])),
        (GZipMiddleware, dict(minimum_size=0)),
    ],
    "cors_private_network": [
        (CORSMiddleware, dict(allow_origins=["*"], allow_methods=["*"], allow_private_network=True)),
    ],
    "cors_private_network_credentials": [
        (
            CORSMiddleware,
            dict(
                allow_origins=["https://example.org"],
                allow_credentials=True,
                allow_headers=["X-Example"],
                allow_private_network=True,
            ),
        )
    ],
    "gzip": [(GZipMiddleware, dict(minimum_size=500))],
    "gzip_exclude_zip": [(GZipMiddleware, dict(exclude_content_types=("application/zip",)))],
    "gzip_exclude_nothing": [(GZipMiddleware, dict(exclude_content_types=()))],
    "slashes": [],
    "trusted_host": [
        (TrustedHostMiddleware, dict(allowed_hosts=["testserver", "*.testserver", "www.example.com", "localhost", "Example.net"]))
    ],
    # test_trusted_host_middleware_ipv6's list less "[v1.foo]", which strata refuses (S0501).
    "trusted_host_literals": [(TrustedHostMiddleware, dict(allowed_hosts=["[::1]", "api_service", "*.example.com"]))],
    "trusted_host_no_www": [
        (TrustedHostMiddleware, dict(allowed_hosts=["www.example.com", "*.testserver"], www_redirect=False))
    ],
    "https_redirect": [(HTTPSRedirectMiddleware, {})],
    "host_then_https": [
        (TrustedHostMiddleware, dict(allowed_hosts=["testserver", "*.testserver", "www.example.com"])),
        (HTTPSRedirectMiddleware, {}),
    ],
}


def build(stack: str) -> ASGIApp:
    app: ASGIApp = ExceptionMiddleware(INNER.get(stack, handlers))
    for cls, options in reversed(STACKS[stack]):
        app = cls(app, **options)
    return ServerErrorMiddleware(app)


async def main(stacks: list[str]) -> None:
    servers: list[uvicorn.Server] = []
    tasks = []
    ports = {}
    for stack in stacks:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        ports[stack] = sock.getsockname()[1]
        config = uvicorn.Config(
            build(stack),
            http="h11",
            lifespan="off",
            log_level="critical",
            access_log=False,
            # strata without `proxy` ignores X-Forwarded-*; so must uvicorn.
            proxy_headers=False,
            server_header=False,
            date_header=False,
        )
        server = uvicorn.Server(config)
        servers.append(server)
        tasks.append(asyncio.create_task(server.serve(sockets=[sock])))

    while not all(server.started for server in servers):
        if any(task.done() for task in tasks):
            for task in tasks:
                if task.done():
                    task.result()
            sys.exit("a uvicorn server stopped during start-up")
        await asyncio.sleep(0.01)

    print(json.dumps({"starlette": starlette.__version__, "uvicorn": uvicorn.__version__, "ports": ports}), flush=True)

    # Serve until the test closes our stdin (or dies).
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.buffer.read)
    for server in servers:
        server.should_exit = True
    await asyncio.gather(*tasks, return_exceptions=True)


if __name__ == "__main__":
    unknown = [stack for stack in sys.argv[1:] if stack not in STACKS]
    if unknown or not sys.argv[1:]:
        sys.exit(f"usage: app.py STACK [STACK ...]; unknown: {unknown}; known: {sorted(STACKS)}")
    asyncio.run(main(sys.argv[1:]))
