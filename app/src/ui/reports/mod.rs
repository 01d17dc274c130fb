//! Reports for supervisors (issue 18): `/reports`.
pub mod figures_table;
pub mod report_form;
pub mod reports_page;
