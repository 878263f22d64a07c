"""Storage of mail: `base` (the interface), `dynamodb` (PynamoDB, in the one table) and `memory`."""
