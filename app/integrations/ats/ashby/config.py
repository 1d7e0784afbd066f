"""An Ashby connection's configuration, typed: read from the connection's decrypted credentials
at the moment of a call, with the API key kept as a secret (never in a repr, a log or an error)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError

from app.integrations.ats.base import Credentials, VendorError


class AshbyConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    api_key: SecretStr
    # The feedback form scorecards are submitted with (applicationFeedback.submit); without it
    # a scorecard goes in as a candidate note.
    feedback_form_definition_id: str | None = None
    base_url: str | None = None  # the API root, when not https://api.ashbyhq.com

    @classmethod
    def of(cls, credentials: Credentials) -> AshbyConfig:
        """A missing or empty credential is the connection's fault: a permanent error naming it."""
        values = {key: value for key, value in credentials.values.items() if value}
        try:
            return cls.model_validate({**values, "base_url": credentials.base_url})
        except ValidationError as exc:
            names = ", ".join(str(error["loc"][0]) for error in exc.errors() if error["loc"])
            raise VendorError(
                f"the connection's credentials lack {names or 'a required value'}", transient=False
            ) from None
