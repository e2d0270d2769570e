"""Typed settings and the data files (jieba user dictionary, synonyms) that tune StdWatch."""

from config.settings import Settings, get_settings

__all__ = ["Settings", "get_settings"]
