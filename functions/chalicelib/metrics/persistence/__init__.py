"""Reading the metrics behind one seam: `base` (the interface), `dynamodb` (PynamoDB) and `memory`.
They are written by the posts stores, in each write's own transaction (`chalicelib.metrics.rules`)."""
