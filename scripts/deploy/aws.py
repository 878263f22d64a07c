"""AWS clients for the deploy commands, in the stage's region, with the deployer's credentials.

Credentials come from the usual places (environment, profile, SSO, the CI's OIDC role). The tests
point every client at moto's server with `AWS_ENDPOINT_URL`, which boto3 honours itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from deploy.errors import DeployError


@dataclass
class Aws:
    region: str
    _session: Any = field(default=None, repr=False)
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def session(self) -> Any:
        if self._session is None:
            import boto3

            self._session = boto3.session.Session(region_name=self.region)
        return self._session

    def client(self, service: str) -> Any:
        if service not in self._clients:
            from botocore.config import Config

            config = Config(retries={"max_attempts": 8, "mode": "standard"}, user_agent_extra="commons-deploy")
            # CloudFront's API has one endpoint, in us-east-1, whatever the stack's region.
            region = "us-east-1" if service == "cloudfront" else self.region
            self._clients[service] = self.session.client(service, region_name=region, config=config)
        return self._clients[service]

    def account(self) -> str:
        """The account the credentials belong to; refuses clearly when there are none or AWS
        does not accept them."""
        from botocore.exceptions import BotoCoreError, ClientError

        if self.session.get_credentials() is None:
            raise DeployError(
                "no AWS credentials: sign in (aws sso login, or AWS_PROFILE) or, in CI, assume the deploy role; "
                "docs/deploy.md says which permissions it needs"
            )
        try:
            identity = self.client("sts").get_caller_identity()
        except ClientError as exc:
            error = exc.response.get("Error", {})
            raise DeployError(f"AWS refused the credentials: {error.get('Code')}: {error.get('Message')}") from exc
        except BotoCoreError as exc:
            raise DeployError(f"could not reach AWS to check the credentials: {exc}") from exc
        return str(identity["Account"])
