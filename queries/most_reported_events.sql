-- The most reported events, counted once however many sentences and documents report them.
-- One row per event cluster (events of different documents with the same type, mode, modality,
-- actors, place and date share event_cluster_id; see DATA_DICTIONARY.md for when events cluster),
-- with the documents, events and sentences (mentions) that report it and one of its sentences.
-- Change the LIMIT for more rows, or add a WHERE on event_type.
SELECT
    e.event_cluster_id,
    any_value(e.event_type) AS event_type,
    any_value(e.event_mode) AS event_mode,
    arg_min(e.source_actor_id, e.event_id) AS source_actor_id,
    arg_min(e.target_actor_id, e.event_id) AS target_actor_id,
    arg_min(e.location_name, e.event_id) AS location_name,
    min(e.event_date) AS event_date,
    count(DISTINCT e.doc_id) AS documents,
    count(*) AS events,
    sum(e.mention_count) AS mentions,
    arg_min(e.sentence_text, e.event_id) AS example_sentence
FROM events AS e
GROUP BY e.event_cluster_id
ORDER BY mentions DESC, documents DESC, e.event_cluster_id
LIMIT 20;
