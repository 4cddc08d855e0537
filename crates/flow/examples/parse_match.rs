//! Developer tool: parses each line of stdin as a match and prints the canonical text or
//! the error, one result per line (`ok<TAB>text` / `error<TAB>message`).

use std::io::BufRead;

fn main() {
    let stdin = std::io::stdin();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        let input = if line == "<empty>" { "" } else { line.as_str() };
        match flow::parse_match(input, None) {
            Ok(m) => println!("ok\t{}", flow::format_match(&m, None)),
            Err(e) => println!("error\t{e}"),
        }
    }
}
