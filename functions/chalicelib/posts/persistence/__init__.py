"""Storage of posts behind one seam: `base` (the interface), `dynamodb` (PynamoDB) and `memory`."""
