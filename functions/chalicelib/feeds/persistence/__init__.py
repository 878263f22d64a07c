"""Storage of feeds: `base` (the interface), `dynamodb` (PynamoDB, in the one table) and `memory`."""
