//! The MITRE ATT&CK® Enterprise matrix (v18.1), embedded from `data/attack/enterprise-attack.tsv`.
//!
//! © 2025 The MITRE Corporation. This work is reproduced and distributed with the permission of
//! The MITRE Corporation. See `data/attack/NOTICE.md` for the full terms.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Serialize;

const TABLE: &str = include_str!("../data/attack/enterprise-attack.tsv");

/// MITRE's copyright designation, shown wherever ATT&CK content is displayed.
pub const COPYRIGHT: &str = "© 2025 The MITRE Corporation. This work is reproduced and distributed with the permission of The MITRE Corporation.";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TechniqueStatus {
    Active,
    Deprecated,
    Revoked,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tactic {
    /// `TA0001`.
    pub id: &'static str,
    /// `initial-access`: how techniques name their tactics.
    pub short_name: &'static str,
    pub name: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Technique {
    /// `T1078` or, for a sub-technique, `T1078.004`.
    pub id: &'static str,
    pub name: &'static str,
    /// Indexes into [`Matrix::tactics`], in matrix column order.
    pub tactics: Vec<usize>,
    pub status: TechniqueStatus,
    /// The entry that replaces a revoked one (which may itself be revoked).
    pub revoked_by: Option<&'static str>,
}

impl Technique {
    pub fn is_subtechnique(&self) -> bool {
        self.id.contains('.')
    }

    /// `T1078` for `T1078.004`, itself for a technique.
    pub fn parent_id(&self) -> &'static str {
        self.id.split('.').next().unwrap_or(self.id)
    }

    pub fn is_active(&self) -> bool {
        self.status == TechniqueStatus::Active
    }
}

/// The whole matrix: tactics in MITRE's column order, techniques and sub-techniques by ID.
#[derive(Debug)]
pub struct Matrix {
    pub tactics: Vec<Tactic>,
    /// Techniques and sub-techniques, sorted by ID (a sub-technique follows its parent).
    pub techniques: Vec<Technique>,
    by_id: HashMap<&'static str, usize>,
    tactic_by_key: HashMap<String, usize>,
}

/// The embedded matrix, parsed once.
pub fn matrix() -> &'static Matrix {
    static MATRIX: OnceLock<Matrix> = OnceLock::new();
    MATRIX.get_or_init(|| Matrix::parse(TABLE).expect("the embedded ATT&CK table is well formed"))
}

impl Matrix {
    /// Parses the table format written by `scripts/derive-attack.py`.
    pub fn parse(text: &'static str) -> Result<Matrix, String> {
        let mut tactics = Vec::new();
        let mut tactic_by_short: HashMap<&str, usize> = HashMap::new();
        let mut techniques = Vec::new();
        for (number, line) in text.lines().enumerate() {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&'static str> = line.split('\t').collect();
            let at = || format!("line {}", number + 1);
            match fields.as_slice() {
                ["tactic", id, short_name, name] => {
                    tactic_by_short.insert(short_name, tactics.len());
                    tactics.push(Tactic { id, short_name, name });
                }
                [kind @ ("technique" | "subtechnique"), id, name, tactic_list, status, revoked_by] => {
                    let tactics_of = tactic_list
                        .split(',')
                        .map(|short| {
                            tactic_by_short
                                .get(short)
                                .copied()
                                .ok_or_else(|| format!("{}: unknown tactic '{short}'", at()))
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    let status = match *status {
                        "active" => TechniqueStatus::Active,
                        "deprecated" => TechniqueStatus::Deprecated,
                        "revoked" => TechniqueStatus::Revoked,
                        other => return Err(format!("{}: unknown status '{other}'", at())),
                    };
                    if (*kind == "subtechnique") != id.contains('.') {
                        return Err(format!("{}: '{id}' does not match its kind {kind}", at()));
                    }
                    techniques.push(Technique {
                        id,
                        name,
                        tactics: tactics_of,
                        status,
                        revoked_by: (*revoked_by != "-").then_some(*revoked_by),
                    });
                }
                _ => return Err(format!("{}: unexpected record '{line}'", at())),
            }
        }
        let by_id = techniques.iter().enumerate().map(|(i, t)| (t.id, i)).collect();
        let mut tactic_by_key = HashMap::new();
        for (i, tactic) in tactics.iter().enumerate() {
            tactic_by_key.insert(tactic.id.to_ascii_lowercase(), i);
            tactic_by_key.insert(tactic.short_name.to_owned(), i);
            tactic_by_key.insert(tactic.name.to_ascii_lowercase(), i);
            tactic_by_key.insert(tactic.short_name.replace('-', "_"), i);
        }
        Ok(Matrix { tactics, techniques, by_id, tactic_by_key })
    }

    pub fn technique(&self, id: &str) -> Option<&Technique> {
        self.by_id.get(id.trim().to_ascii_uppercase().as_str()).map(|&i| &self.techniques[i])
    }

    pub fn technique_index(&self, id: &str) -> Option<usize> {
        self.by_id.get(id.trim().to_ascii_uppercase().as_str()).copied()
    }

    /// Follows `revoked_by` to the entry that stands today; `None` for unknown IDs.
    pub fn current(&self, id: &str) -> Option<&Technique> {
        let mut technique = self.technique(id)?;
        for _ in 0..8 {
            match technique.revoked_by.and_then(|next| self.technique(next)) {
                Some(next) => technique = next,
                None => break,
            }
        }
        Some(technique)
    }

    /// A tactic by ID (`TA0001`), short name (`initial-access`, `initial_access`) or name.
    pub fn tactic_index(&self, key: &str) -> Option<usize> {
        self.tactic_by_key.get(&key.trim().to_ascii_lowercase()).copied()
    }

    /// Active techniques (not sub-techniques): the columns' cells.
    pub fn active_techniques(&self) -> impl Iterator<Item = &Technique> {
        self.techniques.iter().filter(|t| t.is_active() && !t.is_subtechnique())
    }

    /// Active sub-techniques of `parent`.
    pub fn subtechniques_of<'a>(&'a self, parent: &'a str) -> impl Iterator<Item = &'a Technique> + 'a {
        self.techniques
            .iter()
            .filter(move |t| t.is_active() && t.is_subtechnique() && t.parent_id() == parent)
    }
}

/// MITRE ATT&CK's groups (intrusion sets) of the same release, with the techniques each is known
/// to use (`uses` relationships), as `scripts/derive-attack-groups.py` writes them.
const GROUPS: &str = include_str!("../data/attack/enterprise-attack-groups.tsv");

/// An ATT&CK group, in MITRE's terms.
#[derive(Debug, Clone)]
pub struct Group {
    /// `G0016`.
    pub id: &'static str,
    pub name: &'static str,
    pub aliases: Vec<&'static str>,
    /// Technique and sub-technique IDs, as MITRE lists them.
    pub techniques: Vec<&'static str>,
}

/// Every group of the release, by ID.
pub fn groups() -> &'static [Group] {
    static GROUP_LIST: OnceLock<Vec<Group>> = OnceLock::new();
    GROUP_LIST.get_or_init(|| parse_groups(GROUPS).expect("the embedded ATT&CK groups table is well formed"))
}

/// Group `id` (`G0016`, any case).
pub fn group(id: &str) -> Option<&'static Group> {
    groups().iter().find(|g| g.id.eq_ignore_ascii_case(id.trim()))
}

fn parse_groups(text: &'static str) -> Result<Vec<Group>, String> {
    let list = |field: &'static str| -> Vec<&'static str> {
        if field == "-" { Vec::new() } else { field.split(',').filter(|s| !s.is_empty()).collect() }
    };
    let mut groups = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match line.split('\t').collect::<Vec<_>>()[..] {
            ["group", id, name, aliases, techniques] => groups.push(Group { id, name, aliases: list(aliases), techniques: list(techniques) }),
            _ => return Err(format!("line {}: not a group line", number + 1)),
        }
    }
    Ok(groups)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v18_1_has_the_published_counts() {
        let m = matrix();
        assert_eq!(m.tactics.len(), 14);
        assert_eq!(m.active_techniques().count(), 216);
        let active_subs = m.techniques.iter().filter(|t| t.is_active() && t.is_subtechnique()).count();
        assert_eq!(active_subs, 475);
    }

    #[test]
    fn tactics_are_in_mitre_column_order() {
        let ids: Vec<_> = matrix().tactics.iter().map(|t| t.id).collect();
        assert_eq!(
            ids,
            [
                "TA0043", "TA0042", "TA0001", "TA0002", "TA0003", "TA0004", "TA0005", "TA0006",
                "TA0007", "TA0008", "TA0009", "TA0011", "TA0010", "TA0040"
            ]
        );
    }

    #[test]
    fn techniques_know_their_tactics_and_parents() {
        let m = matrix();
        let valid_accounts = m.technique("T1078").unwrap();
        assert_eq!(valid_accounts.name, "Valid Accounts");
        let names: Vec<_> = valid_accounts.tactics.iter().map(|&i| m.tactics[i].short_name).collect();
        assert!(names.contains(&"initial-access") && names.contains(&"persistence"), "{names:?}");
        let cloud = m.technique("t1078.004").unwrap();
        assert!(cloud.is_subtechnique());
        assert_eq!(cloud.parent_id(), "T1078");
        assert!(m.subtechniques_of("T1078").any(|t| t.id == "T1078.004"));
    }

    #[test]
    fn revoked_entries_lead_to_their_replacement() {
        let m = matrix();
        let revoked = m.technique("T1002").unwrap();
        assert_eq!(revoked.status, TechniqueStatus::Revoked);
        assert_eq!(m.current("T1002").unwrap().id, "T1560");
        // A chain: T1150 -> T1547.011 (itself revoked) -> T1647.
        assert_eq!(m.current("T1150").unwrap().id, "T1647");
        assert!(m.technique("T9999").is_none());
    }

    #[test]
    fn tactics_are_found_by_any_of_their_names() {
        let m = matrix();
        let i = m.tactic_index("TA0001").unwrap();
        assert_eq!(m.tactic_index("initial-access"), Some(i));
        assert_eq!(m.tactic_index("initial_access"), Some(i));
        assert_eq!(m.tactic_index("Initial Access"), Some(i));
        assert_eq!(m.tactic_index("nope"), None);
    }

    #[test]
    fn malformed_tables_are_refused_with_the_line() {
        let err = Matrix::parse("tactic\tTA0001\tinitial-access\tInitial Access\ntechnique\tT1\tX\tnowhere\tactive\t-\n")
            .unwrap_err();
        assert_eq!(err, "line 2: unknown tactic 'nowhere'");
    }

    #[test]
    fn the_groups_of_the_release_name_their_techniques() {
        let apt29 = group("g0016").expect("APT29");
        assert_eq!(apt29.name, "APT29");
        assert!(apt29.aliases.contains(&"Cozy Bear"));
        assert!(apt29.techniques.len() > 20);
        // Every technique a group uses is in the matrix.
        for g in groups() {
            for t in &g.techniques {
                assert!(matrix().technique(t).is_some(), "{} uses {t}, which the matrix lacks", g.id);
            }
        }
        assert!(group("Scattered Spider").is_none(), "by ID, not by name");
        assert_eq!(group("G1015").unwrap().name, "Scattered Spider");
    }
}
