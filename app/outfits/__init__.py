"""Outfits: a user's named sets of catalogue items; the object rule decides who touches each."""
