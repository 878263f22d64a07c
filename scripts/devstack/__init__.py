"""The local dev stack, shaped like production (`make dev`, the integration and browser tests, the benchmarks).

- `server`: the dev server, one origin for the built hub, `/auth` and `/api` (`python -m devstack`);
- `edge_function` (+ `edge_function.mjs`): the stack's CloudFront viewer-request Function, run by Node;
- `dev_idp`: the dev identity provider (oidc-provider on Node, installed by `npm ci` in its folder);
- `local_aws`: moto's server as local DynamoDB, in a child process;
- `processes`: free ports, and stopping the child servers.
"""
