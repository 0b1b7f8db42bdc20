"""An MCP server written by hand, line by line, for what polite servers never do.

``python raw_server.py pages``: lists its tools over two pages, and answers every call with a
result that breaks the protocol. ``refuse``: refuses the handshake. ``garbled``: answers the
handshake with a result that is not one.
"""

from __future__ import annotations

import json
import sys


def _answer(request: dict[str, object], mode: str) -> dict[str, object]:
    method = request["method"]
    if method == "initialize":
        if mode == "refuse":
            return {"error": {"code": -32602, "message": "Unsupported protocol version"}}
        if mode == "garbled":
            return {"result": {"hello": "world"}}
        params = request["params"]
        assert isinstance(params, dict)
        return {
            "result": {
                "protocolVersion": params["protocolVersion"],
                "capabilities": {"tools": {}},
                "serverInfo": {"name": "raw", "version": "1"},
            }
        }
    if method == "tools/list":
        params = request.get("params") or {}
        assert isinstance(params, dict)
        if params.get("cursor") == "page-2":
            return {"result": {"tools": [_tool("second")]}}
        return {"result": {"tools": [_tool("first")], "nextCursor": "page-2"}}
    return {"result": {"content": "not a list", "isError": "maybe"}}


def _tool(name: str) -> dict[str, object]:
    return {"name": name, "inputSchema": {"type": "object"}}


def main() -> None:
    mode = sys.argv[1]
    for line in sys.stdin:
        request = json.loads(line)
        if "id" not in request:
            continue  # a notification
        reply = {"jsonrpc": "2.0", "id": request["id"], **_answer(request, mode)}
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    main()
