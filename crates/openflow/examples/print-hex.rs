//! Reads `name hex` lines from standard input and prints each as
//! `### name`, the hex, and our `ofp-print` text: the format of the
//! `tests/data/*-print.txt` files, for comparing with the reference
//! `ovs-ofctl ofp-print` by hand.

use std::io::BufRead;

fn main() {
    for line in std::io::stdin().lock().lines().map_while(Result::ok) {
        let mut it = line.split_whitespace();
        let (Some(name), Some(hex)) = (it.next(), it.next()) else {
            continue;
        };
        let bytes: Option<Vec<u8>> = (0..hex.len() / 2)
            .map(|i| {
                hex.get(2 * i..2 * i + 2)
                    .and_then(|d| u8::from_str_radix(d, 16).ok())
            })
            .collect();
        match bytes {
            Some(b) => print!("### {name}\n{hex}\n{}", openflow::print::ofp_to_string(&b)),
            None => eprintln!("{name}: bad hex"),
        }
    }
}
