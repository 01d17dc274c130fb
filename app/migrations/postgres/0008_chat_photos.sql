-- End users' photos (issue 8): uploaded with the chat request and served by Deskchat to the
-- agents who may see the chat, so agents' browsers never load an address an end user chose.
-- One photo per chat; `content_type` is what the bytes are (checked on upload).
CREATE TABLE chat_photos (
    chat_id      BIGINT PRIMARY KEY REFERENCES chat_requests(id),
    content_type TEXT NOT NULL,
    bytes        BYTEA NOT NULL
);
