-- Top speakers on a topic.
-- Who is quoted most about a topic: statements whose quote mentions the topic word (change the
-- value in `topic` below; matching ignores case), counted per resolved speaker, with their type,
-- country and an example quote. Unresolved speakers are counted under their text as written.
WITH topic AS (SELECT 'support' AS word)
SELECT
    coalesce(speaker_name, speaker_text, '(unknown)') AS speaker,
    any_value(speaker_type) AS speaker_type,
    any_value(speaker_country_iso3) AS speaker_country_iso3,
    count(*) AS statements,
    count(DISTINCT doc_id) AS documents,
    min(quote_text) AS example_quote
FROM statements_with_speakers, topic
WHERE contains(lower(quote_text), lower(topic.word))
GROUP BY ALL
ORDER BY statements DESC, speaker
LIMIT 20;
