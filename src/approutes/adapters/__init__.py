"""Adapters that run a project on hosts that are not ASGI servers.

`approutes.adapters.aws_lambda` serves it on AWS Lambda (behind API Gateway, a function URL
or an Application Load Balancer). Each adapter wraps `create_app(root)` and nothing else, and
imports the library it stands on only when used, so `import approutes` never pays for it.
"""

__all__: list[str] = []
