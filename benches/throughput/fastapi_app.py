"""The bench app of benches/common in FastAPI, behind the Starlette (and
PyPI) middlewares that strata's bench stack replaces, for benches/throughput.sh.

    python fastapi_app.py <port>

Same route (`GET /`, the same 2,021 bytes of JSON), same configuration and
the same order as `strata()` in benches/common/mod.rs, outermost first:

    request_id   asgi-correlation-id's CorrelationIdMiddleware (X-Request-ID, UUID4)
    access_log   a pure-ASGI middleware logging one INFO record per response
                 to a logger at WARNING (the Rust variants' tracing subscriber
                 enables nothing either: production above INFO)
    trusted_host Starlette's TrustedHostMiddleware
    cors         Starlette's CORSMiddleware
    compression  Starlette's GZipMiddleware, minimum_size 500, level 6
                 (strata's default level; Starlette's own default is 9)
    rate_limit   slowapi's SlowAPIASGIMiddleware, 1,000,000/second per
                 client address, in memory, X-RateLimit-* headers on
    timing       a pure-ASGI middleware adding x-process-time (4 decimals)

The two hand-written ones are pure ASGI, not `@app.middleware("http")`
(BaseHTTPMiddleware), which is slower: Python gets its best case.
Served by uvicorn on one event loop with uvloop and httptools, its
access log off (the access_log middleware above is the log).
"""

import logging
import sys
import time

import uvicorn
from asgi_correlation_id import CorrelationIdMiddleware, correlation_id
from fastapi import FastAPI, Response
from slowapi import Limiter
from slowapi.middleware import SlowAPIASGIMiddleware
from slowapi.util import get_remote_address
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware


def json_2kb() -> bytes:
    """benches/common/mod.rs `JSON_2KB`, byte for byte."""
    items = []
    length = 2
    item_id = 0
    while length < 2048 - 60:
        item = '{"id":%d,"name":"item number %d","tags":["a","b"]}' % (item_id, item_id)
        length += len(item) + 1
        items.append(item)
        item_id += 1
    return ("[" + ",".join(items) + "]").encode()


JSON_2KB = json_2kb()

access_logger = logging.getLogger("app.access")


class AccessLogMiddleware:
    """One INFO record per request at the response head: request ID,
    method, path, status, duration in ms, client IP."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start = time.perf_counter()

        async def send_logged(message):
            if message["type"] == "http.response.start":
                client = scope.get("client")
                access_logger.info(
                    "request",
                    extra={
                        "request_id": correlation_id.get(),
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": message["status"],
                        "duration_ms": (time.perf_counter() - start) * 1000.0,
                        "client_ip": client[0] if client else None,
                    },
                )
            await send(message)

        await self.app(scope, receive, send_logged)


class TimingMiddleware:
    """`x-process-time`: seconds with four decimals, at the response head."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start = time.perf_counter()

        async def send_timed(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.append("x-process-time", f"{time.perf_counter() - start:.4f}")
            await send(message)

        await self.app(scope, receive, send_timed)


limiter = Limiter(
    key_func=get_remote_address,
    default_limits=["1000000/second"],
    headers_enabled=True,
    storage_uri="memory://",
)

app = FastAPI(
    openapi_url=None,
    docs_url=None,
    redoc_url=None,
    # Outermost first (Starlette builds the stack from this list in order).
    middleware=[
        Middleware(CorrelationIdMiddleware, header_name="X-Request-ID"),
        Middleware(AccessLogMiddleware),
        Middleware(TrustedHostMiddleware, allowed_hosts=["api.example.com", "*.example.com", "localhost"]),
        Middleware(
            CORSMiddleware,
            allow_origins=["https://app.example.com"],
            allow_credentials=True,
            allow_methods=["GET", "POST"],
            allow_headers=["authorization", "content-type"],
            expose_headers=["x-request-id"],
            max_age=600,
        ),
        Middleware(GZipMiddleware, minimum_size=500, compresslevel=6),
        Middleware(SlowAPIASGIMiddleware),
        Middleware(TimingMiddleware),
    ],
)
app.state.limiter = limiter


@app.get("/")
async def root() -> Response:
    return Response(content=JSON_2KB, media_type="application/json")


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_level="warning",
    )
