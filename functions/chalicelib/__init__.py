"""Commons' domain code for the Lambda functions. `app.py` only wires routes to these modules."""
