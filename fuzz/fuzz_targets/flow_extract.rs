//! Any frame through flow extraction: no panic, and extraction does not depend on what the
//! flow held before.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let md = flow::extract::Metadata::default();
    let mut a = flow::Flow::default();
    flow::extract::extract(data, &md, &mut a);
    let mut b = a.clone();
    flow::extract::extract(data, &md, &mut b);
    assert_eq!(a, b);
});
