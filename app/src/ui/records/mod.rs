//! Records: the list and search of Interactions and Incidents, a record's page, and the parts
//! the console shares with them (the ticket form, notes, related records).
pub mod note_box;
pub mod notes_list;
pub mod record_page;
pub mod records_page;
pub mod related_list;
pub mod ticket_form;
