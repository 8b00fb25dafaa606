"""Taxes: the monthly VAT return from the books, its settlement entry, its filing adapters."""
