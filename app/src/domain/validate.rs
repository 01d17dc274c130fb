//! Input rules, shared by the widget (errors next to the field before a round trip) and the
//! server (the authority). Both call the same functions, so they can never disagree.
//!
//! Every text a person types is also checked for characters nobody types on purpose
//! (`plain_text`): control characters (a NUL, an escape) and the invisible ones that turn the
//! direction of the text around (a right-to-left override makes `exe.txt` read `txt.exe`).

use crate::model::{FieldError, FieldProblem, FormField, GroupId, StartChat};

pub const MAX_MESSAGE_CHARS: usize = 4_000;
pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_EMAIL_CHARS: usize = 254;
pub const MAX_PHONE_CHARS: usize = 40;
pub const MAX_LOCATION_CHARS: usize = 200;
/// The largest end-user photo, in bytes: a face at avatar size needs far less.
pub const MAX_PHOTO_BYTES: usize = 128 * 1024;
/// The longest data URL such a photo makes (`data:image/jpeg;base64,` and the base64 text).
pub const MAX_PHOTO_DATA_CHARS: usize = 64 + MAX_PHOTO_BYTES.div_ceil(3) * 4;
pub const PHOTO_RULE: &str = "A photo must be a PNG, JPEG, GIF or WebP image of at most 128 KB.";
pub const MAX_TICKET_CHARS: usize = 40;
/// A client message id is a UUID; anything much longer is not one of ours.
pub const MAX_CLIENT_ID_CHARS: usize = 64;

/// Why a chat message cannot be posted.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, thiserror::Error)]
pub enum MessageError {
    #[error("A message cannot be empty.")]
    Empty,
    #[error("A message can be at most {max} characters (this one has {len}).", max = MAX_MESSAGE_CHARS)]
    TooLong { len: usize },
    #[error("The message id is not valid.")]
    BadClientId,
    #[error("A message may not contain control or text-direction characters.")]
    Unprintable,
}

/// What a text may span: one line (names, contact details, titles) or several (messages,
/// questions, notes, descriptions).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lines {
    One,
    Many,
}

/// A character `plain_text` refuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unprintable(pub char);

/// Whether `c` may stand in a text of `lines`:
/// - control characters (C0, DEL, C1) never, except a new line and a tab in multi-line texts;
/// - line and paragraph separators (U+2028, U+2029) only in multi-line texts;
/// - bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) never;
/// - the invisible direction marks (U+200E, U+200F, U+061C) not in one-line texts (names).
pub fn printable(c: char, lines: Lines) -> bool {
    let many = lines == Lines::Many;
    match c {
        '\n' | '\t' | '\u{2028}' | '\u{2029}' => many,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => false,
        '\u{200E}' | '\u{200F}' | '\u{061C}' => many,
        c => !c.is_control(),
    }
}

/// The first character of `text` that may not stand in it, if any.
pub fn plain_text(text: &str, lines: Lines) -> Result<(), Unprintable> {
    match text.chars().find(|c| !printable(*c, lines)) {
        Some(c) => Err(Unprintable(c)),
        None => Ok(()),
    }
}

/// `plain_text` with the refusal worded for a person: "Your name may not contain control or
/// text-direction characters." (`what` is the field as the sentence names it).
pub fn text_field(what: &str, text: &str, lines: Lines) -> Result<(), String> {
    plain_text(text, lines).map_err(|_| unprintable_message(what))
}

pub fn unprintable_message(what: &str) -> String {
    format!("{what} may not contain control or text-direction characters.")
}

/// Checks a message body. Whitespace-only is empty; the text is otherwise kept as typed
/// (new lines are part of plain text).
pub fn message_body(body: &str) -> Result<&str, MessageError> {
    let len = body.chars().count();
    if body.trim().is_empty() {
        Err(MessageError::Empty)
    } else if len > MAX_MESSAGE_CHARS {
        Err(MessageError::TooLong { len })
    } else if plain_text(body, Lines::Many).is_err() {
        Err(MessageError::Unprintable)
    } else {
        Ok(body.trim_end())
    }
}

pub fn client_id(id: &str) -> Result<&str, MessageError> {
    let ok = !id.is_empty() && id.len() <= MAX_CLIENT_ID_CHARS && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if ok {
        Ok(id)
    } else {
        Err(MessageError::BadClientId)
    }
}

/// A StartChat whose fields passed the rules: trimmed, optional ones as `None`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidStartChat {
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub location: String,
    pub photo: Option<Photo>,
    pub group_id: GroupId,
    pub question: String,
    pub previous_ticket: Option<String>,
}

fn optional(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// The longest key a widget may send with "Leave a message" or "Email me the transcript" (its
/// own random id for one request, so a retry is the same request).
pub const MAX_REQUEST_KEY_CHARS: usize = 64;

/// A widget request's key: 1 to 64 letters, digits and dashes (a UUID fits).
pub fn request_key(key: &str) -> Result<(), String> {
    if key.is_empty() || key.len() > MAX_REQUEST_KEY_CHARS || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err("The request's key is missing or malformed; reload the page and try again.".into());
    }
    Ok(())
}

/// Checks the widget form. `known_groups` are the groups that exist now.
pub fn start_chat(form: &StartChat, known_groups: &[GroupId]) -> Result<ValidStartChat, Vec<FieldError>> {
    use FieldProblem::*;
    let mut errors = Vec::new();
    let mut fail = |field, problem| errors.push(FieldError::new(field, problem));

    let name = form.name.trim();
    if plain_text(name, Lines::One).is_err() {
        fail(FormField::Name, Unprintable);
    } else if name.is_empty() {
        fail(FormField::Name, Missing);
    } else if name.chars().count() > MAX_NAME_CHARS {
        fail(FormField::Name, TooLong { max: MAX_NAME_CHARS });
    }

    let email = form.email.trim();
    if plain_text(email, Lines::One).is_err() {
        fail(FormField::Email, Unprintable);
    } else if email.is_empty() {
        fail(FormField::Email, Missing);
    } else if email.chars().count() > MAX_EMAIL_CHARS {
        fail(FormField::Email, TooLong { max: MAX_EMAIL_CHARS });
    } else if !looks_like_email(email) {
        fail(FormField::Email, Invalid);
    }

    let phone = form.phone.trim();
    if phone.chars().count() > MAX_PHONE_CHARS {
        fail(FormField::Phone, TooLong { max: MAX_PHONE_CHARS });
    } else if !phone.chars().all(|c| c.is_ascii_digit() || " +-()./".contains(c)) {
        fail(FormField::Phone, Invalid);
    }

    let location = form.location.trim();
    if plain_text(location, Lines::One).is_err() {
        fail(FormField::Location, Unprintable);
    } else if location.is_empty() {
        fail(FormField::Location, Missing);
    } else if location.chars().count() > MAX_LOCATION_CHARS {
        fail(FormField::Location, TooLong { max: MAX_LOCATION_CHARS });
    }

    let photo = photo(&form.photo).unwrap_or_else(|_| {
        fail(FormField::Photo, Invalid);
        None
    });

    let group_id = match form.group_id {
        None => {
            fail(FormField::Group, Missing);
            0
        }
        Some(id) if !known_groups.contains(&id) => {
            fail(FormField::Group, Invalid);
            0
        }
        Some(id) => id,
    };

    let question = form.question.trim();
    if plain_text(question, Lines::Many).is_err() {
        fail(FormField::Question, Unprintable);
    } else if question.is_empty() {
        fail(FormField::Question, Missing);
    } else if question.chars().count() > MAX_MESSAGE_CHARS {
        fail(FormField::Question, TooLong { max: MAX_MESSAGE_CHARS });
    }

    let ticket = form.previous_ticket.trim();
    if ticket.chars().count() > MAX_TICKET_CHARS {
        fail(FormField::PreviousTicket, TooLong { max: MAX_TICKET_CHARS });
    } else if !ticket.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        fail(FormField::PreviousTicket, Invalid);
    }

    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ValidStartChat {
        name: name.to_string(),
        email: email.to_string(),
        phone: optional(phone),
        location: location.to_string(),
        photo,
        group_id,
        question: question.to_string(),
        previous_ticket: optional(ticket).map(|t| t.to_ascii_uppercase()),
    })
}

/// The image formats an end user's photo may have. Browsers draw all four; none can carry a
/// script (SVG could, so it is not among them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhotoType {
    Png,
    Jpeg,
    Gif,
    Webp,
}

impl PhotoType {
    /// The format the bytes are, by their first bytes (what a browser would sniff), whatever
    /// the sender called them.
    pub fn of(bytes: &[u8]) -> Option<PhotoType> {
        match bytes {
            [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => Some(PhotoType::Png),
            [0xFF, 0xD8, 0xFF, ..] => Some(PhotoType::Jpeg),
            [b'G', b'I', b'F', b'8', b'7' | b'9', b'a', ..] => Some(PhotoType::Gif),
            [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => Some(PhotoType::Webp),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            PhotoType::Png => "image/png",
            PhotoType::Jpeg => "image/jpeg",
            PhotoType::Gif => "image/gif",
            PhotoType::Webp => "image/webp",
        }
    }

    pub fn from_content_type(content_type: &str) -> Option<PhotoType> {
        [PhotoType::Png, PhotoType::Jpeg, PhotoType::Gif, PhotoType::Webp].into_iter().find(|t| t.content_type() == content_type)
    }
}

/// An end user's photo, checked: Deskchat keeps it and serves it to agents itself, so their
/// browsers never load an address an end user chose.
#[derive(Clone, PartialEq, Eq)]
pub struct Photo {
    pub kind: PhotoType,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for Photo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Photo({}, {} bytes)", self.kind.content_type(), self.bytes.len())
    }
}

/// Reads the widget's photo field: empty (no photo) or a base64 `data:` URL as the browser's
/// FileReader makes it. The bytes decide the type, not the URL's label.
pub fn photo(data_url: &str) -> Result<Option<Photo>, String> {
    use base64::Engine as _;
    let data_url = data_url.trim();
    if data_url.is_empty() {
        return Ok(None);
    }
    if data_url.len() > MAX_PHOTO_DATA_CHARS {
        return Err(PHOTO_RULE.into());
    }
    let encoded = data_url
        .strip_prefix("data:")
        .and_then(|rest| rest.split_once(";base64,"))
        .filter(|(label, _)| label.starts_with("image/"))
        .map(|(_, encoded)| encoded)
        .ok_or_else(|| PHOTO_RULE.to_string())?;
    let bytes = base64::engine::general_purpose::STANDARD.decode(encoded).map_err(|_| PHOTO_RULE.to_string())?;
    match PhotoType::of(&bytes) {
        Some(kind) if bytes.len() <= MAX_PHOTO_BYTES => Ok(Some(Photo { kind, bytes })),
        _ => Err(PHOTO_RULE.into()),
    }
}

pub fn looks_like_email(email: &str) -> bool {
    match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

/// Initials for an avatar when there is no photo: "Ada Lovelace" → "AL".
pub fn initials(name: &str) -> String {
    let mut words = name.split_whitespace();
    let first = words.next().and_then(|w| w.chars().next());
    let last = words.last().and_then(|w| w.chars().next());
    first.into_iter().chain(last).flat_map(char::to_uppercase).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> StartChat {
        StartChat {
            name: " Ada Lovelace ".into(),
            email: "ada@example.com".into(),
            phone: "".into(),
            location: "London office".into(),
            photo: "".into(),
            group_id: Some(1),
            question: "My VPN drops every hour".into(),
            previous_ticket: " im10042 ".into(),
        }
    }

    fn fields(errors: Vec<FieldError>) -> Vec<FormField> {
        errors.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_good_form_is_trimmed_and_optional_fields_become_none() {
        let valid = start_chat(&good(), &[1, 2]).unwrap();
        assert_eq!(valid.name, "Ada Lovelace");
        assert_eq!(valid.phone, None);
        assert_eq!(valid.photo, None);
        assert_eq!(valid.previous_ticket.as_deref(), Some("IM10042"));
    }

    #[test]
    fn each_bad_field_is_named() {
        let form = StartChat {
            name: "".into(),
            email: "not-an-email".into(),
            phone: "call me".into(),
            location: " ".into(),
            photo: "javascript:alert(1)".into(),
            group_id: Some(99),
            question: "   ".into(),
            previous_ticket: "<b>".into(),
        };
        assert_eq!(
            fields(start_chat(&form, &[1]).unwrap_err()),
            FormField::ALL.to_vec()
        );
    }

    #[test]
    fn no_group_chosen_and_oversized_fields_are_refused() {
        let mut form = good();
        form.group_id = None;
        form.name = "n".repeat(MAX_NAME_CHARS + 1);
        form.question = "q".repeat(MAX_MESSAGE_CHARS + 1);
        assert_eq!(fields(start_chat(&form, &[1]).unwrap_err()), vec![FormField::Name, FormField::Group, FormField::Question]);
    }

    #[test]
    fn message_bodies() {
        assert_eq!(message_body("  \n\t "), Err(MessageError::Empty));
        assert_eq!(message_body("line one\nline two\n"), Ok("line one\nline two"));
        assert_eq!(message_body(&"é".repeat(MAX_MESSAGE_CHARS)).map(|b| b.chars().count()), Ok(MAX_MESSAGE_CHARS));
        assert_eq!(message_body(&"x".repeat(MAX_MESSAGE_CHARS + 1)), Err(MessageError::TooLong { len: MAX_MESSAGE_CHARS + 1 }));
    }

    #[test]
    fn control_and_direction_characters_are_refused_by_field() {
        let mut form = good();
        form.name = "Ada\u{202E}fdp.exe".into();
        form.email = "ada\0@example.com".into();
        form.location = "London\u{200F}".into();
        form.question = "VPN\u{2066}drops\u{2069}".into();
        let errors = start_chat(&form, &[1]).unwrap_err();
        assert_eq!(fields(errors.clone()), vec![FormField::Name, FormField::Email, FormField::Location, FormField::Question]);
        assert!(errors.iter().all(|e| e.problem == FieldProblem::Unprintable), "{errors:?}");
    }

    #[test]
    fn new_lines_and_tabs_only_in_texts_of_several_lines() {
        let mut form = good();
        form.question = "Line one\n\tindented line two".into();
        assert!(start_chat(&form, &[1]).is_ok());
        form.name = "Ada\nLovelace".into();
        assert_eq!(fields(start_chat(&form, &[1]).unwrap_err()), vec![FormField::Name]);
        assert_eq!(message_body("one\ttwo\nthree"), Ok("one\ttwo\nthree"));
        assert_eq!(message_body("carriage\rreturn"), Err(MessageError::Unprintable));
        assert_eq!(message_body("nul\0"), Err(MessageError::Unprintable));
        assert_eq!(message_body("evil \u{202E}gnp.exe"), Err(MessageError::Unprintable));
    }

    #[test]
    fn which_characters_are_printable() {
        for c in ['\0', '\u{7}', '\u{1b}', '\r', '\u{7f}', '\u{85}', '\u{9f}', '\u{202A}', '\u{202E}', '\u{2066}', '\u{2069}'] {
            assert!(!printable(c, Lines::One) && !printable(c, Lines::Many), "{c:?} is refused everywhere");
        }
        for c in ['\n', '\t', '\u{2028}', '\u{200E}', '\u{200F}', '\u{061C}'] {
            assert!(!printable(c, Lines::One) && printable(c, Lines::Many), "{c:?} only in texts of several lines");
        }
        // Letters of every script, emoji and the joiners they need stay.
        for text in ["Zoë Ødegård", "שלום עולם", "مرحبا", "東京", "👩\u{200D}💻", "a\u{00A0}b"] {
            assert_eq!(plain_text(text, Lines::One), Ok(()), "{text}");
        }
        assert_eq!(plain_text("ab\u{202D}c", Lines::Many), Err(Unprintable('\u{202D}')));
        assert_eq!(
            text_field("The title", "x\0", Lines::One).unwrap_err(),
            "The title may not contain control or text-direction characters."
        );
    }

    /// The smallest PNG there is: one transparent pixel.
    const PIXEL_PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

    #[test]
    fn a_photo_is_a_data_url_whose_bytes_are_an_image() {
        let png = photo(&format!("data:image/png;base64,{PIXEL_PNG}")).unwrap().unwrap();
        assert_eq!(png.kind, PhotoType::Png);
        assert_eq!(&png.bytes[1..4], b"PNG");
        // The label does not decide: PNG bytes called JPEG are a PNG.
        assert_eq!(photo(&format!("data:image/jpeg;base64,{PIXEL_PNG}")).unwrap().unwrap().kind, PhotoType::Png);
        assert_eq!(photo("  ").unwrap(), None);
        let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10];
        let gif = *b"GIF89a\x01\x00";
        let webp = *b"RIFF\x24\x00\x00\x00WEBPVP8 ";
        for (bytes, kind) in [(&jpeg[..], PhotoType::Jpeg), (&gif[..], PhotoType::Gif), (&webp[..], PhotoType::Webp)] {
            assert_eq!(PhotoType::of(bytes), Some(kind));
            assert_eq!(PhotoType::from_content_type(kind.content_type()), Some(kind));
        }
    }

    #[test]
    fn anything_else_in_the_photo_field_is_refused_with_the_rule() {
        use base64::Engine as _;
        let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
        let svg = format!("data:image/svg+xml;base64,{}", b64(b"<svg onload=alert(1)></svg>"));
        let html = format!("data:image/png;base64,{}", b64(b"<html><script>alert(1)</script>"));
        let mut big = base64::engine::general_purpose::STANDARD.decode(PIXEL_PNG).unwrap();
        big.resize(MAX_PHOTO_BYTES + 1, 0);
        let too_big = format!("data:image/png;base64,{}", b64(&big));
        big.truncate(MAX_PHOTO_BYTES);
        assert!(photo(&format!("data:image/png;base64,{}", b64(&big))).unwrap().is_some(), "exactly the limit is fine");
        for bad in [
            "https://tracker.example/me.png".to_string(),
            "http://10.0.0.1/admin".to_string(),
            format!("data:text/html;base64,{PIXEL_PNG}"),
            format!("data:image/png,{PIXEL_PNG}"),
            "data:image/png;base64,not base64!".to_string(),
            svg,
            html,
            too_big,
        ] {
            assert_eq!(photo(&bad), Err(PHOTO_RULE.to_string()), "{}", &bad[..bad.len().min(60)]);
        }
    }

    #[test]
    fn client_ids() {
        assert!(client_id("6f1c2a34-0000-4000-8000-000000000000").is_ok());
        assert!(client_id("").is_err());
        assert!(client_id("a b").is_err());
        assert!(client_id(&"a".repeat(65)).is_err());
    }

    #[test]
    fn initials_of_names() {
        assert_eq!(initials("Ada Lovelace"), "AL");
        assert_eq!(initials("grace"), "G");
        assert_eq!(initials("Jean Paul Sartre"), "JS");
        assert_eq!(initials("  "), "");
    }

    #[test]
    fn a_leave_a_message_key_is_a_short_plain_id() {
        assert_eq!(request_key("3f2b8c1e-5d4a-4e6f-9a7b-0c1d2e3f4a5b"), Ok(()));
        assert_eq!(request_key("k1"), Ok(()));
        for bad in ["", "has space", "semi;colon", "ü", &"a".repeat(MAX_REQUEST_KEY_CHARS + 1)] {
            assert!(request_key(bad).is_err(), "{bad:?}");
        }
    }
}
