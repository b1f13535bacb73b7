"""The two transports: :mod:`.sync` (requests) and :mod:`.aio` (httpx). Only the socket differs; the retry
loop, paging and the delivery summary come from :mod:`airflow_provider_every8d.protocol.driver`, the
shared logs and the way out from :mod:`.core`."""
