"""S3 for tests: moto in server mode on a loopback port, and an Airflow connection to it.

moto answers S3's REST API over HTTP, so the pipeline goes through the same stack as in
production: ``ObjectStoragePath`` -> the Amazon provider's connection -> s3fs ->
aiobotocore -> HTTP. Only the store behind the endpoint is moto's. It cannot reproduce
S3's latency, throttling (503 SlowDown), IAM policies or real object-lock and
versioning behaviour under concurrent writers.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from moto.server import ThreadedMotoServer

CONN_ID = "grenzenlos_s3"
"""The Airflow connection the tests' ``s3://grenzenlos_s3@bucket/...`` URLs name."""
REGION = "us-east-1"
ACCESS_KEY = "testing-access-key"
SECRET_KEY = "testing-secret-key"


class S3Server:
    """moto's S3 on ``127.0.0.1`` and a free port; `endpoint_url` is what a client needs."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        self._server: ThreadedMotoServer = ThreadedMotoServer(
            ip_address="127.0.0.1", port=0, verbose=False
        )
        self.endpoint_url = ""

    def start(self) -> S3Server:
        # werkzeug logs every request at INFO; a run makes hundreds.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"
        return self

    def stop(self) -> None:
        self._server.stop()

    def connection(self) -> str:
        """The Airflow AWS connection for this server, as ``AIRFLOW_CONN_<ID>`` JSON."""
        return json.dumps(
            {
                "conn_type": "aws",
                "login": ACCESS_KEY,
                "password": SECRET_KEY,
                "extra": {"endpoint_url": self.endpoint_url, "region_name": REGION},
            }
        )

    def client(self) -> Any:
        """A boto3 S3 client against this server (for setting up and reading back)."""
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )

    def create_bucket(self) -> S3Bucket:
        """A new, empty bucket with a unique name."""
        bucket = S3Bucket(self.client(), f"grenzenlos-{uuid.uuid4().hex[:12]}")
        bucket.client.create_bucket(Bucket=bucket.name)
        return bucket


class S3Bucket:
    """One bucket, read back with boto3 (not through the code under test)."""

    def __init__(self, client: Any, name: str) -> None:
        self.client = client
        self.name = name

    def url(self, key: str = "") -> str:
        """``s3://<conn id>@<bucket>/<key>``: the form ObjectStoragePath resolves."""
        return f"s3://{CONN_ID}@{self.name}/{key}".rstrip("/")

    def keys(self, prefix: str = "") -> list[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        return sorted(
            item["Key"]
            for page in paginator.paginate(Bucket=self.name, Prefix=prefix)
            for item in page.get("Contents", [])
        )

    def read(self, key: str) -> bytes:
        body: bytes = self.client.get_object(Bucket=self.name, Key=key)["Body"].read()
        return body

    def delete(self) -> None:
        """Remove every object, then the bucket."""
        for key in self.keys():
            self.client.delete_object(Bucket=self.name, Key=key)
        self.client.delete_bucket(Bucket=self.name)
