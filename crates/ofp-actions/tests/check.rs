//! Validation against the flow: OVS's error texts for the common mistakes.

use flow::parse_match;
use ofp_actions::*;

fn check(m: &str, acts: &str, v: Version, table: Option<u8>) -> Result<(), String> {
    let m = parse_match(m, None).map_err(|e| e.to_string())?;
    let a = parse_actions(acts, None).map_err(|e| e.to_string())?;
    check_actions(
        &a,
        &CheckContext {
            flow_match: &m,
            version: v,
            table_id: table,
        },
    )
    .map_err(|e| e.to_string())
}

const INCONSISTENT: &str = "actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT)";

#[test]
fn set_field_needs_its_prerequisite_in_the_match() {
    let e = check("", "set_field:1.2.3.4->ip_src", Version::Of13, Some(0));
    assert_eq!(e.unwrap_err(), INCONSISTENT);
    assert!(check("ip", "set_field:1.2.3.4->ip_src", Version::Of13, Some(0)).is_ok());
    assert_eq!(
        check("udp", "set_field:80->tcp_dst", Version::Of13, Some(0)).unwrap_err(),
        INCONSISTENT
    );
    assert_eq!(
        check(
            "",
            "move:NXM_OF_IP_SRC[]->NXM_NX_REG0[]",
            Version::Of10,
            None
        )
        .unwrap_err(),
        INCONSISTENT
    );
    // After push_mpls the packet is MPLS, so set_mpls_ttl is fine even in OpenFlow 1.3.
    assert!(check(
        "ip",
        "push_mpls:0x8847,set_mpls_ttl:3",
        Version::Of13,
        Some(0)
    )
    .is_ok());
    assert_eq!(
        check("ip", "set_mpls_ttl:3", Version::Of13, Some(0)).unwrap_err(),
        "no usable protocol"
    );
    // OpenFlow 1.0 tolerates the inconsistency.
    assert!(check("ip", "set_mpls_ttl:3", Version::Of10, None).is_ok());
}

#[test]
fn load_past_the_field_is_refused() {
    assert_eq!(
        check("", "load:1->NXM_NX_REG0[32]", Version::Of13, Some(0)).unwrap_err(),
        "NXM_NX_REG0[32]: starting bit 32 is not valid because field is only 32 bits wide"
    );
    assert_eq!(
        check("", "load:0x10->NXM_NX_REG0[0..3]", Version::Of13, Some(0)).unwrap_err(),
        "0x10->NXM_NX_REG0[0..3]: value 0x10 does not fit into 4 bits"
    );
}

#[test]
fn goto_table_must_go_forward() {
    let bad = "actions are invalid with specified match (OFPBIC_BAD_TABLE_ID)";
    assert_eq!(
        check("", "goto_table:2", Version::Of13, Some(3)).unwrap_err(),
        bad
    );
    assert_eq!(
        check("", "goto_table:3", Version::Of13, Some(3)).unwrap_err(),
        bad
    );
    assert_eq!(
        check("", "goto_table:2", Version::Of10, Some(3)).unwrap_err(),
        bad
    );
    assert!(check("", "goto_table:4", Version::Of13, Some(3)).is_ok());
    assert!(check("", "goto_table:0", Version::Of10, None).is_ok());
}

#[test]
fn unknown_actions_and_ct_rules() {
    assert_eq!(
        check("", "bogus", Version::Of13, Some(0)).unwrap_err(),
        "unknown action bogus"
    );
    assert_eq!(
        check("", "set_field:1->ct_mark", Version::Of13, Some(0)).unwrap_err(),
        "cannot set CT fields outside of ct action"
    );
    assert!(check(
        "ip",
        "ct(commit,exec(set_field:1->ct_mark))",
        Version::Of13,
        Some(0)
    )
    .is_ok());
    assert_eq!(
        check("", "ct(commit)", Version::Of13, Some(0)).unwrap_err(),
        INCONSISTENT
    );
    assert_eq!(
        check("ip", "nat", Version::Of13, Some(0)).unwrap_err(),
        "Cannot have NAT action outside of \"ct\" action"
    );
}

#[test]
fn meters_need_openflow_1_3() {
    assert_eq!(
        check("", "meter:1", Version::Of12, Some(0)).unwrap_err(),
        "no usable protocol"
    );
    assert!(check("", "meter:1", Version::Of13, Some(0)).is_ok());
    assert_eq!(
        check("", "meter:0", Version::Of13, Some(0)).unwrap_err(),
        "actions are invalid with specified match (OFPMMFC_INVALID_METER)"
    );
}
