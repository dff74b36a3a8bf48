"""A synthetic AWS Organization served from a process of its own, for benchmarks/organization.py.

50 accounts x 4 regions x 500 functions is 100,000 function configurations: moto (the
sandbox) keeps each function with its code, its IAM checks and its history, far past the
memory and seeding time a benchmark can spend, so this process serves the organization from
arithmetic instead. It answers exactly what the engine sends, shaped as AWS shapes it:

- STS GetCallerIdentity and AssumeRole (query protocol, XML); the keys AssumeRole hands out
  name their account, so every later request is served as that account;
- Organizations ListAccounts (JSON 1.1), 20 accounts a page as AWS pages it;
- Lambda ListFunctions (``FunctionVersion=ALL``, 50 a page, ``NextMarker``), ListLayers,
  ListLayerVersions and GetLayerVersion (REST-JSON).

Every call waits ``--latency`` seconds (a round trip to AWS) and Lambda's calls are limited per
account and region (``--rate`` a second, a bucket of as many, 429 TooManyRequestsException
past it), as AWS limits them. The estate: account 0 is the management account, account 1
"platform" publishes the shared layers (otel, auth, py-common) every other account's functions
pin; each account has layers of its own, each with one version no function uses (its size
costs a GetLayerVersion, as on AWS). Its first stdout line says where it listens and what it
holds; it stops when its stdin closes.
"""

from __future__ import annotations

import argparse
import json
import re
import socket
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

MANAGEMENT = "100000000000"
SHARED_LAYERS = ("otel", "auth", "py-common")
CREATED = "2026-11-22T19:00:00.000+0000"
_CREDENTIAL = re.compile(r"Credential=([^/]+)/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/")


def account_id(index: int) -> str:
    return str(int(MANAGEMENT) + index)


class Estate:
    """The organization as arithmetic: nothing per function is stored."""

    def __init__(self, accounts: int, regions: list[str], functions: int, layers: int,
                 versions: int) -> None:
        self.accounts = [account_id(i) for i in range(accounts)]
        self.regions = regions
        self.functions = functions
        self.layers = layers
        self.versions = versions
        self.platform = self.accounts[1] if accounts > 1 else self.accounts[0]

    def layer_names(self, account: str) -> list[str]:
        own = [f"lib-{n:02d}" for n in range(self.layers)]
        return (list(SHARED_LAYERS) + own) if account == self.platform else own

    def layer_arn(self, region: str, account: str, name: str) -> str:
        return f"arn:aws:lambda:{region}:{account}:layer:{name}"

    def function(self, region: str, account: str, index: int) -> dict[str, Any]:
        name = f"svc-{index:04d}"
        # Own layer index % layers, at a version above 1 (version 1 is nobody's): drift.
        own = f"lib-{index % self.layers:02d}"
        own_version = 2 + (index // self.layers) % (self.versions - 1)
        layers = [{"Arn": f"{self.layer_arn(region, account, own)}:{own_version}",
                   "CodeSize": 40_000 + own_version}]
        if account != self.platform:
            shared = SHARED_LAYERS[index % len(SHARED_LAYERS)]
            version = 1 + index % self.versions
            layers.insert(0, {"Arn": f"{self.layer_arn(region, self.platform, shared)}:"
                                     f"{version}", "CodeSize": 90_000 + version})
        return {
            "FunctionName": name,
            "FunctionArn": f"arn:aws:lambda:{region}:{account}:function:{name}:$LATEST",
            "Runtime": "python3.12", "Role": f"arn:aws:iam::{account}:role/svc",
            "Handler": "app.handler", "CodeSize": 2_000_000 + index, "Description": "",
            "Timeout": 30, "MemorySize": 512, "LastModified": CREATED,
            "CodeSha256": "c2hhMjU2IG9mIHRoZSBmdW5jdGlvbiBjb2Rl", "Version": "$LATEST",
            "TracingConfig": {"Mode": "PassThrough"}, "RevisionId": f"r-{index}",
            "Layers": layers, "State": "Active", "LastUpdateStatus": "Successful",
            "PackageType": "Zip", "Architectures": ["x86_64"],
            "EphemeralStorage": {"Size": 512},
            "LoggingConfig": {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"},
        }

    def version(self, region: str, account: str, name: str, number: int) -> dict[str, Any]:
        arn = self.layer_arn(region, account, name)
        return {"LayerVersionArn": f"{arn}:{number}", "Version": number,
                "Description": f"{name} build {number}", "CreatedDate": CREATED,
                "CompatibleRuntimes": ["python3.12"], "CompatibleArchitectures": ["x86_64"],
                "LicenseInfo": "MIT"}


class Bucket:
    """AWS's per account x region limit: ``rate`` a second, a bucket of as many."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.tokens = rate
        self.updated = time.monotonic()
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.rate, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            if self.tokens >= 1:
                self.tokens -= 1
                return True
            return False


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: OrgServer

    def log_message(self, *_: Any) -> None:
        return None

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in two writes: without this, Nagle's algorithm and the
        # client's delayed ACK add 40 ms to every call on a kept-alive connection.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        match = _CREDENTIAL.search(self.headers.get("Authorization") or "")
        key, region, service = match.groups() if match else ("", "us-east-1", "")
        account = key[4:] if key.startswith("ASIA") else MANAGEMENT
        server = self.server
        operation = self._operation(service, body)
        with server.count_lock:
            server.calls += 1
            server.by_operation[operation] = server.by_operation.get(operation, 0) + 1
        time.sleep(server.latency)
        if service == "lambda" and not server.bucket(account, region).take():
            with server.count_lock:
                server.throttled += 1
            self._json(429, {"message": "Rate exceeded"}, "TooManyRequestsException")
            return
        if service == "sts":
            self._sts(parse_qs(body.decode()), account)
        elif service == "organizations":
            self._accounts(json.loads(body or b"{}"))
        elif service == "lambda":
            self._lambda(region, account)
        else:
            self._json(400, {"message": f"{service} is not served here"}, "UnknownService")

    def _operation(self, service: str, body: bytes) -> str:
        """What the call is, for the counts (AWS's operation names)."""
        if service == "lambda":
            path = urlparse(self.path).path.rstrip("/").split("/")
            if path[-1] == "functions":
                return "ListFunctions"
            if path[-1] == "layers":
                return "ListLayers"
            return "ListLayerVersions" if path[-1] == "versions" else "GetLayerVersion"
        if service == "organizations":
            return str(self.headers.get("X-Amz-Target", "").rsplit(".", 1)[-1])
        return parse_qs(body.decode()).get("Action", [service])[0]

    def _sts(self, form: dict[str, list[str]], account: str) -> None:
        action = form.get("Action", [""])[0]
        ns = 'xmlns="https://sts.amazonaws.com/doc/2011-06-15/"'
        meta = "<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>"
        if action == "AssumeRole":
            target = form["RoleArn"][0].split(":")[4]
            expires = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
            result = (f"<Credentials><AccessKeyId>ASIA{target}</AccessKeyId><SecretAccessKey>s"
                      f"</SecretAccessKey><SessionToken>t</SessionToken><Expiration>{expires}"
                      f"</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROA:b"
                      f"</AssumedRoleId><Arn>arn:aws:sts::{target}:assumed-role/r/b</Arn>"
                      "</AssumedRoleUser>")
        else:
            result = (f"<Arn>arn:aws:iam::{account}:user/bench</Arn><UserId>AIDA</UserId>"
                      f"<Account>{account}</Account>")
        xml = f"<{action}Response {ns}><{action}Result>{result}</{action}Result>{meta}" \
              f"</{action}Response>"
        self._send(200, xml.encode(), "text/xml")

    def _accounts(self, request: dict[str, Any]) -> None:
        start = int(request.get("NextToken") or 0)
        every = self.server.estate.accounts
        page = every[start:start + 20]
        names = {MANAGEMENT: "management", self.server.estate.platform: "platform"}
        reply: dict[str, Any] = {"Accounts": [
            {"Id": a, "Arn": f"arn:aws:organizations::{MANAGEMENT}:account/o-bench/{a}",
             "Email": f"{a}@example.com", "Name": names.get(a, f"workload-{a[-3:]}"),
             "Status": "ACTIVE", "State": "ACTIVE", "JoinedMethod": "CREATED",
             "JoinedTimestamp": 1.7e9} for a in page]}
        if start + 20 < len(every):
            reply["NextToken"] = str(start + 20)
        self._json(200, reply)

    def _lambda(self, region: str, account: str) -> None:
        url = urlparse(self.path)
        query = parse_qs(url.query)
        path = unquote(url.path).rstrip("/")
        estate = self.server.estate
        marker = int(query.get("Marker", ["0"])[0] or 0)
        if path == "/2015-03-31/functions":
            end = min(marker + 50, estate.functions)
            reply: dict[str, Any] = {"Functions": [
                estate.function(region, account, i) for i in range(marker, end)]}
            if end < estate.functions:
                reply["NextMarker"] = str(end)
            self._json(200, reply)
            return
        if path == "/2018-10-31/layers":
            names = estate.layer_names(account)
            self._json(200, {"Layers": [
                {"LayerName": n, "LayerArn": estate.layer_arn(region, account, n),
                 "LatestMatchingVersion": estate.version(region, account, n, estate.versions)}
                for n in names]})
            return
        parts = path.split("/")  # ["", "2018-10-31", "layers", NAME, "versions", (N)]
        if len(parts) >= 5 and parts[2] == "layers" and parts[4] == "versions":
            name = parts[3]
            if len(parts) == 5:
                self._json(200, {"LayerVersions": [
                    estate.version(region, account, name, n)
                    for n in range(estate.versions, 0, -1)]})
                return
            number = int(parts[5])
            item = estate.version(region, account, name, number)
            item.update(LayerArn=estate.layer_arn(region, account, name), Content={
                "Location": f"http://127.0.0.1:9/{name}/{number}.zip",
                "CodeSha256": "bGF5ZXIgc2hhMjU2", "CodeSize": 40_000 + number})
            self._json(200, item)
            return
        self._json(404, {"message": f"{path} not found"}, "ResourceNotFoundException")

    def _json(self, status: int, payload: Any, error: str | None = None) -> None:
        headers = {"x-amzn-ErrorType": error} if error else {}
        if error:
            payload = {"__type": error, **payload}
        self._send(status, json.dumps(payload).encode(), "application/json", headers)

    def _send(self, status: int, body: bytes, kind: str,
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", "r")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


class OrgServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512

    def __init__(self, estate: Estate, latency: float, rate: float) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.estate = estate
        self.latency = latency
        self.rate = rate
        self.buckets: dict[tuple[str, str], Bucket] = {}
        self.buckets_lock = threading.Lock()
        self.count_lock = threading.Lock()
        self.calls = 0
        self.throttled = 0
        self.by_operation: dict[str, int] = {}

    def bucket(self, account: str, region: str) -> Bucket:
        with self.buckets_lock:
            return self.buckets.setdefault((account, region), Bucket(self.rate))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--regions", type=int, default=4)
    parser.add_argument("--functions", type=int, default=500, help="per account and region")
    parser.add_argument("--layers", type=int, default=8, help="own layers per account")
    parser.add_argument("--versions", type=int, default=5, help="per layer")
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--rate", type=float, default=15.0)
    args = parser.parse_args()
    regions = ["eu-north-1", "eu-west-1", "us-east-1", "us-west-2", "ap-south-1",
               "sa-east-1"][: args.regions]
    estate = Estate(args.accounts, regions, args.functions, args.layers, args.versions)
    server = OrgServer(estate, args.latency, args.rate)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(json.dumps({"endpoint": f"http://127.0.0.1:{server.server_address[1]}",
                      "management": MANAGEMENT, "platform": estate.platform,
                      "accounts": estate.accounts, "regions": regions}), flush=True)
    for line in sys.stdin:
        if line.strip() == "stats":
            print(json.dumps({"calls": server.calls, "throttled": server.throttled,
                              "cpu_s": round(time.process_time(), 2),
                              "by_operation": server.by_operation}), flush=True)
        elif line.strip() == "reset":
            server.calls = server.throttled = 0
            server.by_operation = {}
            server.buckets.clear()
            print(json.dumps({"ok": True}), flush=True)
    server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
