"""The Python SDK: `Client` for requesters, `WorkerClient` for the worker API.

>>> from clipcrowd.client import Client
>>> client = Client("http://127.0.0.1:8080", token="ccr_...")  # doctest: +SKIP
>>> pool = client.create_pool({...})  # doctest: +SKIP
"""

from clipcrowd.client.errors import ApiError
from clipcrowd.client.requester import Client
from clipcrowd.client.worker import AsyncWorkerClient, WorkerClient

__all__ = ["ApiError", "AsyncWorkerClient", "Client", "WorkerClient"]
