"""Metrics: what each space and the organisation achieve, who takes part and how fast questions
are answered, per ISO week; counted in the posts store's own writes (`rules`), read behind
`persistence`, answered by `api` and `pages`."""
