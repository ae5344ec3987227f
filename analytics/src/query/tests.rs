//! The query language's behaviour: parsing, errors with positions, matching, rendering.

use super::*;

fn term(attribute: Attribute, value: &str) -> Query {
    Query::Term { attribute, value: value.to_owned() }
}

#[test]
fn terms_free_text_and_implicit_and() {
    let q = Query::parse("@workflow.rule.id:def-0001 @workflow.triage.state:open okta").unwrap();
    assert_eq!(
        q,
        Query::And(vec![
            term(Attribute::RuleId, "def-0001"),
            term(Attribute::TriageState, "open"),
            Query::Text("okta".into()),
        ])
    );
}

#[test]
fn or_binds_looser_than_and_and_parentheses_group() {
    let q = Query::parse("status:critical OR status:high source:okta").unwrap();
    assert_eq!(
        q,
        Query::Or(vec![
            term(Attribute::Severity, "critical"),
            Query::And(vec![term(Attribute::Severity, "high"), term(Attribute::Source, "okta")]),
        ])
    );
    let q = Query::parse("(status:critical OR status:high) -source:okta").unwrap();
    assert_eq!(
        q,
        Query::And(vec![
            Query::Or(vec![term(Attribute::Severity, "critical"), term(Attribute::Severity, "high")]),
            Query::Not(Box::new(term(Attribute::Source, "okta"))),
        ])
    );
}

#[test]
fn quoted_values_wildcards_and_existence() {
    let q = Query::parse("@network.client.isp:\"Amazon.com, Inc.\" @workflow.rule.name:*MFA* @case.id:*").unwrap();
    assert_eq!(
        q,
        Query::And(vec![
            term(Attribute::Isp, "Amazon.com, Inc."),
            term(Attribute::RuleName, "*MFA*"),
            Query::Exists(Attribute::CaseId),
        ])
    );
}

#[test]
fn errors_say_what_and_where() {
    let cases = [
        ("status:critical)", "unexpected ')' at position 15"),
        ("(status:critical", "unclosed '(' at position 0"),
        ("@foo:bar", "unknown attribute '@foo' at position 0"),
        ("status:", "missing value after 'status:' at position 7"),
        ("status:severe", "unknown severity 'severe': expected one of critical, high, medium, low, info at position 7"),
        ("okta OR", "expected a term after OR at position 7"),
        ("OR okta", "OR needs a term before it at position 0"),
        ("title:\"unclosed", "unclosed quote at position 6"),
        ("()", "empty parentheses at position 0"),
        ("@case.id:abc", "case id 'abc' is not a number at position 9"),
    ];
    for (input, expected) in cases {
        let err = Query::parse(input).unwrap_err();
        assert_eq!(err.to_string(), expected, "for {input:?}");
    }
}

#[test]
fn hostile_queries_are_refused_with_a_position_not_a_crash() {
    // Deep nesting: parentheses and negations alike stop at MAX_DEPTH, at the token past it.
    for input in ["(".repeat(100_000), "(".repeat(4_000), format!("{}a{}", "(".repeat(40), ")".repeat(40))] {
        let err = Query::parse(&input).unwrap_err();
        if input.len() > MAX_QUERY_CHARS {
            assert!(err.message.starts_with("the query is too long"), "{err}");
            assert_eq!(err.position, MAX_QUERY_CHARS);
        } else {
            assert_eq!(err.to_string(), format!("the query nests parentheses and negations more than 32 deep at position 32"));
        }
    }
    let negations = format!("{}a", "-".repeat(50));
    assert_eq!(Query::parse(&negations).unwrap_err().position, 32);
    let nots = format!("{}a", "NOT ".repeat(50));
    assert_eq!(Query::parse(&nots).unwrap_err().position, 128);
    // At the limit itself a query still parses, and renders back.
    let deep = format!("{}a{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
    assert_eq!(Query::parse(&deep).unwrap(), Query::Text("a".into()));
    let deep_not = format!("{}a", "-".repeat(MAX_DEPTH));
    assert!(Query::parse(&deep_not).is_ok());
    // Too many terms: the position is where the first term past the limit starts.
    let many = vec!["a*"; 5_000].join(" ");
    let err = Query::parse(&many).unwrap_err();
    assert!(err.message.starts_with("the query is too long"), "{err}");
    let many = vec!["ab"; MAX_TERMS + 1].join(" ");
    assert_eq!(Query::parse(&many).unwrap_err().to_string(), format!("the query has more than 200 terms at position {}", MAX_TERMS * 3));
    assert!(Query::parse(&vec!["ab"; MAX_TERMS].join(" ")).is_ok());
}

#[test]
fn empty_query_matches_everything() {
    assert_eq!(Query::parse("   ").unwrap(), Query::All);
}

#[test]
fn rendered_queries_parse_back_to_the_same_tree() {
    for input in [
        "status:critical",
        "@workflow.rule.id:def-0001 @workflow.triage.state:open",
        "(status:critical OR status:high) -source:okta",
        "@network.client.isp:\"Amazon.com, Inc.\" \"two words\"",
        "-(a OR b) c",
        "@case.id:* NOT @tactic:TA0001",
        "@entity.name:\"say \\\"hi\\\"\"",
    ] {
        let q = Query::parse(input).unwrap();
        let rendered = q.to_string();
        assert_eq!(Query::parse(&rendered).unwrap(), q, "{input} -> {rendered}");
    }
}

pub(super) fn dataset() -> Dataset {
    use crate::dataset::*;
    let rule = |id: &str, name: &str, techniques: &[&str], tactics: &[&str]| Rule {
        id: id.into(),
        name: name.into(),
        default_severity: Severity::High,
        enabled: true,
        custom: false,
        source: 0,
        pack: 0,
        created_at_ms: 0,
        tactics: tactics.iter().map(|t| t.to_string()).collect(),
        techniques: techniques.iter().map(|t| t.to_string()).collect(),
    };
    let signal = |id: i64, rule: &str, severity, state, ip: Option<&str>, entities: Vec<i64>| SignalRecord {
        id,
        rule_id: rule.into(),
        title: format!("Signal {id} about Okta"),
        severity,
        product: Product::Siem,
        log_source_id: "okta".into(),
        first_seen_ms: id,
        detected_at_ms: id,
        ip: ip.map(str::to_owned),
        country_iso: ip.map(|_| "NL".to_owned()),
        region: None,
        city: None,
        isp: ip.map(|_| "M247 Europe SRL".to_owned()),
        asn: None,
        ti_indicator: None,
        ti_category: None,
        ti_intention: None,
        ti_subcategory: None,
        triage_state: state,
        assignee_id: (state != TriageState::Open).then_some(1),
        archive_reason: (state == TriageState::Archived).then_some(ArchiveReason::FalsePositive),
        archive_comment: None,
        case_id: (id == 3).then_some(9),
        tags: vec![],
        version: 1,
        events: 1,
        last_seen_ms: 0,
        entity_ids: entities,
    };
    Dataset::assemble(
        vec![ContentPack {
            id: "okta-pack".into(),
            name: "Okta".into(),
            category: PackCategory::Identity,
            enabled: true,
            health: PackHealth::Active,
            health_detail: None,
            health_since_ms: None,
        }],
        vec![LogSource { id: "okta".into(), name: "Okta".into(), pack: 0 }],
        vec![
            rule("r1", "MFA push fatigue", &["T1621", "T1078.004"], &["TA0006"]),
            rule("r2", "Legacy archive", &["T1002"], &["TA0010"]),
        ],
        vec![User { id: 1, username: "ana".into(), display_name: "Ana".into(), role: Role::Analyst, active: true, created_at_ms: 0 }],
        vec![
            Entity { id: 1, kind: EntityKind::User, name: "alice@acme-corp.com".into() },
            Entity { id: 2, kind: EntityKind::Ip, name: "10.0.0.9".into() },
        ],
        vec![
            signal(1, "r1", Severity::Critical, TriageState::Open, Some("203.0.113.7"), vec![1]),
            signal(2, "r1", Severity::Low, TriageState::Archived, None, vec![2]),
            signal(3, "r2", Severity::High, TriageState::UnderReview, Some("198.51.100.4"), vec![]),
        ],
        vec![],
    )
    .unwrap()
}

fn ids(data: &Dataset, query: &str) -> Vec<i64> {
    let q = Query::parse(query).unwrap();
    (0..data.signals.len()).filter(|&i| q.matches(data, i)).map(|i| data.signals.id[i]).collect()
}

#[test]
fn queries_select_the_right_signals() {
    let data = dataset();
    assert_eq!(ids(&data, ""), [1, 2, 3]);
    assert_eq!(ids(&data, "status:critical OR status:high"), [1, 3]);
    assert_eq!(ids(&data, "-@workflow.triage.state:open"), [2, 3]);
    assert_eq!(ids(&data, "@workflow.triage.archive_reason:false_positive"), [2]);
    assert_eq!(ids(&data, "@workflow.triage.assignee:ana"), [2, 3]);
    assert_eq!(ids(&data, "@workflow.rule.name:*fatigue*"), [1, 2]);
    assert_eq!(ids(&data, "@network.client.geoip.country.iso_code:nl @network.client.isp:\"M247 Europe SRL\""), [1, 3]);
    // Any IP in the signal: the attacker's, or an IP entity.
    assert_eq!(ids(&data, "@network.ip.list:10.0.0.9"), [2]);
    assert_eq!(ids(&data, "@network.ip.list:203.0.113.*"), [1]);
    assert_eq!(ids(&data, "@entity.type:user"), [1]);
    assert_eq!(ids(&data, "@case.id:*"), [3]);
    assert_eq!(ids(&data, "@case.id:9"), [3]);
    // A technique matches its sub-techniques; a revoked ID its replacement.
    assert_eq!(ids(&data, "@technique:T1078"), [1, 2]);
    assert_eq!(ids(&data, "@technique:T1560"), [3]);
    assert_eq!(ids(&data, "@tactic:TA0006"), [1, 2]);
    assert_eq!(ids(&data, "@tactic:credential-access"), [1, 2]);
    // Free text searches titles and rule names.
    assert_eq!(ids(&data, "legacy"), [3]);
    assert_eq!(ids(&data, "okta -status:low"), [1, 3]);
    assert_eq!(ids(&data, "(status:low OR status:high) source:okta product:siem"), [2, 3]);
}

#[test]
fn globs() {
    assert!(glob_eq("Okta MFA push", "*mfa*"));
    assert!(glob_eq("def-0001", "def-*"));
    assert!(!glob_eq("def-0001", "cus-*"));
    assert!(glob_eq("OKTA", "okta"));
    assert!(glob_eq("abc", "a*c"));
    assert!(!glob_eq("abcd", "a*c"));
}

#[cfg(test)]
mod property_tests {
    use super::*;
    use proptest::prelude::*;

    /// Values for attributes whose values are free text: awkward characters on purpose.
    fn free_text() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-zA-Z0-9._@-]{1,12}",
            "[a-z]{1,5}[ :()\"\\\\*-][a-z]{0,5}",
            Just("OR".to_owned()),
            Just("AND".to_owned()),
            Just("NOT".to_owned()),
            Just("-lead".to_owned()),
            Just("Amazon.com, Inc.".to_owned()),
            Just("ünïcødé ✓".to_owned()),
            Just("*".to_owned()),
            Just("a*b".to_owned()),
        ]
    }

    fn term() -> impl Strategy<Value = Query> {
        let free = prop_oneof![
            Just(Attribute::RuleName),
            Just(Attribute::RuleId),
            Just(Attribute::Source),
            Just(Attribute::EntityName),
            Just(Attribute::Isp),
            Just(Attribute::Subdivision),
            Just(Attribute::IpList),
            Just(Attribute::Tactic),
        ];
        prop_oneof![
            (free, free_text()).prop_map(|(attribute, value)| Query::Term { attribute, value }),
            proptest::sample::select(Severity::ALL.to_vec())
                .prop_map(|s| Query::Term { attribute: Attribute::Severity, value: s.as_str().to_owned() }),
            proptest::sample::select(TriageState::ALL.to_vec())
                .prop_map(|s| Query::Term { attribute: Attribute::TriageState, value: s.as_str().to_owned() }),
            (0i64..100_000).prop_map(|n| Query::Term { attribute: Attribute::CaseId, value: n.to_string() }),
            proptest::sample::select(Attribute::ALL.to_vec()).prop_map(Query::Exists),
            free_text().prop_map(Query::Text),
        ]
    }

    /// Trees as the parser builds them: groups of two or more, no double negation.
    fn tree() -> impl Strategy<Value = Query> {
        term().prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                inner.clone().prop_filter("no double negation", |q| !matches!(q, Query::Not(_))).prop_map(|q| Query::Not(Box::new(q))),
                proptest::collection::vec(inner.clone(), 2..4).prop_map(Query::And),
                proptest::collection::vec(inner, 2..4).prop_map(Query::Or),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

        #[test]
        fn a_rendered_query_parses_back_to_the_same_tree(query in tree()) {
            let text = query.to_string();
            let parsed = Query::parse(&text);
            prop_assert_eq!(parsed.as_ref(), Ok(&query), "rendered as {}", text);
        }

        #[test]
        fn any_input_parses_or_fails_with_a_position_inside_it(input in "[a-z@:\"()* -]{0,30}|.{0,20}") {
            match Query::parse(&input) {
                Ok(query) => {
                    let again = Query::parse(&query.to_string());
                    prop_assert_eq!(again, Ok(query));
                }
                Err(error) => prop_assert!(error.position <= input.chars().count(), "{error} for {input:?}"),
            }
        }
    }
}
