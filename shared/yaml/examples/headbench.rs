//! Timing aid: `cargo run --release -p goyaml --example headbench -- MODE N FILE…` reads each file's
//! `---`-separated documents N times with MODE `head` (read_head), `full` (from_str) or `go`
//! (from_str_go).
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args[1].clone();
    let n: usize = args[2].parse().unwrap();
    let mut docs = Vec::new();
    for f in &args[3..] {
        let text = std::fs::read_to_string(f).unwrap();
        docs.extend(text.split("\n---").map(|s| s.to_string()));
    }
    let t = std::time::Instant::now();
    let mut ok = 0;
    for _ in 0..n {
        for d in &docs {
            let r = match mode.as_str() {
                "head" => goyaml::read_head(d).is_ok(),
                "full" => goyaml::from_str(d).is_ok(),
                _ => goyaml::from_str_go(d).is_ok(),
            };
            ok += r as usize;
        }
    }
    eprintln!("{} docs x {}: {} ok, {:?}", docs.len(), n, ok, t.elapsed());
}
