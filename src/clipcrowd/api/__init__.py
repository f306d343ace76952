"""HTTP layer: FastAPI routers in the requester dialect, a worker API, and auth dependencies."""
