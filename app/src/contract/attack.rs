//! ATT&CK Navigator layers and groups: `GET /attack/layers`, `POST /attack/layers`,
//! `GET /attack/groups` (docs/product.md §4.6).

use analytics::navigator::Overlay;
use serde::{Deserialize, Serialize};

/// A layer the signed-in user keeps, as listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttackLayerView {
    pub id: i64,
    pub name: String,
    /// How many technique IDs it lists.
    pub techniques: usize,
}

/// The answer to an import: the layer kept, and it drawn over the matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerImported {
    pub layer: AttackLayerView,
    pub overlay: Overlay,
}

/// An ATT&CK group (intrusion set), in MITRE's terms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttackGroupView {
    pub id: String,
    pub name: String,
    pub aliases: Vec<String>,
    /// How many techniques MITRE lists it as using.
    pub techniques: usize,
}

impl From<&analytics::attack::Group> for AttackGroupView {
    fn from(g: &analytics::attack::Group) -> Self {
        AttackGroupView {
            id: g.id.to_owned(),
            name: g.name.to_owned(),
            aliases: g.aliases.iter().map(|a| (*a).to_owned()).collect(),
            techniques: g.techniques.len(),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<storage::SavedLayer> for AttackLayerView {
    fn from(l: storage::SavedLayer) -> Self {
        AttackLayerView { id: l.id, name: l.name, techniques: l.techniques.len() }
    }
}
