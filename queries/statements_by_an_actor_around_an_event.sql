-- Statements by an actor around an event.
-- For each event an actor took part in (as source or target), what that actor said within a
-- window of days before and after the event (change `actor_name` and `days` below). The event is
-- dated by event_date; a statement by statement_date, else its document's publication date.
WITH chosen AS (SELECT 'NATO' AS actor_name, 7 AS days),
actor AS (
    SELECT a.actor_id, chosen.days FROM actors AS a, chosen WHERE a.name = chosen.actor_name
),
actor_events AS (
    SELECT e.event_id, e.event_type, e.trigger, e.event_date, actor.actor_id, actor.days
    FROM events AS e JOIN actor ON actor.actor_id IN (e.source_actor_id, e.target_actor_id)
    WHERE e.event_date IS NOT NULL
)
SELECT
    ae.event_id,
    ae.event_type,
    ae.trigger,
    ae.event_date,
    s.statement_id,
    coalesce(s.statement_date, CAST(s.document_published_at AS DATE)) AS said_on,
    s.quote_text,
    s.document_title
FROM actor_events AS ae
JOIN statements_with_speakers AS s
  ON s.speaker_actor_id = ae.actor_id
 AND abs(date_diff('day', ae.event_date, coalesce(s.statement_date, CAST(s.document_published_at AS DATE)))) <= ae.days
ORDER BY ae.event_date, ae.event_id, said_on, s.statement_id;
