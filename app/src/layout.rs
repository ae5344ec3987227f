//! The arrangement of the overview page, per user: the order of the modules and which are hidden
//! or collapsed. The server stores it (as JSON, with [`SCHEMA_VERSION`]); the page edits it.
//!
//! A stored layout is read leniently ([`Layout::from_stored`]: modules that no longer exist are
//! dropped, new ones appended where the default puts them), a layout sent by the page strictly
//! ([`Layout::validate`]: an unknown or repeated module is an error and nothing is stored).

use serde::{Deserialize, Serialize};

use analytics::overview::ModuleId;

/// The version of the stored layout's shape. Raise it when the shape changes and teach
/// [`Layout::from_stored`] to read the older one.
pub const SCHEMA_VERSION: i32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleState {
    pub id: String,
    #[serde(default)]
    pub hidden: bool,
    #[serde(default)]
    pub collapsed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layout {
    /// Every module, in the order the page shows them.
    pub modules: Vec<ModuleState>,
}

/// What is wrong with a layout.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    #[error("the layout is not valid JSON: {0}")]
    Json(String),
    #[error("the layout is {bytes} bytes; at most 16384")]
    TooLarge { bytes: usize },
    #[error("the layout has schema version {found}, newer than this server's {SCHEMA_VERSION}")]
    NewerSchema { found: i32 },
    #[error("modules[{index}]: there is no module '{id}'")]
    UnknownModule { index: usize, id: String },
    #[error("modules[{index}]: module '{id}' appears twice")]
    Repeated { index: usize, id: String },
}

impl Default for Layout {
    fn default() -> Self {
        Layout {
            modules: ModuleId::ALL
                .iter()
                .map(|m| ModuleState { id: m.as_str().to_owned(), hidden: false, collapsed: false })
                .collect(),
        }
    }
}

impl Layout {
    /// Reads a layout the server stored. Unknown modules are dropped and missing ones are put
    /// back where the default order has them, so a layout survives modules being added or
    /// retired.
    pub fn from_stored(schema_version: i32, json: &str) -> Result<Layout, LayoutError> {
        if schema_version > SCHEMA_VERSION {
            return Err(LayoutError::NewerSchema { found: schema_version });
        }
        let stored: Layout = serde_json::from_str(json).map_err(|e| LayoutError::Json(e.to_string()))?;
        Ok(stored.completed())
    }

    /// Parses and checks a layout sent by the page: every module known, none twice. Modules
    /// left out are appended in their default place.
    pub fn from_page(json: &str) -> Result<Layout, LayoutError> {
        // A layout is a few hundred bytes; anything near this is not one.
        if json.len() > 16 * 1024 {
            return Err(LayoutError::TooLarge { bytes: json.len() });
        }
        let layout: Layout = serde_json::from_str(json).map_err(|e| LayoutError::Json(e.to_string()))?;
        layout.validate()?;
        Ok(layout.completed())
    }

    pub fn validate(&self) -> Result<(), LayoutError> {
        for (index, module) in self.modules.iter().enumerate() {
            if ModuleId::parse(&module.id).is_err() {
                return Err(LayoutError::UnknownModule { index, id: module.id.clone() });
            }
            if self.modules[..index].iter().any(|m| m.id == module.id) {
                return Err(LayoutError::Repeated { index, id: module.id.clone() });
            }
        }
        Ok(())
    }

    fn completed(self) -> Layout {
        let mut modules: Vec<ModuleState> = Vec::with_capacity(ModuleId::ALL.len());
        for module in self.modules {
            if ModuleId::parse(&module.id).is_ok() && !modules.iter().any(|m| m.id == module.id) {
                modules.push(module);
            }
        }
        for (default_index, info) in ModuleId::ALL.iter().enumerate() {
            if modules.iter().any(|m| m.id == info.as_str()) {
                continue;
            }
            // After the module that precedes it by default, or first.
            let at = ModuleId::ALL[..default_index]
                .iter()
                .rev()
                .find_map(|before| modules.iter().position(|m| m.id == before.as_str()))
                .map_or(0, |p| p + 1);
            modules.insert(at, ModuleState { id: info.as_str().to_owned(), hidden: false, collapsed: false });
        }
        Layout { modules }
    }

    pub fn state(&self, id: &str) -> Option<&ModuleState> {
        self.modules.iter().find(|m| m.id == id)
    }

    fn state_mut(&mut self, id: &str) -> Option<&mut ModuleState> {
        self.modules.iter_mut().find(|m| m.id == id)
    }

    pub fn position(&self, id: &str) -> Option<usize> {
        self.modules.iter().position(|m| m.id == id)
    }

    /// Moves a module one place earlier (`-1`) or later (`+1`) among the modules; false when it
    /// is already at that end.
    pub fn move_by(&mut self, id: &str, delta: isize) -> bool {
        let Some(from) = self.position(id) else { return false };
        let to = from as isize + delta;
        if to < 0 || to >= self.modules.len() as isize {
            return false;
        }
        let module = self.modules.remove(from);
        self.modules.insert(to as usize, module);
        true
    }

    /// Drag and drop: `id` takes `target`'s place, and `target` shifts towards where `id` came
    /// from (so dropping on the module below moves one down, as a user expects).
    pub fn move_onto(&mut self, id: &str, target: &str) -> bool {
        let (Some(from), Some(to)) = (self.position(id), self.position(target)) else { return false };
        if from == to {
            return false;
        }
        let module = self.modules.remove(from);
        self.modules.insert(to, module);
        true
    }

    pub fn set_hidden(&mut self, id: &str, hidden: bool) {
        if let Some(m) = self.state_mut(id) {
            m.hidden = hidden;
        }
    }

    pub fn set_collapsed(&mut self, id: &str, collapsed: bool) {
        if let Some(m) = self.state_mut(id) {
            m.collapsed = collapsed;
        }
    }

    /// Whether the module's data is needed: it is shown and expanded.
    pub fn wants_data(&self, id: &str) -> bool {
        self.state(id).is_some_and(|m| !m.hidden && !m.collapsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(layout: &Layout) -> Vec<&str> {
        layout.modules.iter().map(|m| m.id.as_str()).collect()
    }

    #[test]
    fn the_default_shows_every_module_in_registry_order() {
        let layout = Layout::default();
        assert_eq!(ids(&layout), ModuleId::ALL.iter().map(|m| m.as_str()).collect::<Vec<_>>());
        assert!(layout.modules.iter().all(|m| !m.hidden && !m.collapsed));
    }

    #[test]
    fn moving_up_and_down_stops_at_the_ends() {
        let mut layout = Layout::default();
        assert!(!layout.move_by("security-coverage", -1), "already first");
        assert!(layout.move_by("security-coverage", 1));
        assert_eq!(&ids(&layout)[..2], ["important-signals", "security-coverage"]);
        let last = ModuleId::ALL.last().unwrap().as_str();
        assert!(!layout.move_by(last, 1), "already last");
        assert!(!layout.move_by("no-such-module", 1));
    }

    #[test]
    fn dropping_a_module_on_another_takes_its_place() {
        let mut layout = Layout::default();
        assert!(layout.move_onto("threat-map", "important-signals"));
        assert_eq!(&ids(&layout)[..4], ["security-coverage", "threat-map", "important-signals", "risk-insights"]);
        assert!(layout.move_onto("security-coverage", "risk-insights"), "downwards");
        assert_eq!(&ids(&layout)[..4], ["threat-map", "important-signals", "risk-insights", "security-coverage"]);
        assert!(!layout.move_onto("threat-map", "threat-map"));
    }

    #[test]
    fn a_stored_layout_survives_modules_being_added_and_retired() {
        let json = r#"{"modules":[{"id":"research","collapsed":true},{"id":"retired-module"},{"id":"threat-map","hidden":true},{"id":"research"}]}"#;
        let layout = Layout::from_stored(1, json).unwrap();
        assert_eq!(layout.modules.len(), ModuleId::ALL.len());
        let at = |id: &str| layout.position(id).unwrap();
        assert_eq!(at("getting-started"), at("research") + 1, "a missing module goes back after its default predecessor");
        assert!(at("research") < at("threat-map"), "the stored order is kept");
        assert!(layout.state("research").unwrap().collapsed);
        assert!(layout.state("threat-map").unwrap().hidden);
        assert!(!layout.wants_data("research") && !layout.wants_data("threat-map") && layout.wants_data("risk-insights"));
        assert!(layout.state("retired-module").is_none());
    }

    #[test]
    fn a_newer_or_broken_stored_layout_is_refused() {
        assert_eq!(Layout::from_stored(SCHEMA_VERSION + 1, "{}"), Err(LayoutError::NewerSchema { found: SCHEMA_VERSION + 1 }));
        assert!(matches!(Layout::from_stored(1, "{not json"), Err(LayoutError::Json(_))));
    }

    #[test]
    fn a_layout_from_the_page_must_name_known_modules_once() {
        let unknown = r#"{"modules":[{"id":"threat-map"},{"id":"bogus"}]}"#;
        assert_eq!(
            Layout::from_page(unknown).unwrap_err().to_string(),
            "modules[1]: there is no module 'bogus'"
        );
        let twice = r#"{"modules":[{"id":"threat-map"},{"id":"threat-map"}]}"#;
        assert_eq!(Layout::from_page(twice).unwrap_err().to_string(), "modules[1]: module 'threat-map' appears twice");
        let partial = r#"{"modules":[{"id":"threat-map","collapsed":true}]}"#;
        let layout = Layout::from_page(partial).unwrap();
        assert_eq!(layout.modules.len(), ModuleId::ALL.len());
        assert!(layout.state("threat-map").unwrap().collapsed);
    }
}
