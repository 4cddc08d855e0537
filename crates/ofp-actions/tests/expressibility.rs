//! Which actions each OpenFlow version carries natively, translated, as an extension, or not
//! at all.

use ofp_actions::{expressibility, parse_actions, Expressibility as E, Version as V};

fn ex(text: &str, v: V) -> E {
    let a = parse_actions(text, None).unwrap();
    assert_eq!(a.len(), 1, "{text}");
    expressibility(&a[0], v)
}

#[test]
fn native_translated_extension_unsupported() {
    assert_eq!(ex("output:1", V::Of10), E::Native);
    assert_eq!(ex("output:1", V::Of15), E::Native);
    assert_eq!(ex("mod_nw_src:1.2.3.4", V::Of10), E::Native);
    assert_eq!(ex("mod_nw_src:1.2.3.4", V::Of11), E::Native);
    assert_eq!(ex("mod_nw_src:1.2.3.4", V::Of13), E::Translated);
    assert_eq!(ex("enqueue:1:2", V::Of10), E::Native);
    // set_queue,output,pop_queue: pop_queue only exists as a Nicira action.
    assert_eq!(ex("enqueue:1:2", V::Of13), E::Extension);
    assert_eq!(ex("push_vlan:0x8100", V::Of10), E::Unsupported);
    assert_eq!(ex("push_vlan:0x8100", V::Of13), E::Native);
    assert_eq!(ex("meter:1", V::Of10), E::Unsupported);
    assert_eq!(ex("meter:1", V::Of12), E::Unsupported);
    assert_eq!(ex("meter:1", V::Of13), E::Native);
    assert_eq!(ex("meter:1", V::Of15), E::Native);
    assert_eq!(ex("resubmit(,2)", V::Of13), E::Extension);
    assert_eq!(ex("group:1", V::Of10), E::Extension);
    assert_eq!(ex("group:1", V::Of11), E::Native);
    assert_eq!(ex("set_queue:1", V::Of10), E::Extension);
    assert_eq!(ex("set_queue:1", V::Of11), E::Native);
    assert_eq!(ex("goto_table:1", V::Of10), E::Extension);
    assert_eq!(ex("goto_table:1", V::Of11), E::Native);
    assert_eq!(ex("write_actions(output:1)", V::Of10), E::Unsupported);
    assert_eq!(ex("move:reg0->reg1", V::Of13), E::Extension);
    assert_eq!(
        ex("move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[]", V::Of15),
        E::Native
    );
    assert_eq!(ex("set_field:0x1->metadata", V::Of13), E::Native);
    assert_eq!(ex("load:1->reg0[0..3]", V::Of15), E::Translated);
    assert_eq!(ex("dec_ttl", V::Of10), E::Extension);
    assert_eq!(ex("dec_ttl", V::Of11), E::Native);
}
