"""Signals about accounts that other features act on, without importing each other."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent inside the transaction that closes an account, with `user_id=`; receivers delete or
# scrub what the account owned, in that same transaction.
account_closed = _signals.signal("account-closed")
