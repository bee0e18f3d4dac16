"""A tiny real OpenAI-compatible chat-completions server for tests (stdlib only).

It listens on 127.0.0.1 on a free port and speaks just enough of the protocol for the
``openai`` client: ``POST /v1/chat/completions`` (streamed as server-sent events or as
one JSON body) and ``GET /v1/models``. Tests set the behaviour through attributes —
``reply``, ``delay``, ``status``, ``malformed``, ``close``, ``stream_mode`` — and read ``requests``::

    with OpenAIStub(reply="比例达到15%以上[1]。") as stub:
        settings = Settings(llm_base_url=stub.url, llm_model="stub")
        ...
        assert stub.requests[-1]["body"]["stream"] is True
"""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class OpenAIStub:
    def __init__(self, reply: str = "", *, delay: float = 0.0, status: int = 200,
                 malformed: bool = False, close: bool = False, chunk_chars: int = 4,
                 stream_mode: str = "sse", piece_delay: float = 0.0) -> None:
        self.reply = reply                # the assistant's text
        self.delay = delay                # seconds before the first byte of the response
        self.status = status              # e.g. 500 answers with an OpenAI-style error body
        self.malformed = malformed        # send invalid JSON instead of a completion
        self.close = close                # drop the connection without any response
        self.chunk_chars = chunk_chars    # characters per streamed delta
        # "sse": streams when asked; "json": always one JSON body; "refuse": HTTP 400 to a stream request;
        # "stall": stream headers, then nothing (the connection stays open); "endless": the reply's pieces
        # again and again, never "[DONE]" (each after ``piece_delay`` seconds)
        self.stream_mode = stream_mode
        self.piece_delay = piece_delay    # seconds between streamed deltas ("trickle" when > 0)
        self.streamed: list[str] = []     # every delta sent, in order (what a client could have shown)
        self.requests: list[dict] = []    # {"method", "path", "headers" (lower-case names), "body"}
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The base URL to configure (``.../v1``)."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> OpenAIStub:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()          # wakes handlers sleeping in a delay
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> OpenAIStub:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def messages(self, index: int = -1) -> list[dict]:
        """The chat messages of a recorded request (the last one by default)."""
        return self.requests[index]["body"]["messages"]

    def wait(self, seconds: float) -> None:
        self._stopping.wait(seconds)


def _handler_for(stub: OpenAIStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:   # keep test output clean
            pass

        def do_GET(self) -> None:
            self._record(None)
            if self.path.rstrip("/") != "/v1/models":
                return self._send_json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})
            self._send_json(200, {"object": "list", "data": [
                {"id": "stub-model", "object": "model", "created": 0, "owned_by": "stub"}]})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = {"unparsed": raw.decode("utf-8", "replace")}
            self._record(body)
            stub.wait(stub.delay)
            try:
                self._respond(body)
            except (BrokenPipeError, ConnectionResetError):   # the client gave up (e.g. its timeout)
                self.close_connection = True

        def _respond(self, body: dict) -> None:
            if stub.close:
                self.close_connection = True
                return
            if self.path.rstrip("/") != "/v1/chat/completions":
                return self._send_json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})
            if stub.status != 200:
                return self._send_json(stub.status, {"error": {"message": "stub failure", "type": "server_error"}})
            model = body.get("model", "stub-model")
            if body.get("stream") and stub.stream_mode == "refuse":
                return self._send_json(400, {"error": {"message": "stream is not supported",
                                                       "type": "invalid_request_error"}})
            if body.get("stream") and stub.stream_mode in ("sse", "stall", "endless"):
                return self._stream(model)
            if stub.malformed:
                return self._send(200, "application/json", b'{"choices": [{"message": ')
            self._send_json(200, {
                "id": "chatcmpl-stub", "object": "chat.completion", "created": 0, "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": stub.reply},
                             "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            })

        def _stream(self, model: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True    # the end of the body is the end of the connection
            if stub.malformed:
                self._event('{"id": "chatcmpl-stub", "choices": [{"delta": {"content": ')
                return
            if stub.stream_mode == "stall":
                stub.wait(3600)      # until the stub stops: the client must give up by itself
                return
            pieces = [stub.reply[i:i + stub.chunk_chars] for i in range(0, len(stub.reply), stub.chunk_chars)]
            n = 0
            while True:
                for piece in pieces:
                    if stub.piece_delay:
                        stub.wait(stub.piece_delay)
                    if stub._stopping.is_set():
                        return
                    delta = {"role": "assistant", "content": piece} if n == 0 else {"content": piece}
                    self._event(json.dumps(_chunk(model, delta, None), ensure_ascii=False))
                    stub.streamed.append(piece)
                    n += 1
                if stub.stream_mode != "endless":
                    break
            self._event(json.dumps(_chunk(model, {}, "stop")))
            self._event("[DONE]")

        def _event(self, data: str) -> None:
            self.wfile.write(f"data: {data}\n\n".encode("utf-8"))
            self.wfile.flush()

        def _send_json(self, status: int, payload: dict) -> None:
            self._send(status, "application/json", json.dumps(payload, ensure_ascii=False).encode("utf-8"))

        def _send(self, status: int, content_type: str, data: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _record(self, body: dict | None) -> None:
            stub.requests.append({"method": self.command, "path": self.path,
                                  "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})

    return Handler


def _chunk(model: str, delta: dict, finish_reason: str | None) -> dict:
    return {"id": "chatcmpl-stub", "object": "chat.completion.chunk", "created": 0, "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]}
