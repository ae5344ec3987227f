//! Signalboard's own release notes (`docs/release-notes.md`), read into sections for the
//! `/release-notes` page. The file is plain Markdown of one shape: `## Title`, an `*italic*`
//! date line, and `- ` list items (continued on lines indented by two spaces).

use serde::{Deserialize, Serialize};

/// The release notes as written in the repository.
pub const TEXT: &str = include_str!("../../docs/release-notes.md");

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseNote {
    /// The heading's anchor ([`anchor`]).
    pub anchor: String,
    pub title: String,
    pub date: String,
    pub items: Vec<String>,
}

/// A heading's anchor: its letters and digits in lower case, words joined by single hyphens.
pub fn anchor(title: &str) -> String {
    let mut out = String::new();
    for word in title.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&word.to_lowercase());
    }
    out
}

/// The sections of `text`, in the file's order (newest first).
pub fn parse(text: &str) -> Vec<ReleaseNote> {
    let mut notes: Vec<ReleaseNote> = Vec::new();
    for line in text.lines() {
        if let Some(title) = line.strip_prefix("## ") {
            let title = title.trim().to_owned();
            notes.push(ReleaseNote { anchor: anchor(&title), title, date: String::new(), items: Vec::new() });
            continue;
        }
        let Some(note) = notes.last_mut() else { continue };
        let trimmed = line.trim();
        if let Some(item) = line.strip_prefix("- ") {
            note.items.push(item.trim().to_owned());
        } else if line.starts_with("  ") && !trimmed.is_empty() {
            if let Some(item) = note.items.last_mut() {
                item.push(' ');
                item.push_str(trimmed);
            }
        } else if trimmed.len() > 2 && trimmed.starts_with('*') && trimmed.ends_with('*') && note.date.is_empty() {
            note.date = trimmed.trim_matches('*').to_owned();
        }
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_join_words_with_hyphens() {
        assert_eq!(anchor("Archive signals with a reason, and see your noisiest rules"), "archive-signals-with-a-reason-and-see-your-noisiest-rules");
        assert_eq!(anchor("The overview: every number leads to its signals"), "the-overview-every-number-leads-to-its-signals");
    }

    #[test]
    fn the_repository_notes_read_as_dated_sections_with_items() {
        let notes = parse(TEXT);
        assert!(notes.len() >= 5, "{notes:?}");
        for note in &notes {
            assert!(!note.date.is_empty(), "{} has a date", note.title);
            assert!(!note.items.is_empty(), "{} has items", note.title);
        }
        let anchors: std::collections::HashSet<_> = notes.iter().map(|n| &n.anchor).collect();
        assert_eq!(anchors.len(), notes.len(), "anchors are unique");
    }

    #[test]
    fn continued_items_are_joined() {
        let notes = parse("# T\n\n## One two\n\n*1 May*\n\n- first\n  continued\n- second\n");
        assert_eq!(
            notes,
            vec![ReleaseNote {
                anchor: "one-two".into(),
                title: "One two".into(),
                date: "1 May".into(),
                items: vec!["first continued".into(), "second".into()],
            }]
        );
    }
}
