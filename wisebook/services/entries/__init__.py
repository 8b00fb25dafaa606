"""Entries: saving and posting them, browsing them, the balance table, and sealing (the
one numbering and hash-chain path)."""
