"""A Lever connection's configuration, typed: read from the connection's decrypted credentials
at the moment of a call, with the API key kept as a secret (never in a repr, a log or an error)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError

from app.integrations.ats.base import Credentials, VendorError


class LeverConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    api_key: SecretStr
    # A Lever user id sent as `perform_as` on writes, so they are attributed to that user.
    perform_as: str | None = None
    base_url: str | None = None  # the API root, when not https://api.lever.co/v1

    @classmethod
    def of(cls, credentials: Credentials) -> LeverConfig:
        """A missing or empty credential is the connection's fault: a permanent error naming it."""
        values = {key: value for key, value in credentials.values.items() if value}
        try:
            return cls.model_validate({**values, "base_url": credentials.base_url})
        except ValidationError as exc:
            names = ", ".join(str(error["loc"][0]) for error in exc.errors() if error["loc"])
            raise VendorError(
                f"the connection's credentials lack {names or 'a required value'}", transient=False
            ) from None
