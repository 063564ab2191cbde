"""The baseline: the least Django that does the same kinds of work as the product.

One model, a form POST that inserts a row, an offset-paginated 50-row list of one agency's
rows (through an index, with the COUNT of that set), a static
template; served by gunicorn with the repository's ``gunicorn.conf.py`` on the same
PostgreSQL server (its own database). Every benchmark figure is a ratio to this app.
"""
