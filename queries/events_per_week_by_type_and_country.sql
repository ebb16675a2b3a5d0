-- Events per week by type and country.
-- One row per ISO week (starting Monday), PLOVER event type and country of the event's location,
-- with the number of events and the documents they came from. Undated events and events without a
-- located country are left out. An event reported in several documents counts once per document;
-- count(DISTINCT event_cluster_id) instead of count(*) counts it once (see most_reported_events.sql).
SELECT
    CAST(date_trunc('week', event_date) AS DATE) AS week,
    event_type,
    country_iso3,
    count(*) AS events,
    count(DISTINCT doc_id) AS documents
FROM events
WHERE event_date IS NOT NULL AND country_iso3 IS NOT NULL
GROUP BY ALL
ORDER BY week, event_type, country_iso3;
