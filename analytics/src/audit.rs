//! The audit trail: which history events a reader asked for.

use crate::dataset::{AssetType, Dataset, EventRef};

/// Which history events to list: by actor (username), action and asset type; each is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor: Option<i64>,
    pub action: Option<String>,
    pub asset_type: Option<AssetType>,
}

impl AuditFilter {
    /// Reads the filter as people type it; blank means "any". An unknown username or asset type
    /// is refused with a message naming the parameter.
    pub fn from_params(data: &Dataset, actor: Option<&str>, action: Option<&str>, asset_type: Option<&str>) -> Result<AuditFilter, String> {
        let actor = match actor.map(str::trim).filter(|a| !a.is_empty()) {
            None => None,
            Some(name) => Some(data.user_named(name).map(|u| u.id).ok_or_else(|| format!("actor: there is no user '{name}'"))?),
        };
        let asset_type = match asset_type.map(str::trim).filter(|a| !a.is_empty()) {
            None => None,
            Some(t) => Some(AssetType::parse(t).ok_or_else(|| format!("asset_type: '{t}' is not one of security_signal, case, rule, user"))?),
        };
        let action = action.map(str::trim).filter(|a| !a.is_empty()).map(str::to_owned);
        Ok(AuditFilter { actor, action, asset_type })
    }

    /// The matching events, newest first.
    pub fn events<'d>(&'d self, data: &'d Dataset) -> impl Iterator<Item = EventRef<'d>> + 'd {
        data.history().rev().filter(move |h| {
            self.actor.is_none_or(|a| h.actor_id() == Some(a))
                && self.action.as_deref().is_none_or(|a| h.action() == a)
                && self.asset_type.is_none_or(|t| h.asset_type() == t)
        })
    }
}
