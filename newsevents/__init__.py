"""Python entry point for analysts: ``newsevents.connect()`` returns a DuckDB connection to a release.

    import newsevents
    con = newsevents.connect()                                          # newest local release
    con = newsevents.connect(release="2024.04.03")                      # a named one
    con = newsevents.connect(source="https://example.org/releases")     # queried in place over HTTP
    con.sql("SELECT event_type, count(*) FROM events GROUP BY ALL").show()
"""

from flows.query import connect

__all__ = ["connect"]
