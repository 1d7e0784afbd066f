"""A Greenhouse connection's configuration, typed: read from the connection's decrypted
credentials at the moment of a call, the client secret kept as a secret (never in a repr, a log
or an error)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError

from app.integrations.ats.base import Credentials, VendorError


class GreenhouseConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    # Harvest v3 OAuth 2.0 client credentials.
    client_id: str
    client_secret: SecretStr
    # A Greenhouse user id: the token's `sub` and the author of notes we write.
    user_id: str | None = None
    # The token endpoint, when not <scheme://host of base_url>/token.
    token_url: str | None = None
    base_url: str | None = None  # the API root, when not https://harvest.greenhouse.io/v3

    @classmethod
    def of(cls, credentials: Credentials) -> GreenhouseConfig:
        """A missing or empty credential is the connection's fault: a permanent error naming it."""
        values = {key: value for key, value in credentials.values.items() if value}
        try:
            return cls.model_validate({**values, "base_url": credentials.base_url})
        except ValidationError as exc:
            names = ", ".join(str(error["loc"][0]) for error in exc.errors() if error["loc"])
            raise VendorError(
                f"the connection's credentials lack {names or 'a required value'}", transient=False
            ) from None
