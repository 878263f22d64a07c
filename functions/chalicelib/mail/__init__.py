"""Email in and out: post and reply by email, notifications, and digests.

In: `message` reads a message with the standard library (`email`, policy `default`), `quotes`
strips what a reply quotes, `automatic` recognises mail no person wrote, `verdicts` reads what
SES found about the sender, `addresses` and `tokens` say what the message is addressed to, and
`intake` decides and acts, through the same post services as the web.

Out: `compose` builds the messages, `notifications` and `digest` decide who gets what,
`preferences` are each person's choices, and `sending` hands mail to SES. Storage of
preferences, suppressions and answer limits is behind `persistence`.
"""
