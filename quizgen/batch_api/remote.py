"""OpenAI's Files and Batch APIs through the `openai` client, with one-line errors.

Every call is retried by the client itself (connection errors, 408/409/429/5xx, with its own
backoff); what still fails becomes a `QuizgenError` whose message names what was being done
and never holds the API key. A 404 on the batches endpoint means the server has no Batch API
(`probe`); a 404 for one batch id means the id is unknown to this server and key.
"""

from __future__ import annotations

from typing import Any

import openai

from quizgen.batch_api.jsonl import ENDPOINT
from quizgen.errors import ConfigError, InputError, ProviderError, one_line

DEFAULT_TIMEOUT = 120.0
DEFAULT_RETRIES = 4
TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})


class BatchRemote:
    """The account's Files and Batch APIs at one base URL."""

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str | None,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_RETRIES,
    ) -> None:
        self.base_url = base_url
        self._api_key = api_key
        self._client = openai.OpenAI(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries
        )

    @property
    def where(self) -> str:
        return self.base_url or "api.openai.com"

    def close(self) -> None:
        self._client.close()

    def probe(self) -> None:
        """Refuse a server without the Batch API before anything is sent: one list request."""
        try:
            self._client.batches.list(limit=1)
        except openai.NotFoundError:
            raise ConfigError(
                f"{self.where} has no OpenAI Batch API (GET /batches answered 404); run "
                'without --batch-api, or set [llm] mode = "sync" in the spec'
            ) from None
        except openai.APIError as exc:
            raise self._error("checking for the Batch API", exc) from None

    def upload(self, data: bytes, filename: str) -> str:
        try:
            uploaded = self._client.files.create(file=(filename, data), purpose="batch")
        except openai.APIError as exc:
            raise self._error(f"uploading {filename}", exc) from None
        return uploaded.id

    def create(self, input_file_id: str, metadata: dict[str, str]) -> Any:
        try:
            return self._client.batches.create(
                input_file_id=input_file_id,
                endpoint=ENDPOINT,  # type: ignore[arg-type]  # a literal the client lists
                completion_window="24h",
                metadata=metadata,
            )
        except openai.APIError as exc:
            raise self._error(f"creating a batch from {input_file_id}", exc) from None

    def find(self, metadata_key: str, value: str, *, pages: int = 5) -> Any | None:
        """The newest batch whose metadata has `metadata_key` = `value`, among the latest
        `pages` × 100: a job created just before a process was killed, so it is adopted, not
        created twice."""
        after: str | None = None
        try:
            for _ in range(pages):
                page = self._client.batches.list(limit=100, **({"after": after} if after else {}))
                for batch in page.data:
                    if (batch.metadata or {}).get(metadata_key) == value:
                        return batch
                if not page.has_more or not page.data:
                    return None
                after = page.data[-1].id
        except openai.APIError as exc:
            raise self._error("listing batches", exc) from None
        return None

    def retrieve(self, batch_id: str) -> Any:
        try:
            return self._client.batches.retrieve(batch_id)
        except openai.NotFoundError:
            raise InputError(
                f"batch {batch_id} is unknown to {self.where} (404): it was made with another "
                "key or server; set OPENAI_API_KEY / --base-url to the ones that created it"
            ) from None
        except openai.APIError as exc:
            raise self._error(f"reading batch {batch_id}", exc) from None

    def cancel(self, batch_id: str) -> Any:
        try:
            return self._client.batches.cancel(batch_id)
        except openai.ConflictError:
            return self.retrieve(batch_id)  # it finished meanwhile
        except openai.NotFoundError:
            return self.retrieve(batch_id)
        except openai.APIError as exc:
            raise self._error(f"cancelling batch {batch_id}", exc) from None

    def content(self, file_id: str) -> str:
        try:
            return self._client.files.content(file_id).text
        except openai.APIError as exc:
            raise self._error(f"downloading file {file_id}", exc) from None

    def _error(self, doing: str, exc: openai.APIError) -> ProviderError | ConfigError:
        if isinstance(exc, openai.AuthenticationError):
            return ConfigError(
                f"{doing}: the API key was refused (401); check OPENAI_API_KEY or [openai] "
                "api_key in the config file"
            )
        if isinstance(exc, openai.APIConnectionError):
            detail = f"cannot connect to {self.where}"
        else:
            status = getattr(exc, "status_code", None)
            body = exc.body
            message = ""
            if isinstance(body, dict):
                message = str(body.get("message") or "")
            detail = f"HTTP {status}: {message}" if message else f"HTTP {status}"
        return ProviderError(one_line(f"{doing}: {detail}", secret=self._api_key), transient=True)
