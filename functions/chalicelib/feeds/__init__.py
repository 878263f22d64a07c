"""Private Atom feeds: each person's signed feed links (the organisation's and each space's), what
a feed shows them, and revoking every link at once."""
