//! MITRE ATT&CK Navigator layers (layer format 4.5, domain `enterprise-attack`): the detection
//! coverage exported as a layer, and a layer (or an ATT&CK group's known techniques) read back
//! as an overlay on the matrix (docs/product.md §4.6).

use serde::{Deserialize, Serialize};

use crate::attack::{self, Matrix, COPYRIGHT};
use crate::dataset::Dataset;

/// The layer format version written and understood.
pub const LAYER_VERSION: &str = "4.5";
/// The Navigator version the layer was checked against.
pub const NAVIGATOR_VERSION: &str = "5.1.0";
/// The ATT&CK release the product ships.
pub const ATTACK_VERSION: &str = "18";
/// The most techniques an imported layer may list.
pub const MAX_LAYER_TECHNIQUES: usize = 5_000;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Versions {
    pub attack: String,
    pub navigator: String,
    pub layer: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MetaItem {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LayerTechnique {
    #[serde(rename = "techniqueID")]
    pub technique_id: String,
    pub tactic: String,
    pub score: u32,
    pub color: String,
    pub comment: String,
    pub enabled: bool,
    pub metadata: Vec<MetaItem>,
    pub links: Vec<MetaItem>,
    pub show_subtechniques: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Gradient {
    pub colors: Vec<String>,
    pub min_value: u32,
    pub max_value: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LegendItem {
    pub label: String,
    pub color: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LayerLayout {
    pub layout: String,
    pub aggregate_function: String,
    #[serde(rename = "showID")]
    pub show_id: bool,
    pub show_name: bool,
    pub show_aggregate_scores: bool,
    pub count_unscored: bool,
    pub expanded_subtechniques: String,
}

/// A whole layer as the Navigator reads it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Layer {
    pub name: String,
    pub versions: Versions,
    pub domain: String,
    pub description: String,
    pub sorting: u8,
    pub layout: LayerLayout,
    pub hide_disabled: bool,
    pub techniques: Vec<LayerTechnique>,
    pub gradient: Gradient,
    pub legend_items: Vec<LegendItem>,
    pub metadata: Vec<MetaItem>,
    pub links: Vec<MetaItem>,
    pub show_tactic_row_background: bool,
    pub tactic_row_background: String,
    pub select_techniques_across_tactics: bool,
    pub select_subtechniques_with_parent: bool,
    pub select_visible_techniques: bool,
}

const NONE_COLOUR: &str = "#ffffff";
const FULL_COLOUR: &str = "#2f6fde";

/// The coverage as a layer: one entry per technique or sub-technique and tactic with an enabled
/// rule, scored by how many enabled rules cover it (a technique counts the rules of its
/// sub-techniques, as the matrix does), with the rules' names in the comment and as metadata.
pub fn coverage_layer(data: &Dataset, name: &str) -> Layer {
    let matrix = attack::matrix();
    // Per matrix entry: the enabled rules' names landing on it.
    let mut names: Vec<Vec<String>> = vec![Vec::new(); matrix.techniques.len()];
    for rule in data.rules.iter().filter(|r| r.enabled) {
        let mut landed: Vec<usize> = Vec::new();
        for id in &rule.techniques {
            let Some(t) = matrix.current(id).filter(|t| t.is_active()) else { continue };
            let mut targets = vec![t.id];
            if t.is_subtechnique() {
                targets.push(t.parent_id());
            }
            for target in targets {
                if let Some(k) = matrix.technique_index(target) {
                    if !landed.contains(&k) {
                        landed.push(k);
                    }
                }
            }
        }
        for k in landed {
            names[k].push(rule.name.clone());
        }
    }
    let max = names.iter().map(Vec::len).max().unwrap_or(0).max(1) as u32;
    let mut techniques = Vec::new();
    for (k, t) in matrix.techniques.iter().enumerate() {
        if names[k].is_empty() {
            continue;
        }
        let mut rules = names[k].clone();
        rules.sort();
        for &tactic in &t.tactics {
            techniques.push(LayerTechnique {
                technique_id: t.id.to_owned(),
                tactic: matrix.tactics[tactic].short_name.to_owned(),
                score: rules.len() as u32,
                color: String::new(),
                comment: format!("Enabled rules: {}", rules.join("; ")),
                enabled: true,
                metadata: rules.iter().map(|r| MetaItem { name: "rule".to_owned(), value: r.clone() }).collect(),
                links: Vec::new(),
                show_subtechniques: false,
            });
        }
    }
    Layer {
        name: name.to_owned(),
        versions: Versions { attack: ATTACK_VERSION.to_owned(), navigator: NAVIGATOR_VERSION.to_owned(), layer: LAYER_VERSION.to_owned() },
        domain: "enterprise-attack".to_owned(),
        description: format!(
            "Detection coverage exported by Signalboard: each technique scored by the number of enabled rules covering it. MITRE ATT&CK® Enterprise v{ATTACK_VERSION}. {COPYRIGHT}"
        ),
        sorting: 3,
        layout: LayerLayout {
            layout: "side".to_owned(),
            aggregate_function: "average".to_owned(),
            show_id: false,
            show_name: true,
            show_aggregate_scores: false,
            count_unscored: false,
            expanded_subtechniques: "annotated".to_owned(),
        },
        hide_disabled: false,
        techniques,
        gradient: Gradient { colors: vec![NONE_COLOUR.to_owned(), FULL_COLOUR.to_owned()], min_value: 0, max_value: max },
        legend_items: vec![
            LegendItem { label: "covered by one enabled rule".to_owned(), color: "#c3d6f7".to_owned() },
            LegendItem { label: format!("covered by {max} enabled rules"), color: FULL_COLOUR.to_owned() },
        ],
        metadata: vec![MetaItem { name: "generated by".to_owned(), value: "Signalboard".to_owned() }],
        links: Vec::new(),
        show_tactic_row_background: false,
        tactic_row_background: "#dddddd".to_owned(),
        select_techniques_across_tactics: true,
        select_subtechniques_with_parent: false,
        select_visible_techniques: false,
    }
}

/// What an imported layer must hold: its name and its techniques' IDs (anything else is kept
/// by the Navigator, not here). A technique the layer disables is left out.
#[derive(Debug, Clone, Deserialize)]
pub struct LayerIn {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub domain: Option<String>,
    pub techniques: Vec<LayerTechniqueIn>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LayerTechniqueIn {
    #[serde(rename = "techniqueID")]
    pub technique_id: String,
    #[serde(default)]
    pub enabled: Option<bool>,
}

impl LayerIn {
    /// The layer's name and technique IDs, or what is wrong with it.
    pub fn checked(self) -> Result<(String, Vec<String>), String> {
        if let Some(domain) = &self.domain {
            if domain != "enterprise-attack" {
                return Err(format!("the layer's domain is '{domain}': only enterprise-attack layers can be drawn on this matrix"));
            }
        }
        if self.techniques.len() > MAX_LAYER_TECHNIQUES {
            return Err(format!("the layer lists {} techniques; at most {MAX_LAYER_TECHNIQUES} are read", self.techniques.len()));
        }
        let mut ids: Vec<String> = Vec::new();
        for (k, t) in self.techniques.iter().enumerate() {
            let id = t.technique_id.trim().to_ascii_uppercase();
            if !is_technique_id(&id) {
                return Err(format!("techniques[{k}]: '{}' is not an ATT&CK technique ID (T1234 or T1234.001)", t.technique_id));
            }
            if t.enabled != Some(false) && !ids.contains(&id) {
                ids.push(id);
            }
        }
        let name = self.name.map(|n| n.trim().chars().take(120).collect::<String>()).filter(|n| !n.is_empty());
        Ok((name.unwrap_or_else(|| "Imported layer".to_owned()), ids))
    }
}

fn is_technique_id(id: &str) -> bool {
    let Some(rest) = id.strip_prefix('T') else { return false };
    let (main, sub) = match rest.split_once('.') {
        Some((main, sub)) => (main, Some(sub)),
        None => (rest, None),
    };
    main.len() == 4 && main.bytes().all(|b| b.is_ascii_digit()) && sub.is_none_or(|s| s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit()))
}

/// One matrix technique an overlay names.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OverlayTechnique {
    /// The matrix cell: the technique today (a sub-technique's parent, a revoked ID's replacement).
    pub id: String,
    pub name: String,
    /// The IDs the layer gave that land here.
    pub from: Vec<String>,
    /// Whether an enabled rule covers it (it, or one of its sub-techniques).
    pub covered: bool,
}

/// An ATT&CK layer or group drawn over the matrix.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Overlay {
    pub name: String,
    /// The layer's techniques on today's matrix, uncovered first, then by ID.
    pub techniques: Vec<OverlayTechnique>,
    pub covered: u32,
    /// IDs that land on no active technique: unknown, or deprecated.
    pub unplaced: Vec<String>,
}

/// Lays `ids` (techniques or sub-techniques, current or revoked) on today's matrix and says
/// which are covered by an enabled rule.
pub fn overlay(data: &Dataset, name: &str, ids: &[String]) -> Overlay {
    let matrix = attack::matrix();
    let covered_cells = covered_cells(data, matrix);
    let mut techniques: Vec<OverlayTechnique> = Vec::new();
    let mut unplaced = Vec::new();
    for id in ids {
        match cell_of(matrix, id).and_then(|cell| matrix.technique(cell)) {
            None => unplaced.push(id.clone()),
            Some(t) => match techniques.iter_mut().find(|o| o.id == t.id) {
                Some(o) => o.from.push(id.clone()),
                None => techniques.push(OverlayTechnique {
                    id: t.id.to_owned(),
                    name: t.name.to_owned(),
                    from: vec![id.clone()],
                    covered: covered_cells.contains(&t.id),
                }),
            },
        }
    }
    techniques.sort_by(|a, b| a.covered.cmp(&b.covered).then_with(|| a.id.cmp(&b.id)));
    Overlay { name: name.to_owned(), covered: techniques.iter().filter(|t| t.covered).count() as u32, techniques, unplaced }
}

/// The matrix cells (technique IDs) an enabled rule covers, directly or through a sub-technique.
fn covered_cells(data: &Dataset, matrix: &'static Matrix) -> Vec<&'static str> {
    let enabled: Vec<bool> = data.rules.iter().map(|r| r.enabled).collect();
    covered_cells_by(data, matrix, &enabled)
}

/// The matrix cells covered by the rules `enabled` marks (one flag per rule of `data`).
pub fn covered_cells_by(data: &Dataset, matrix: &'static Matrix, enabled: &[bool]) -> Vec<&'static str> {
    let mut cells = Vec::new();
    for (rule, _) in data.rules.iter().zip(enabled).filter(|(_, &on)| on) {
        for id in &rule.techniques {
            if let Some(cell) = cell_of(matrix, id) {
                if !cells.contains(&cell) {
                    cells.push(cell);
                }
            }
        }
    }
    cells
}

/// The matrix cell a technique or sub-technique ID lands on today: the technique that stands
/// (a revoked ID's replacement), or its parent for a sub-technique; `None` when unknown or
/// deprecated.
pub fn cell_of(matrix: &'static Matrix, id: &str) -> Option<&'static str> {
    let t = matrix.current(id).filter(|t| t.is_active())?;
    matrix.technique(t.parent_id()).filter(|p| p.is_active()).map(|p| p.id)
}
