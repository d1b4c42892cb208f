"""Packaged default templates and assets of the show's web site (Jinja2, CSS, JS).

A show overrides any of them by putting a file of the same name in ``<templates>/site/``.
"""
