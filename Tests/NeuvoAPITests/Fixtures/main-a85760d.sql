PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE neuvo_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL
);
INSERT INTO neuvo_migrations VALUES(1,'instance metadata',1796609380484);
INSERT INTO neuvo_migrations VALUES(2,'registry: service tree and keywords',1796609380484);
INSERT INTO neuvo_migrations VALUES(3,'registry: units, their services, keywords, categories and connections',1796609380485);
INSERT INTO neuvo_migrations VALUES(4,'registry: districts',1796609380485);
INSERT INTO neuvo_migrations VALUES(5,'residents and arrangements',1796609380486);
INSERT INTO neuvo_migrations VALUES(6,'conversation sessions, transcripts, hand-offs, feedback and unanswered questions',1796609380487);
INSERT INTO neuvo_migrations VALUES(7,'notices outbox',1796609380488);
INSERT INTO neuvo_migrations VALUES(8,'api keys',1796609380488);
INSERT INTO neuvo_migrations VALUES(9,'notices by arrangement; partial indexes on columns mostly empty',1796609380488);
INSERT INTO neuvo_migrations VALUES(10,'the dispatcher''s claim in index order',1796609380489);
INSERT INTO neuvo_migrations VALUES(11,'a notice''s state apart from its content',1796609380494);
CREATE TABLE neuvo_metadata (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
INSERT INTO neuvo_metadata VALUES('created_at','2026-12-07T02:09:40Z');
INSERT INTO neuvo_metadata VALUES('link_secret','ffae8e5ee3bb58b80bf7bdee0b39a417d8f831f2cb165904a7a0d17570f6b3c4');
CREATE TABLE registry_services (
    id INTEGER PRIMARY KEY,
    parent_id INTEGER,
    name_fi TEXT,
    name_sv TEXT,
    name_en TEXT,
    child_ids TEXT NOT NULL DEFAULT '',
    keyword_reference TEXT,
    search_words_fi TEXT,
    search_words_sv TEXT,
    search_words_en TEXT,
    fingerprint TEXT NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE TABLE registry_keywords (
    id INTEGER PRIMARY KEY,
    name_fi TEXT,
    name_sv TEXT,
    name_en TEXT,
    search_words_fi TEXT,
    search_words_sv TEXT,
    search_words_en TEXT,
    fingerprint TEXT NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE TABLE registry_units (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    is_sample INTEGER NOT NULL DEFAULT 0 CHECK (is_sample IN (0, 1)),
    name_fi TEXT,
    name_sv TEXT,
    name_en TEXT,
    street_fi TEXT,
    street_sv TEXT,
    street_en TEXT,
    postal_code TEXT,
    city_fi TEXT,
    city_sv TEXT,
    city_en TEXT,
    phone TEXT,
    email TEXT,
    www_fi TEXT,
    www_sv TEXT,
    www_en TEXT,
    short_desc_fi TEXT,
    short_desc_sv TEXT,
    short_desc_en TEXT,
    latitude REAL,
    longitude REAL,
    search_words TEXT,
    fingerprint TEXT NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE TABLE registry_unit_services (
    unit_id TEXT NOT NULL REFERENCES registry_units (id) ON DELETE CASCADE,
    service_id INTEGER NOT NULL,
    PRIMARY KEY (unit_id, service_id)
) STRICT, WITHOUT ROWID;
CREATE TABLE registry_unit_keywords (
    unit_id TEXT NOT NULL REFERENCES registry_units (id) ON DELETE CASCADE,
    keyword_id INTEGER NOT NULL,
    PRIMARY KEY (unit_id, keyword_id)
) STRICT, WITHOUT ROWID;
CREATE TABLE registry_unit_categories (
    unit_id TEXT NOT NULL REFERENCES registry_units (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name_fi TEXT,
    name_sv TEXT,
    name_en TEXT,
    PRIMARY KEY (unit_id, position)
) STRICT, WITHOUT ROWID;
CREATE TABLE registry_unit_connections (
    unit_id TEXT NOT NULL REFERENCES registry_units (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    section_type TEXT NOT NULL,
    name_fi TEXT,
    name_sv TEXT,
    name_en TEXT,
    www_fi TEXT,
    www_sv TEXT,
    www_en TEXT,
    phone TEXT,
    email TEXT,
    PRIMARY KEY (unit_id, position)
) STRICT, WITHOUT ROWID;
CREATE TABLE registry_districts (
    id TEXT PRIMARY KEY,
    name_fi TEXT,
    name_sv TEXT,
    name_en TEXT,
    latitude REAL,
    longitude REAL,
    fingerprint TEXT NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE TABLE registry_district_postal_codes (
    postal_code TEXT NOT NULL,
    district_id TEXT NOT NULL REFERENCES registry_districts (id) ON DELETE CASCADE,
    PRIMARY KEY (postal_code, district_id)
) STRICT, WITHOUT ROWID;
CREATE TABLE residents (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    language TEXT NOT NULL CHECK (language IN ('fi', 'sv', 'en')),
    email TEXT,
    phone TEXT,
    consent_email INTEGER NOT NULL DEFAULT 0,
    consent_sms INTEGER NOT NULL DEFAULT 0,
    preferred_channel TEXT CHECK (preferred_channel IN ('email', 'sms')),
    quiet_start INTEGER NOT NULL DEFAULT 1260,
    quiet_end INTEGER NOT NULL DEFAULT 480,
    postal_code TEXT,
    district TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
INSERT INTO residents VALUES('R1','Resident One','fi','r1@example.org',NULL,1,0,NULL,0,0,NULL,NULL,1796609380584,1796609380584);
INSERT INTO residents VALUES('R2','Resident Two','sv',NULL,'+358401234568',0,1,'sms',0,0,NULL,NULL,1796609380584,1796609380584);
INSERT INTO residents VALUES('R3','Resident Three','en','r3@example.org',NULL,1,0,NULL,1260,480,NULL,NULL,1796609380584,1796609380584);
CREATE TABLE arrangements (
    id TEXT PRIMARY KEY,
    resident_id TEXT NOT NULL REFERENCES residents (id),
    kind TEXT NOT NULL,
    details TEXT NOT NULL,
    unit_id TEXT,
    service_id TEXT,
    deadline INTEGER,
    status TEXT NOT NULL CHECK (
        status IN ('offered', 'accepted', 'declined', 'expired', 'rescheduled', 'cancelled')),
    sensitivity TEXT NOT NULL CHECK (sensitivity IN ('normal', 'sensitive')),
    reference TEXT,
    idempotency_key TEXT UNIQUE,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
INSERT INTO arrangements VALUES('arr_mxcmu6anea71fv0qgb','R2','preschool_place','{"accept_by":"2027-03-15","start_date":"2027-08-01","unit":"Kallion ala-aste"}',NULL,NULL,1805147999000,'offered','normal',NULL,'offer-1',1796609380702,1796609380702);
INSERT INTO arrangements VALUES('arr_mxcmu6em2yitubeg6e','R3','preschool_place','{"accept_by":"2027-03-15","start_date":"2027-08-01","unit":"Kallion ala-aste"}',NULL,NULL,1805147999000,'offered','normal',NULL,'offer-2',1796609380846,1796609380846);
INSERT INTO arrangements VALUES('arr_mxcmu6jpn45suiwyqh','R1','preschool_place','{"accept_by":"2027-03-15","start_date":"2027-08-01","unit":"Kallion ala-aste"}',NULL,NULL,1805147999000,'offered','normal',NULL,'offer-3',1796609381029,1796609381029);
INSERT INTO arrangements VALUES('arr_mxcmu6ng3y42i0aw8w','R2','preschool_place','{"accept_by":"2027-03-15","start_date":"2027-08-01","unit":"Kallion ala-aste"}',NULL,NULL,1805147999000,'offered','normal',NULL,'offer-4',1796609381163,1796609381163);
INSERT INTO arrangements VALUES('arr_mxcmu6qbpctnyh0kv3','R3','preschool_place','{"accept_by":"2027-03-15","start_date":"2027-08-01","unit":"Kallion ala-aste"}',NULL,NULL,1805147999000,'offered','normal',NULL,'offer-5',1796609381267,1796609381267);
INSERT INTO arrangements VALUES('arr_mxcmu6sodu40c9zp8l','R1','preschool_place','{"accept_by":"2027-03-15","start_date":"2027-08-01","unit":"Kallion ala-aste"}',NULL,NULL,1805147999000,'offered','normal',NULL,'offer-6',1796609381352,1796609381352);
INSERT INTO arrangements VALUES('arr_mxcmu6vbi0ehif982n','R2','preschool_place','{"accept_by":"2027-03-15","start_date":"2027-08-01","unit":"Kallion ala-aste"}',NULL,NULL,1805147999000,'offered','normal',NULL,'offer-7',1796609381447,1796609381447);
CREATE TABLE arrangement_transitions (
    id INTEGER PRIMARY KEY,
    arrangement_id TEXT NOT NULL REFERENCES arrangements (id),
    from_status TEXT,
    to_status TEXT NOT NULL,
    reason TEXT NOT NULL,
    actor TEXT NOT NULL,
    at INTEGER NOT NULL
) STRICT;
INSERT INTO arrangement_transitions VALUES(1,'arr_mxcmu6anea71fv0qgb',NULL,'offered','created','city',1796609380702);
INSERT INTO arrangement_transitions VALUES(2,'arr_mxcmu6em2yitubeg6e',NULL,'offered','created','city',1796609380846);
INSERT INTO arrangement_transitions VALUES(3,'arr_mxcmu6jpn45suiwyqh',NULL,'offered','created','city',1796609381029);
INSERT INTO arrangement_transitions VALUES(4,'arr_mxcmu6ng3y42i0aw8w',NULL,'offered','created','city',1796609381163);
INSERT INTO arrangement_transitions VALUES(5,'arr_mxcmu6qbpctnyh0kv3',NULL,'offered','created','city',1796609381267);
INSERT INTO arrangement_transitions VALUES(6,'arr_mxcmu6sodu40c9zp8l',NULL,'offered','created','city',1796609381352);
INSERT INTO arrangement_transitions VALUES(7,'arr_mxcmu6vbi0ehif982n',NULL,'offered','created','city',1796609381447);
CREATE TABLE conversation_sessions (
    id TEXT PRIMARY KEY,
    language TEXT NOT NULL CHECK (language IN ('fi', 'sv', 'en')),
    resident_id TEXT,
    last_intent TEXT,
    last_unit TEXT,
    last_service TEXT,
    last_district TEXT,
    last_arrangement TEXT,
    pending TEXT,
    suggestions TEXT NOT NULL DEFAULT '[]',
    turns INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
INSERT INTO conversation_sessions VALUES('01a24e43a87ddf38334f263a84fc1dea','fi',NULL,'greeting',NULL,NULL,NULL,NULL,NULL,'[]',1,1,1796609386621,1796609386621);
CREATE TABLE conversation_turns (
    id INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES conversation_sessions (id) ON DELETE CASCADE,
    speaker TEXT NOT NULL CHECK (speaker IN ('resident', 'neuvo')),
    language TEXT NOT NULL CHECK (language IN ('fi', 'sv', 'en')),
    text TEXT NOT NULL,
    intent TEXT,
    confidence REAL,
    at INTEGER NOT NULL
) STRICT;
INSERT INTO conversation_turns VALUES(1,'01a24e43a87ddf38334f263a84fc1dea','resident','fi','hei','greeting',0.98366892572982578268,1796609386621);
INSERT INTO conversation_turns VALUES(2,'01a24e43a87ddf38334f263a84fc1dea','neuvo','fi','Hei! Olen Neuvo, Helsingin kaupungin virtuaaliavustaja. Miten voin auttaa?','greeting',NULL,1796609386621);
CREATE TABLE conversation_handoffs (
    id INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL,
    resident_id TEXT,
    language TEXT NOT NULL CHECK (language IN ('fi', 'sv', 'en')),
    staff_available INTEGER NOT NULL CHECK (staff_available IN (0, 1)),
    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    transcript TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE TABLE conversation_feedback (
    id INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL,
    language TEXT NOT NULL CHECK (language IN ('fi', 'sv', 'en')),
    text TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE TABLE conversation_unanswered (
    id INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL,
    language TEXT NOT NULL CHECK (language IN ('fi', 'sv', 'en')),
    text TEXT NOT NULL,
    best_intent TEXT,
    confidence REAL NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    secret_sha256 TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
) STRICT;
INSERT INTO api_keys VALUES('93f0979c54ad','fixture','67d097f25359df89a50e44f7d0c83d33aeaffdf150d6289b48787a595d1eaad3','admin',1796609381483,NULL);
CREATE TABLE idempotent_requests (
    key TEXT PRIMARY KEY,
    request_sha256 TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE TABLE notice_content (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    resident_id TEXT NOT NULL REFERENCES residents (id),
    arrangement_id TEXT REFERENCES arrangements (id),
    template_id TEXT NOT NULL,
    template_version TEXT NOT NULL,
    locale TEXT NOT NULL CHECK (locale IN ('fi', 'sv', 'en')),
    personalisation TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    urgent INTEGER NOT NULL DEFAULT 0,
    reference TEXT,
    created_at INTEGER NOT NULL
) STRICT;
INSERT INTO notice_content VALUES(1,'ntc_mxcmu6anehuufog2ci','R2','arr_mxcmu6anea71fv0qgb','preschool_place','3af1db912414','sv','{"accept_by":"15.3.2027","link":"http://127.0.0.1:8080/r/UjJ8YXJyX214Y211NmFuZWE3MWZ2MHFnYnwxNzk5MjAxMzgw.j-e6yf-xIB4tCtz3DBndEHZxBB7qssxNPQRpWXL4VCA","name":"Resident Two","start_date":"1.8.2027","unit":"Kallion ala-aste"}','arrangement:offer-1',1,NULL,1796609380702);
INSERT INTO notice_content VALUES(2,'ntc_mxcmu6enm81vgf1s2s','R3','arr_mxcmu6em2yitubeg6e','preschool_place','c2c6768e40ba','en','{"accept_by":"15.3.2027","link":"http://127.0.0.1:8080/r/UjN8YXJyX214Y211NmVtMnlpdHViZWc2ZXwxNzk5MjAxMzgw._mMdRQ-3Bwtr2VdPYGE-aae-1l66VZDT2uwkTPfvSf8","name":"Resident Three","start_date":"1.8.2027","unit":"Kallion ala-aste"}','arrangement:offer-2',1,NULL,1796609380846);
INSERT INTO notice_content VALUES(3,'ntc_mxcmu6jqk0gaw0bhy3','R1','arr_mxcmu6jpn45suiwyqh','preschool_place','43878d61aed2','fi','{"accept_by":"15.3.2027","link":"http://127.0.0.1:8080/r/UjF8YXJyX214Y211NmpwbjQ1c3Vpd3lxaHwxNzk5MjAxMzgx.xkDvLe9mKkDWlaH1PHi2TTFROXGRb1uEpSolHJe-ziI","name":"Resident One","start_date":"1.8.2027","unit":"Kallion ala-aste"}','arrangement:offer-3',1,NULL,1796609381029);
INSERT INTO notice_content VALUES(4,'ntc_mxcmu6nggbovh00212','R2','arr_mxcmu6ng3y42i0aw8w','preschool_place','3af1db912414','sv','{"accept_by":"15.3.2027","link":"http://127.0.0.1:8080/r/UjJ8YXJyX214Y211Nm5nM3k0MmkwYXc4d3wxNzk5MjAxMzgx.WS26Do8LLthyF34TEgWlNhQPYOkGvciI4OfDXD48ovo","name":"Resident Two","start_date":"1.8.2027","unit":"Kallion ala-aste"}','arrangement:offer-4',1,NULL,1796609381163);
INSERT INTO notice_content VALUES(5,'ntc_mxcmu6qbskmmnztaf5','R3','arr_mxcmu6qbpctnyh0kv3','preschool_place','c2c6768e40ba','en','{"accept_by":"15.3.2027","link":"http://127.0.0.1:8080/r/UjN8YXJyX214Y211NnFicGN0bnloMGt2M3wxNzk5MjAxMzgx.MYOF4nbSxTXgf8DzusF7KBYjrHwWshmz67v4S4jBweE","name":"Resident Three","start_date":"1.8.2027","unit":"Kallion ala-aste"}','arrangement:offer-5',1,NULL,1796609381267);
INSERT INTO notice_content VALUES(6,'ntc_mxcmu6sox2esk6oiap','R1','arr_mxcmu6sodu40c9zp8l','preschool_place','43878d61aed2','fi','{"accept_by":"15.3.2027","link":"http://127.0.0.1:8080/r/UjF8YXJyX214Y211NnNvZHU0MGM5enA4bHwxNzk5MjAxMzgx.iURRxTot0QQZoxeeAEMMJTri9rUANa6qy6ahRvJ0ktE","name":"Resident One","start_date":"1.8.2027","unit":"Kallion ala-aste"}','arrangement:offer-6',1,NULL,1796609381352);
INSERT INTO notice_content VALUES(7,'ntc_mxcmu6vcori1iw3io0','R2','arr_mxcmu6vbi0ehif982n','preschool_place','3af1db912414','sv','{"accept_by":"15.3.2027","link":"http://127.0.0.1:8080/r/UjJ8YXJyX214Y211NnZiaTBlaGlmOTgybnwxNzk5MjAxMzgx.0GwMlTCWyLep4c1zl8Ciz7oYEn0ZCAXLPPPuX-yoDOk","name":"Resident Two","start_date":"1.8.2027","unit":"Kallion ala-aste"}','arrangement:offer-7',1,NULL,1796609381447);
CREATE TABLE notice_state (
    notice_seq INTEGER PRIMARY KEY REFERENCES notice_content (seq),
    channel TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    status TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'delivered',
        'temporary_failure', 'permanent_failure', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_until INTEGER,
    provider_message_id TEXT,
    last_error TEXT,
    updated_at INTEGER NOT NULL
) STRICT;
INSERT INTO notice_state VALUES(1,'sms','queued',0,1796609380702,NULL,NULL,NULL,1796609380702);
INSERT INTO notice_state VALUES(2,'email','sending',1,1796609380846,1900000000,NULL,NULL,1796609380846);
INSERT INTO notice_state VALUES(3,'email','sent',1,1796609381029,NULL,'prov-3',NULL,1796609381029);
INSERT INTO notice_state VALUES(4,'sms','delivered',1,1796609381163,NULL,'prov-4',NULL,1796609381163);
INSERT INTO notice_state VALUES(5,'email','temporary_failure',2,1796609381267,NULL,NULL,'SMTP 451',1796609381267);
INSERT INTO notice_state VALUES(6,'email','permanent_failure',1,1796609381352,NULL,NULL,'SMTP 550',1796609381352);
INSERT INTO notice_state VALUES(7,'sms','dead',8,1796609381447,NULL,NULL,'gave up',1796609381447);
CREATE TABLE IF NOT EXISTS "notice_transitions" (
    id INTEGER PRIMARY KEY,
    notice_seq INTEGER NOT NULL REFERENCES notice_content (seq),
    from_status TEXT,
    to_status TEXT NOT NULL,
    reason TEXT NOT NULL,
    at INTEGER NOT NULL
) STRICT;
INSERT INTO notice_transitions VALUES(1,1,NULL,'queued','created',1796609380702);
INSERT INTO notice_transitions VALUES(2,2,NULL,'queued','created',1796609380846);
INSERT INTO notice_transitions VALUES(3,3,NULL,'queued','created',1796609381029);
INSERT INTO notice_transitions VALUES(4,4,NULL,'queued','created',1796609381163);
INSERT INTO notice_transitions VALUES(5,5,NULL,'queued','created',1796609381267);
INSERT INTO notice_transitions VALUES(6,6,NULL,'queued','created',1796609381352);
INSERT INTO notice_transitions VALUES(7,7,NULL,'queued','created',1796609381447);
CREATE TABLE IF NOT EXISTS "delivery_attempts" (
    id INTEGER PRIMARY KEY,
    notice_seq INTEGER NOT NULL REFERENCES notice_content (seq),
    attempt INTEGER NOT NULL,
    channel TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    detail TEXT
) STRICT;
CREATE INDEX registry_services_parent ON registry_services (parent_id);
CREATE INDEX registry_units_postal_code ON registry_units (postal_code);
CREATE INDEX registry_unit_services_service ON registry_unit_services (service_id);
CREATE INDEX registry_unit_keywords_keyword ON registry_unit_keywords (keyword_id);
CREATE INDEX registry_district_postal_codes_district ON registry_district_postal_codes (district_id);
CREATE INDEX arrangements_by_resident ON arrangements (resident_id, created_at);
CREATE INDEX arrangement_transitions_by_arrangement ON arrangement_transitions (arrangement_id);
CREATE INDEX conversation_sessions_by_update ON conversation_sessions (updated_at);
CREATE INDEX conversation_turns_by_session ON conversation_turns (session_id, id);
CREATE INDEX conversation_turns_by_time ON conversation_turns (at);
CREATE INDEX conversation_handoffs_by_status ON conversation_handoffs (status, created_at);
CREATE INDEX conversation_feedback_by_time ON conversation_feedback (created_at);
CREATE INDEX conversation_unanswered_by_time ON conversation_unanswered (created_at);
CREATE INDEX arrangements_by_reference ON arrangements (reference) WHERE reference IS NOT NULL;
CREATE INDEX notice_transitions_by_notice ON notice_transitions (notice_seq);
CREATE INDEX delivery_attempts_by_notice ON delivery_attempts (notice_seq);
CREATE INDEX notice_content_by_resident ON notice_content (resident_id, created_at);
CREATE INDEX notice_content_by_arrangement ON notice_content (arrangement_id, created_at);
CREATE INDEX notice_content_by_reference ON notice_content (reference) WHERE reference IS NOT NULL;
CREATE INDEX notice_state_by_provider_id ON notice_state (provider_message_id)
    WHERE provider_message_id IS NOT NULL;
CREATE INDEX notice_state_claimable ON notice_state (channel, next_attempt_at, notice_seq)
    WHERE status IN ('queued', 'temporary_failure');
CREATE INDEX notice_state_leased ON notice_state (channel, lease_until) WHERE status = 'sending';
CREATE VIEW notices AS
SELECT s.notice_seq AS seq, c.id, c.resident_id, c.arrangement_id, c.template_id,
    c.template_version, c.locale, s.channel, c.personalisation, c.idempotency_key, s.status,
    c.urgent, s.attempts, s.next_attempt_at, s.lease_until, s.provider_message_id, s.last_error,
    c.reference, c.created_at, s.updated_at
FROM notice_content c JOIN notice_state s ON s.notice_seq = c.seq;
COMMIT;
PRAGMA application_id = 1313166678;
