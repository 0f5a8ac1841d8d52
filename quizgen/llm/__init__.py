"""LLM adapters: the protocol in `base`, one module per provider, and the factory below."""

from __future__ import annotations

from quizgen.llm.base import LLMAdapter

PROVIDERS = ("mock", "openai")


def make_adapter(
    provider: str,
    *,
    model: str,
    temperature: float | None = None,
    base_url: str | None = None,
) -> LLMAdapter:
    """The adapter for `provider`; a missing key or unknown provider is a `ConfigError` now,
    before any batch starts — never a silent fall-back to the mock."""
    from quizgen.errors import ConfigError

    if provider == "mock":
        from quizgen.llm.mock import MockAdapter

        return MockAdapter.from_env()
    if provider == "openai":
        from quizgen.settings import load_settings

        secret = load_settings().openai.api_key
        api_key = secret.get_secret_value() if secret is not None else ""
        if not api_key:
            raise ConfigError(
                "the openai provider needs an API key: set OPENAI_API_KEY (or api_key under "
                "[openai] in the config file), or run offline with --provider mock"
            )
        from quizgen.llm.openai import OpenAIAdapter

        return OpenAIAdapter.from_settings(
            api_key=api_key, model=model, temperature=temperature, base_url=base_url
        )
    raise ConfigError(f"unknown provider {provider!r}; choose one of: {', '.join(PROVIDERS)}")
