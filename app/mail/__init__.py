"""Outgoing mail, never lost and never waited for.

- models.py      the outbox: one row per message, written in the transaction that causes it.
- outbox.py      queue a message (and refuse when MAIL_URL=disabled).
- messages.py    the messages this app sends: plain text and HTML, links from PUBLIC_BASE_URL.
- transports.py  MAIL_URL as a transport: SMTP (STARTTLS, SMTPS, credentials) or the console.
- sender.py      delivers due rows, with retries and backoff; `flask mail deliver [--watch]`
                 (commands.py), or a thread of the development server (in_process.py).
"""
