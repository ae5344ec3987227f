//! Each case is a rule and events whose outcome the Sigma specification states
//! (https://sigmahq.io/docs/basics/modifiers.html, https://sigmahq.io/docs/basics/conditions.html),
//! written before looking at what the evaluator answers.

use super::*;

const ID: &str = "00000000-0000-4000-8000-000000000001";

/// A CloudTrail rule with `detection` as its detection block.
fn rule(detection: &str) -> String {
    format!(
        "title: Test rule\nid: {ID}\nstatus: test\nlevel: high\ntags:\n    - attack.defense-impairment\n    - attack.t1562.008\nlogsource:\n    product: aws\n    service: cloudtrail\ndetection:\n{detection}\n"
    )
}

fn detector(yaml: &str) -> Detector {
    let (detector, problems) = Detector::build(&[Enabled { id: ID.into(), source_id: "cloudtrail".into(), yaml: yaml.into() }]);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(detector.len(), 1);
    detector
}

fn matches(detector: &Detector, event: serde_json::Value) -> bool {
    let raw = serde_json::value::to_raw_value(&event).unwrap();
    detector.detect("cloudtrail", &raw) == vec![0]
}

/// Asserts which of `events` the rule matches.
fn check(detection: &str, cases: &[(serde_json::Value, bool)]) {
    let d = detector(&rule(detection));
    for (event, expected) in cases {
        assert_eq!(matches(&d, event.clone()), *expected, "{detection}\non {event}");
    }
}

use serde_json::json;

#[test]
fn plain_values_match_whole_and_case_insensitively_with_wildcards() {
    check(
        "    selection:\n        eventName: StopLogging\n    condition: selection",
        &[
            (json!({"eventName": "StopLogging"}), true),
            (json!({"eventName": "stoplogging"}), true),
            (json!({"eventName": "StopLoggingNow"}), false),
            (json!({"eventName": "Stop"}), false),
            (json!({"other": "StopLogging"}), false),
        ],
    );
    check(
        "    selection:\n        eventName: 'Delete*Trail'\n    condition: selection",
        &[
            (json!({"eventName": "DeleteTrail"}), true),
            (json!({"eventName": "DeleteMyTrail"}), true),
            (json!({"eventName": "DeleteTrails"}), false),
        ],
    );
    check(
        "    selection:\n        eventName: 'Get?'\n    condition: selection",
        &[(json!({"eventName": "GetX"}), true), (json!({"eventName": "Get"}), false), (json!({"eventName": "GetXY"}), false)],
    );
}

#[test]
fn a_list_is_any_of_its_values_and_a_map_is_all_of_its_fields() {
    let detection = "    selection:\n        eventSource: cloudtrail.amazonaws.com\n        eventName:\n            - StopLogging\n            - DeleteTrail\n    condition: selection";
    check(
        detection,
        &[
            (json!({"eventSource": "cloudtrail.amazonaws.com", "eventName": "DeleteTrail"}), true),
            (json!({"eventSource": "cloudtrail.amazonaws.com", "eventName": "UpdateTrail"}), false),
            (json!({"eventSource": "s3.amazonaws.com", "eventName": "DeleteTrail"}), false),
        ],
    );
}

#[test]
fn nested_fields_are_reached_by_dots() {
    check(
        "    selection:\n        userIdentity.type: Root\n    condition: selection",
        &[(json!({"userIdentity": {"type": "Root"}}), true), (json!({"userIdentity": {"type": "IAMUser"}}), false)],
    );
}

#[test]
fn contains_startswith_endswith() {
    check(
        "    selection:\n        requestParameters|contains: 'AdministratorAccess'\n    condition: selection",
        &[(json!({"requestParameters": "arn:aws:iam::aws:policy/administratoraccess"}), true), (json!({"requestParameters": "ReadOnly"}), false)],
    );
    check(
        "    selection:\n        eventName|startswith: 'Delete'\n    condition: selection",
        &[(json!({"eventName": "DeleteBucket"}), true), (json!({"eventName": "BucketDelete"}), false)],
    );
    check(
        "    selection:\n        eventName|endswith: 'Policy'\n    condition: selection",
        &[(json!({"eventName": "PutBucketPolicy"}), true), (json!({"eventName": "PolicyPut"}), false)],
    );
}

#[test]
fn all_requires_every_value() {
    check(
        "    selection:\n        userAgent|contains|all:\n            - 'aws-cli'\n            - 'linux'\n    condition: selection",
        &[
            (json!({"userAgent": "aws-cli/2.0 Python/3 Linux/5.10"}), true),
            (json!({"userAgent": "aws-cli/2.0 Python/3 Windows/10"}), false),
        ],
    );
}

#[test]
fn re_is_a_regular_expression() {
    check(
        "    selection:\n        sourceIPAddress|re: '^10\\.0\\.[0-9]+\\.[0-9]+$'\n    condition: selection",
        &[(json!({"sourceIPAddress": "10.0.12.7"}), true), (json!({"sourceIPAddress": "110.0.12.7"}), false)],
    );
}

#[test]
fn cidr_matches_addresses_in_the_network() {
    check(
        "    selection:\n        sourceIPAddress|cidr:\n            - '192.0.2.0/24'\n            - '2001:db8::/32'\n    condition: selection",
        &[
            (json!({"sourceIPAddress": "192.0.2.77"}), true),
            (json!({"sourceIPAddress": "192.0.3.1"}), false),
            (json!({"sourceIPAddress": "2001:db8::1"}), true),
            (json!({"sourceIPAddress": "ec2.amazonaws.com"}), false),
        ],
    );
}

#[test]
fn base64offset_finds_the_value_encoded_at_any_offset() {
    // "whoami" base64-encoded at offsets 0, 1 and 2 inside a longer encoded string.
    let encode = |text: &str| base64(text.as_bytes());
    assert_eq!(encode("whoami"), "d2hvYW1p");
    let d = detector(&rule("    selection:\n        commandLine|base64offset|contains: 'whoami'\n    condition: selection"));
    for prefix in ["", "a", "ab"] {
        let encoded = encode(&format!("{prefix}whoami /all"));
        assert!(matches(&d, json!({"commandLine": format!("powershell -enc {encoded}")})), "offset {}", prefix.len());
    }
    assert!(!matches(&d, json!({"commandLine": format!("powershell -enc {}", encode("hostname"))})));
}

#[test]
fn base64offset_gives_the_specifications_three_encodings() {
    // pySigma's documented example: `/c whoami`... here the spec's own rule, with the values
    // worked out by hand: " whoami" → "IHdob2FtaQ==" → "dob2Fta"; "  whoami" → "ICB3aG9hbWk=" → "3aG9hbW".
    assert_eq!(base64_offsets(b"whoami"), vec!["d2hvYW1p".to_owned(), "dob2Fta".to_owned(), "3aG9hbW".to_owned()]);
}

#[test]
fn base64offset_with_all_needs_every_value() {
    let d = detector(&rule("    selection:\n        commandLine|base64offset|contains|all:\n            - 'whoami'\n            - 'hostname'\n    condition: selection"));
    assert!(matches(&d, json!({"commandLine": base64(b"x whoami; hostname")})));
    assert!(!matches(&d, json!({"commandLine": base64(b"x whoami; uname")})));
}

#[test]
fn windash_accepts_every_dash_for_the_first_one() {
    let d = detector(&rule("    selection:\n        commandLine|windash|contains: ' -exec '\n    condition: selection"));
    for dash in ["-", "/", "\u{2013}", "\u{2014}", "\u{2015}"] {
        assert!(matches(&d, json!({"commandLine": format!("tool {dash}exec now")})), "dash {dash}");
    }
    assert!(!matches(&d, json!({"commandLine": "tool +exec now"})));
}

#[test]
fn exists_tests_presence() {
    check(
        "    selection:\n        errorCode|exists: true\n    condition: selection",
        &[(json!({"errorCode": "AccessDenied"}), true), (json!({"eventName": "x"}), false)],
    );
    check(
        "    selection:\n        errorCode|exists: false\n    condition: selection",
        &[(json!({"errorCode": "AccessDenied"}), false), (json!({"eventName": "x"}), true)],
    );
}

#[test]
fn numeric_comparisons() {
    check(
        "    selection:\n        port|gte: 1024\n    condition: selection",
        &[(json!({"port": 1024}), true), (json!({"port": 22}), false), (json!({"port": 8080}), true)],
    );
    check("    selection:\n        port|gt: 1024\n    condition: selection", &[(json!({"port": 1024}), false), (json!({"port": 1025}), true)]);
    check("    selection:\n        port|lt: 1024\n    condition: selection", &[(json!({"port": 22}), true), (json!({"port": 1024}), false)]);
    check("    selection:\n        port|lte: 1024\n    condition: selection", &[(json!({"port": 1024}), true), (json!({"port": 1025}), false)]);
}

#[test]
fn one_of_a_pattern_and_all_of_them() {
    let selections = "    selection_stop:\n        eventName: StopLogging\n    selection_delete:\n        eventName: DeleteTrail\n    filter:\n        userIdentity.type: Root\n";
    check(
        &format!("{selections}    condition: 1 of selection_* and not filter"),
        &[
            (json!({"eventName": "StopLogging", "userIdentity": {"type": "IAMUser"}}), true),
            (json!({"eventName": "DeleteTrail", "userIdentity": {"type": "IAMUser"}}), true),
            (json!({"eventName": "DeleteTrail", "userIdentity": {"type": "Root"}}), false),
            (json!({"eventName": "UpdateTrail"}), false),
        ],
    );
    check(
        "    a:\n        eventSource: iam.amazonaws.com\n    b:\n        eventName|startswith: Create\n    condition: all of them",
        &[
            (json!({"eventSource": "iam.amazonaws.com", "eventName": "CreateUser"}), true),
            (json!({"eventSource": "iam.amazonaws.com", "eventName": "DeleteUser"}), false),
        ],
    );
    check(
        "    sel_a:\n        eventName: A\n    sel_b:\n        eventSource: B\n    condition: all of sel_*",
        &[(json!({"eventName": "A", "eventSource": "B"}), true), (json!({"eventName": "A"}), false)],
    );
}

#[test]
fn nested_conditions_follow_parentheses_and_precedence() {
    let selections = "    a:\n        x: 1\n    b:\n        y: 1\n    c:\n        z: 1\n";
    // `not` binds tighter than `and`, which binds tighter than `or`.
    check(
        &format!("{selections}    condition: a or b and not c"),
        &[
            (json!({"x": 1, "z": 1}), true),
            (json!({"y": 1, "z": 1}), false),
            (json!({"y": 1}), true),
        ],
    );
    check(
        &format!("{selections}    condition: (a or b) and not c"),
        &[(json!({"x": 1, "z": 1}), false), (json!({"x": 1}), true), (json!({"z": 1}), false)],
    );
}

#[test]
fn keywords_search_every_value() {
    check(
        "    keywords:\n        - 'mimikatz'\n    condition: keywords",
        &[(json!({"a": {"b": "run Mimikatz now"}}), true), (json!({"a": "clean"}), false)],
    );
}

#[test]
fn null_matches_a_missing_or_null_field() {
    check(
        "    selection:\n        eventName: ConsoleLogin\n    filter:\n        errorMessage: null\n    condition: selection and filter",
        &[
            (json!({"eventName": "ConsoleLogin"}), true),
            (json!({"eventName": "ConsoleLogin", "errorMessage": null}), true),
            (json!({"eventName": "ConsoleLogin", "errorMessage": "Failed authentication"}), false),
        ],
    );
}

#[test]
fn an_event_is_only_evaluated_against_its_own_sources_rules() {
    let d = detector(&rule("    selection:\n        eventName: StopLogging\n    condition: selection"));
    let raw = serde_json::value::to_raw_value(&json!({"eventName": "StopLogging"})).unwrap();
    assert_eq!(d.detect("okta", &raw), Vec::<usize>::new());
    assert!(d.covers("cloudtrail") && !d.covers("okta"));
}

#[test]
fn import_reads_metadata_mapping_and_log_source() {
    let mut out = RuleFiles::default();
    read_text("t.yml", rule("    selection:\n        eventName: StopLogging\n    condition: selection").as_bytes(), &mut out);
    assert_eq!(out.skipped, vec![]);
    let r = &out.rules[0];
    assert_eq!(r.id, ID);
    assert_eq!(r.severity, Severity::High);
    assert_eq!(r.status, "test");
    assert_eq!(r.techniques, vec!["T1562.008".to_owned()]);
    // ATT&CK v19's Defense Impairment is part of v18.1's Defense Evasion.
    assert_eq!(r.tactics, vec!["TA0005".to_owned()]);
    assert_eq!(r.source.map(|s| s.id), Some("cloudtrail"));
    assert_eq!(r.logsource, "product=aws service=cloudtrail");
    assert!(r.evaluable && r.problem.is_none());
}

#[test]
fn import_skips_deprecated_and_disables_what_cannot_run() {
    let mut out = RuleFiles::default();
    let deprecated = rule("    selection:\n        a: 1\n    condition: selection").replace("status: test", "status: deprecated");
    read_text("d.yml", deprecated.as_bytes(), &mut out);
    let m365 = rule("    selection:\n        a: 1\n    condition: selection").replace("product: aws\n    service: cloudtrail", "product: m365\n    service: exchange");
    read_text("m.yml", m365.as_bytes(), &mut out);
    read_text("bad.yml", b"title: [unclosed", &mut out);
    read_text("noid.yml", rule("    selection:\n        a: 1\n    condition: selection").replace(&format!("id: {ID}\n"), "").as_bytes(), &mut out);
    let reasons: Vec<_> = out.skipped.iter().map(|s| (s.file.as_str(), s.reason.clone())).collect();
    assert_eq!(reasons, vec![("d.yml", SkipReason::Deprecated), ("bad.yml", SkipReason::Invalid), ("noid.yml", SkipReason::NoId)]);
    assert_eq!(out.rules.len(), 1);
    assert_eq!(out.rules[0].source, None);
    assert!(out.rules[0].problem.as_deref().unwrap().contains("product=m365 service=exchange"));
}
