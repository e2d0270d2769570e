"""Comparison studies (国内外先进标准比对): the domain, without I/O. See model.py for the vocabulary."""
