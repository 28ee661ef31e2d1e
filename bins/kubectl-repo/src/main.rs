//! `kubectl repo`: argument parsing and output only; the work happens in the kubehelm library.

fn main() {
    eprintln!("kubectl repo: not implemented yet");
    std::process::exit(1);
}
