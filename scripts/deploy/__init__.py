"""Deploying Commons to AWS: one CloudFormation stack per stage, and the hub published to it.

    python -m deploy package                      # make package: build/deploy/{template.json,deployment.zip}
    python -m deploy deploy --stage NAME [--dry-run]   # make deploy STAGE=NAME [DRY_RUN=1]
    python -m deploy secrets --stage NAME          # make secrets STAGE=NAME

docs/deploy.md is the guide. Every refusal is one line on stderr and exit status 1.
"""
